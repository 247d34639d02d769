"""Keeping courses complete (`/keep`) on Telegram: the opt-in, and nights that start a run only
when the platform added lectures to a completed course, telling the student only then."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

import pytest

from core import keys
from core.conversation import texts
from core.keep import KeepStore
from core.runs import RunState, run_id_for
from core.vtu import Credentials
from emulators.telegram import TelegramEmulator
from tests.bot.conftest import STUDENT_USER, says
from tests.bot.helpers import log_in, start_course
from tests.core.conftest import EMAIL, PASSWORD
from tests.workers.conftest import SMALL, STUDENT
from workers.jobs.keep import check_kept_courses, queue_nightly_checks

CHAT = STUDENT_USER
GROUP = -100500


def zone_at(hours: set[int]) -> str:
    """A time zone whose clock shows one of `hours` now (one exists for any UTC time)."""
    now = time.time()
    regions = [
        name
        for name in sorted(available_timezones())
        if "/" in name and not name.startswith(("Etc/", "posix/", "right/", "SystemV/"))
    ]
    for name in regions:
        if datetime.fromtimestamp(now, ZoneInfo(name)).hour in hours:
            return name
    raise AssertionError(f"no time zone at {hours} now")


NIGHT, DAY = {2, 3}, {12, 13}


def shown_with(chat, fragment: str):
    """The bot's latest visible message in `chat` containing `fragment`, or None."""
    found = [m for m in chat if m.from_bot and not m.deleted and fragment in (m.text or "")]
    return found[-1] if found else None


def tell(telegram: TelegramEmulator, text: str, expected: str) -> str:
    telegram.send_text(STUDENT_USER, text)
    return telegram.wait_for(says(expected), chat_id=CHAT).text or ""


def night(drain, ctx) -> int:
    """A nightly pass (the periodic job) and every check it queued; returns how many."""
    queued = queue_nightly_checks()
    drain.until_idle()
    return queued


def next_night(ctx) -> None:
    """As if the last check was yesterday night."""
    ctx.redis.hset(keys.keep(STUDENT), "checked_at", time.time() - 21 * 3600)


def completed_course(telegram: TelegramEmulator, drain, ctx) -> str:
    log_in(telegram, drain, STUDENT_USER)
    start_course(telegram, drain, STUDENT_USER)
    run_id = run_id_for(STUDENT, SMALL)
    drain(lambda: ctx.store.get(run_id).state is RunState.COMPLETED, timeout=60)
    drain(lambda: "is complete" in (telegram.last_bot_message(CHAT).text or ""))
    return run_id


def test_a_keep_complete_night_picks_up_an_added_lecture(
    telegram: TelegramEmulator, bot, ctx, drain, vtu
):
    run_id = completed_course(telegram, drain, ctx)
    tell(telegram, f"/timezone {zone_at(NIGHT)}", "Time zone set")
    assert "is on" in tell(telegram, "/keep on", "Keep my courses complete is on")
    shown = len(telegram.bot_messages(CHAT))

    assert night(drain, ctx) == 1  # the course is complete: remembered, nothing said
    assert len(telegram.bot_messages(CHAT)) == shown
    assert SMALL in KeepStore(ctx.redis).known(STUDENT)
    assert night(drain, ctx) == 0, "checked twice in one night"

    added = vtu.add_lecture(SMALL, 240)
    next_night(ctx)
    assert night(drain, ctx) == 1
    notice = telegram.wait_for(
        lambda chat: shown_with(chat, "VTU added 1 lecture(s)"), chat_id=CHAT
    )
    progress = next(m for m in telegram.chat(CHAT) if m.message_id == notice.reply_to_message_id)
    assert progress.from_bot and "Control Systems" in (notice.text or "")
    assert progress.history[0].startswith("⏳ Queued")
    record = ctx.store.get(run_id)
    assert record.generation == 2 and record.target.message_id == str(progress.message_id)
    drain(lambda: ctx.store.get(run_id).state is RunState.COMPLETED, timeout=60)
    assert vtu.progress(EMAIL, added).is_completed
    drain(lambda: "is complete" in (telegram.last_bot_message(CHAT).text or ""))
    edited = next(m for m in telegram.chat(CHAT) if m.message_id == progress.message_id)
    assert (edited.text or "").startswith("✅ Completed")

    shown = len(telegram.bot_messages(CHAT))
    next_night(ctx)
    assert night(drain, ctx) == 1  # complete again: nothing to do, nothing said
    assert len(telegram.bot_messages(CHAT)) == shown
    assert ctx.store.get(run_id).generation == 2


