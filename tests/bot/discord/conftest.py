"""The real discord.py bot against the Discord stand-in, with the worker fixtures of
tests/workers (an in-process worker, the suite's Redis, the VTU stand-in)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config import Settings
from core.vault import new_key
from emulators.discord import DiscordEmulator
from emulators.discord.discordpy import import_discord
from tests.workers.conftest import ctx, drain, logged_in, vtu  # noqa: F401

import_discord()

from bot.discord import bot_in_thread, build_bot  # noqa: E402

STUDENT_USER = 1001
"""Discord user whose student id is `discord:1001`."""
OTHER_USER = 2002


@pytest.fixture
def discord_api() -> Iterator[DiscordEmulator]:
    with DiscordEmulator() as emulator:
        yield emulator
        assert emulator.internal_errors == []
        assert emulator.unknown_routes == []


@pytest.fixture
def settings(redis_url: str, vtu, discord_api: DiscordEmulator) -> Settings:  # noqa: F811
    return Settings(
        redis_url=redis_url,
        vtu_base_url=vtu.base_url,
        secret_keys=(new_key(),),
        vtu_rate_limit=200.0,
        vtu_global_rate_limit=400.0,
        discord_bot_token=discord_api.token,
        discord_api_base_url=discord_api.api_base_url,
        discord_gateway_url=discord_api.gateway_url,
        discord_edit_interval_s=1.0,
    )


@pytest.fixture
def bot(settings: Settings, redis, ctx) -> Iterator[None]:  # noqa: F811
    """The bot connected to the stand-in from a thread of its own."""
    with bot_in_thread(build_bot(settings, redis)) as thread:
        yield
    assert not thread.is_alive()
