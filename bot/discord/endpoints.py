"""Where discord.py connects: the REST root and the gateway, from settings.

discord.py reads both from class attributes (`Route.BASE` at each request, the gateway at
each connect), so pointing the bot at a stand-in means setting them before it starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

if TYPE_CHECKING:
    from config import Settings


def point_at(settings: Settings) -> None:
    """Send every REST call to DISCORD_API_BASE_URL and connect to DISCORD_GATEWAY_URL."""
    Route.BASE = settings.discord_api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def rest_root() -> str:
    return Route.BASE
