"""Where the bot registers its commands and posts progress, and how its REST calls are
counted against the shared budget."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from bot.discord import bot_in_thread, build_bot
from bot.discord.ratelimits import classify
from config import Settings
from core.conversation import texts
from emulators.discord import DiscordEmulator
from tests.bot.discord.conftest import OTHER_USER, STUDENT_USER
from tests.bot.discord.helpers import latest, log_in, start_course

COMMANDS = {name for name, _ in texts.COMMANDS}


def test_commands_sync_globally_without_a_guild(discord_api: DiscordEmulator, bot):
    assert set(discord_api.commands()) == COMMANDS
    assert discord_api.commands(discord_api.guild_id) == {}


@pytest.fixture
def in_the_guild(settings: Settings, discord_api: DiscordEmulator, redis, ctx) -> Iterator[None]:
    """The bot set up for one class's server: guild commands, progress in #progress."""
    settings = dataclasses.replace(
        settings,
        discord_guild_id=discord_api.guild_id,
        discord_progress_channel_id=discord_api.channel_ids[1],
    )
    ctx.settings = settings
    with bot_in_thread(build_bot(settings, redis)):
        yield


def test_a_guild_gets_its_commands_at_once_and_progress_goes_to_its_channel(
    discord_api: DiscordEmulator, in_the_guild, ctx, drain
):
    assert set(discord_api.commands(discord_api.guild_id)) == COMMANDS
    assert discord_api.commands() == {}
    general = discord_api.channel_id
    interaction = discord_api.invoke_command(STUDENT_USER, "status", channel_id=general)
    assert discord_api.wait_for_interaction(interaction).acknowledged
    answer = discord_api.wait_for(lambda: latest(discord_api, STUDENT_USER, texts.NO_RUNS))
    assert answer.ephemeral and answer.channel_id == general
    assert latest(discord_api, OTHER_USER, texts.NO_RUNS) is None  # only the student sees it

    log_in(discord_api, drain, STUDENT_USER, channel_id=general)
    progress = start_course(discord_api, drain, STUDENT_USER, index=1, channel_id=general)
    assert progress.channel_id == discord_api.channel_ids[1] and not progress.ephemeral
    run = ctx.runs.status("discord:1001")[0]
    pressed = discord_api.press_button(OTHER_USER, progress.id, "✖ Cancel")
    assert discord_api.wait_for_interaction(pressed).acknowledged
    discord_api.wait_for(lambda: latest(discord_api, OTHER_USER, texts.NOT_YOURS))
    assert ctx.runs.get("discord:1001", run.id).state.active
    discord_api.press_button(STUDENT_USER, progress.id, "✖ Cancel")
    discord_api.wait_for(lambda: latest(discord_api, STUDENT_USER, "Cancelled"))
    assert not ctx.runs.get("discord:1001", run.id).state.active


def test_rest_calls_are_classified_without_secrets(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("discord.http.Route.BASE", "http://127.0.0.1:1/api/v10")
    root = "http://127.0.0.1:1/api/v10"
    edit = classify("PATCH", f"{root}/channels/42/messages/7")
    assert edit is not None and edit.route == "PATCH /channels/{channel_id}/messages/{id}"
    assert edit.major == "42" and edit.global_limited
    webhook = classify("PATCH", f"{root}/webhooks/9/s3cret-token/messages/@original")
    assert webhook is not None and not webhook.global_limited
    assert "s3cret" not in webhook.route + webhook.major
    assert classify("POST", f"{root}/interactions/5/tok/callback?with_response=1") is None
    assert classify("GET", "ws://127.0.0.1:2/?v=10") is None
