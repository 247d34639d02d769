"""A local stand-in for Discord's REST API and gateway that discord.py talks to unchanged."""

from emulators.discord.discordpy import ClientThread, pointed_at
from emulators.discord.gateway import Connection
from emulators.discord.records import InteractionRecord, RequestRecord, SeenMessage, Throttle
from emulators.discord.server import DiscordEmulator
from emulators.discord.settings import DiscordSettings

__all__ = [
    "ClientThread",
    "Connection",
    "DiscordEmulator",
    "DiscordSettings",
    "InteractionRecord",
    "RequestRecord",
    "SeenMessage",
    "Throttle",
    "pointed_at",
]
