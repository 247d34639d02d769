"""End to end: the real discord.py bot, a real worker, Redis and both stand-ins."""

from __future__ import annotations

from emulators.discord import DiscordEmulator
from emulators.vtu.server import VTUEmulator
from tests.bot.discord.conftest import OTHER_USER, STUDENT_USER
from tests.bot.discord.helpers import log_in, open_picker, start_course
from tests.core.conftest import EMAIL, PASSWORD
from tests.workers.test_runs import video_lectures

DISCORD_LIMIT_PER_5_S = 5


def test_login_pick_run_to_completion_in_a_dm(
    discord_api: DiscordEmulator, vtu: VTUEmulator, bot, drain, ctx
):
    answer = log_in(discord_api, drain, STUDENT_USER)
    assert answer.ephemeral and answer.content.startswith("Logged in as")
    assert EMAIL not in answer.content

    progress = start_course(discord_api, drain, STUDENT_USER, index=0)
    assert not progress.ephemeral
    assert progress.channel_id == discord_api.dm_channel_id(STUDENT_USER)
    assert progress.button_labels == ["✖ Cancel", "↻ Refresh"]

    drain(lambda: "Completed" in discord_api.message(progress.id).content, timeout=60)
    done = discord_api.message(progress.id)
    assert done.history[0].startswith("⏳ Queued") and done.edited
    assert done.buttons == []
    assert "Skipped 1 lecture(s) without video" in done.content
    assert all(vtu.progress(EMAIL, lec.id).is_completed for lec in video_lectures(vtu))
    notice = discord_api.wait_for_message(STUDENT_USER, lambda m: "is complete" in m.content)
    assert notice.channel_id == progress.channel_id and notice.id != progress.id

    assert discord_api.throttled == []
    assert discord_api.failed_interactions == []
    assert all(
        r.ack_latency_s is not None and r.ack_latency_s < 3 for r in discord_api.interactions
    )
    edits = sorted(done.edit_times)
    assert all(
        sum(1 for t in edits if start <= t < start + 5) <= DISCORD_LIMIT_PER_5_S for start in edits
    )
    sent = discord_api.everything_sent()
    for secret in (PASSWORD, EMAIL, discord_api.token):
        assert secret not in sent
    issued = vtu.issued_tokens()
    assert issued and not any(cookie in sent for cookie in issued)


def test_another_users_press_is_refused(discord_api: DiscordEmulator, bot, drain, ctx):
    log_in(discord_api, drain, STUDENT_USER)
    progress = start_course(discord_api, drain, STUDENT_USER, index=1)
    run = ctx.runs.status("discord:1001")[0]
    before = set(m.id for m in discord_api.seen_by(OTHER_USER))
    pressed = discord_api.press_button(OTHER_USER, progress.id, f"cancel:{run.id}", strict=False)
    assert discord_api.wait_for_interaction(pressed).acknowledged
    refusal = discord_api.wait_for_message(
        OTHER_USER, lambda m: m.id not in before and "not for you" in m.content
    )
    assert refusal.ephemeral
    assert ctx.runs.get("discord:1001", run.id).state.active
    picker = open_picker(discord_api, drain, STUDENT_USER)
    forged_pick = discord_api.pick_select(OTHER_USER, picker.id, ["pick:0"], strict=False)
    assert discord_api.wait_for_interaction(forged_pick).acknowledged
    assert "✓" not in discord_api.message(picker.id).content
    ctx.runs.cancel("discord:1001", run.id)