def test_no_check_by_day(telegram: TelegramEmulator, bot, ctx, drain):
    log_in(telegram, drain, STUDENT_USER)
    tell(telegram, f"/timezone {zone_at(DAY)}", "Time zone set")
    tell(telegram, "/keep on", "is on")
    assert night(drain, ctx) == 0


def test_a_refused_login_is_told_once_and_not_retried_until_a_new_login(
    telegram: TelegramEmulator, bot, ctx, drain, vtu
):
    log_in(telegram, drain, STUDENT_USER)
    tell(telegram, f"/timezone {zone_at(NIGHT)}", "Time zone set")
    tell(telegram, "/keep on", "is on")
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, "changed on the platform"))
    night(drain, ctx)
    refused = telegram.wait_for(lambda chat: shown_with(chat, "could not log in"), chat_id=CHAT)
    assert "/login" in (refused.text or "")
    failed_logins = vtu.stats(EMAIL).failed_logins
    shown = len(telegram.bot_messages(CHAT))
    next_night(ctx)
    assert night(drain, ctx) == 1
    assert len(telegram.bot_messages(CHAT)) == shown, "told twice"
    assert vtu.stats(EMAIL).failed_logins == failed_logins, "retried the refused login"
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, PASSWORD))  # /login again
    logins = vtu.stats(EMAIL).logins
    next_night(ctx)
    night(drain, ctx)
    assert vtu.stats(EMAIL).logins == logins + 1
    assert len(telegram.bot_messages(CHAT)) == shown  # nothing to do: nothing said


def test_an_active_run_is_not_started_twice(telegram: TelegramEmulator, bot, ctx, drain, vtu):
    run_id = completed_course(telegram, drain, ctx)
    tell(telegram, f"/timezone {zone_at(NIGHT)}", "Time zone set")
    tell(telegram, "/keep on", "is on")
    night(drain, ctx)
    vtu.add_lecture(SMALL, 240)
    ctx.runs.submit(STUDENT, SMALL)  # the student started it themselves: still queued
    next_night(ctx)
    assert check_kept_courses(STUDENT) == "0 run(s) started"
    assert ctx.store.get(run_id).generation == 2
    assert not [m for m in telegram.chat(CHAT) if "🌙 VTU added" in (m.text or "")]


def test_keep_explains_itself_and_turns_off(telegram: TelegramEmulator, bot, ctx, drain):
    about = tell(telegram, "/keep", "Keep my courses complete is off")
    assert "every night" in about and "/keep on" in about
    assert tell(telegram, "/keep maybe", texts.KEEP_USAGE)
    log_in(telegram, drain, STUDENT_USER)
    tell(telegram, "/keep on", "is on")
    assert "is on" in tell(telegram, "/keep", "Keep my courses complete is")
    tell(telegram, "/keep off", texts.KEEP_OFF)
    assert not KeepStore(ctx.redis).state(STUDENT).enabled
    assert not ctx.redis.sismember(keys.KEEP_STUDENTS, STUDENT)


def test_keep_without_a_login(telegram: TelegramEmulator, bot, ctx):
    tell(telegram, "/keep on", texts.KEEP_NEEDS_LOGIN)
    assert not KeepStore(ctx.redis).state(STUDENT).enabled


@pytest.mark.parametrize("command", ["/keep on", "/timezone Europe/London", "/run tonight"])
def test_in_a_group_chat(telegram: TelegramEmulator, bot, ctx, command):
    telegram.send_text(STUDENT_USER, command, GROUP, "supergroup")
    telegram.wait_for(says(texts.PRIVATE_ONLY), chat_id=GROUP)
    assert not KeepStore(ctx.redis).state(STUDENT).enabled
    assert not ctx.redis.exists(keys.student_prefs(STUDENT))


def test_forget_ends_keeping(telegram: TelegramEmulator, bot, ctx, drain):
    log_in(telegram, drain, STUDENT_USER)
    tell(telegram, "/timezone Europe/London", "Time zone set")
    tell(telegram, "/keep on", "is on")
    assert ctx.runs.forget(STUDENT) == 0
    assert not ctx.redis.sismember(keys.KEEP_STUDENTS, STUDENT)
    assert not ctx.redis.exists(keys.keep(STUDENT), keys.student_prefs(STUDENT))
