"""Starting later and keeping courses complete on Discord: the same conversation as Telegram,
with a slash-command option for the start time, choices for /keep, and news by DM."""

from __future__ import annotations

from typing import Any

from core import keys
from core.conversation import texts
from core.keep import KeepStore
from core.runs import RunState, run_id_for
from emulators.discord import DiscordEmulator, SeenMessage
from tests.bot.discord.conftest import STUDENT_USER
from tests.bot.discord.helpers import log_in, open_picker
from tests.bot.test_keep import NIGHT, zone_at
from tests.workers.conftest import SMALL
from workers.jobs.keep import queue_nightly_checks

STUDENT = "discord:1001"


def command(
    discord_api: DiscordEmulator, name: str, options: dict[str, Any] | None = None
) -> SeenMessage:
    """`/name` with `options` in the student's DM; the ephemeral answer once it is given."""
    interaction = discord_api.invoke_command(STUDENT_USER, name, options)
    assert discord_api.wait_for_interaction(interaction).acknowledged
    return discord_api.wait_for(
        lambda: next(
            (
                m
                for m in discord_api.seen_by(STUDENT_USER)
                if m.interaction_id == interaction and not m.loading
            ),
            None,
        )
    )


def test_run_with_a_start_time_schedules_it(discord_api: DiscordEmulator, bot, ctx, drain):
    log_in(discord_api, drain, STUDENT_USER)
    picker = open_picker(discord_api, drain, STUDENT_USER)
    discord_api.pick_select(STUDENT_USER, picker.id, ["pick:0"])
    discord_api.wait_for(lambda: "✓" in discord_api.message(picker.id).content)
    interaction = discord_api.invoke_command(STUDENT_USER, "run", {"when": "at 02:00"})
    assert discord_api.wait_for_interaction(interaction).acknowledged
    scheduled = discord_api.wait_for_message(
        STUDENT_USER, lambda m: m.content.startswith("🕑 Scheduled")
    )
    assert not scheduled.ephemeral
    assert scheduled.channel_id == discord_api.dm_channel_id(STUDENT_USER)
    assert "02:00 (Asia/Kolkata)" in scheduled.content
    discord_api.wait_for(lambda: not [m for m in discord_api.seen_by(STUDENT_USER) if m.loading])
    assert scheduled.button_labels == [texts.BUTTON_CANCEL]
    record = ctx.store.get(run_id_for(STUDENT, SMALL))
    assert record.state is RunState.SCHEDULED
    status = command(discord_api, "status")
    assert status.ephemeral and "starts" in status.content


def test_bad_start_time_and_time_zone_are_answered(discord_api: DiscordEmulator, bot, ctx, drain):
    answer = command(discord_api, "run", {"when": "when pigs fly"})
    assert answer.ephemeral and "I cannot start at" in answer.content
    answer = command(discord_api, "timezone", {"zone": "Atlantis/Capital"})
    assert "is not a time zone I know" in answer.content
    answer = command(discord_api, "timezone", {"zone": "Europe/London"})
    assert answer.content.startswith("Time zone set to Europe/London")
    assert "Europe/London" in command(discord_api, "timezone").content


def test_keep_on_discord_tells_by_dm(discord_api: DiscordEmulator, bot, ctx, drain, vtu):
    assert command(discord_api, "keep", {"choice": "on"}).content == texts.KEEP_NEEDS_LOGIN
    log_in(discord_api, drain, STUDENT_USER)
    command(discord_api, "timezone", {"zone": zone_at(NIGHT)})
    assert "is on" in command(discord_api, "keep", {"choice": "on"}).content
    home = KeepStore(ctx.redis).state(STUDENT).home
    assert home is not None and home.chat_id == str(discord_api.dm_channel_id(STUDENT_USER))
    every_id = {lecture.id for lecture in vtu.catalog.course(SMALL).lectures}
    KeepStore(ctx.redis).remember(STUDENT, SMALL, every_id)  # as after a night it was complete
    vtu.add_lecture(SMALL, 240)
    assert queue_nightly_checks() == 1
    drain(lambda: ctx.redis.exists(keys.keep_claim(STUDENT)) == 0)
    notice = discord_api.wait_for_message(STUDENT_USER, lambda m: "🌙 VTU added" in m.content)
    progress = ctx.store.get(run_id_for(STUDENT, SMALL))
    assert notice.channel_id == int(progress.target.chat_id) and not notice.ephemeral
    assert progress.state.active
    assert command(discord_api, "keep", {"choice": "off"}).content == texts.KEEP_OFF
