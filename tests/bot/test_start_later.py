"""Off-peak starts on Telegram: `/run tonight`, `/run at 02:00` in the student's time zone,
shown by /status, dropped by /cancel, found again by a second /run; bad times answered."""

from __future__ import annotations

import re

import pytest
from rq_scheduler import Scheduler

from core import keys
from core.conversation import texts
from core.runs import RunState, run_id_for
from core.runs.queues import JSONJob
from emulators.telegram import ChatMessage, TelegramEmulator
from tests.bot.conftest import STUDENT_USER
from tests.bot.helpers import ready_to_run
from tests.workers.conftest import SMALL, STUDENT

CHAT = STUDENT_USER
DAY_AND_TIME = re.compile(r"\w{3} \d{1,2} \w{3}, 02:00 \(Asia/Kolkata\)")


@pytest.fixture
def picked(redis, settings):
    ready_to_run(redis, settings, [STUDENT_USER])


def say(telegram: TelegramEmulator, text: str, expected: str) -> str:
    """Send `text`; the text of the bot's first answer to it containing `expected`."""
    sent = telegram.send_text(STUDENT_USER, text)["message_id"]
    return answer(telegram, sent, expected).text or ""


def answer(telegram: TelegramEmulator, after: int, expected: str) -> ChatMessage:
    def found(chat: list[ChatMessage]) -> ChatMessage | None:
        new = [m for m in chat if m.from_bot and m.message_id > after]
        return next((m for m in new if expected in (m.text or "")), None)

    return telegram.wait_for(found, chat_id=CHAT)


def test_run_tonight_schedules_the_picked_course(telegram: TelegramEmulator, bot, ctx, picked):
    shown = say(telegram, "/run tonight", "🕑 Scheduled")
    assert DAY_AND_TIME.search(shown), shown
    record = telegram.wait_for(
        lambda: (found := ctx.store.get(run_id_for(STUDENT, SMALL))) and found.target and found
    )
    assert record.state is RunState.SCHEDULED and record.start_zone == "Asia/Kolkata"
    progress = telegram.last_bot_message(CHAT)
    assert record.target.message_id == str(progress.message_id)
    assert [label for row in progress.buttons for label, _ in row] == [texts.BUTTON_CANCEL]
    status = say(telegram, "/status", "🕑 Scheduled: Control Systems")
    assert "starts" in status and DAY_AND_TIME.search(status)


def test_a_second_run_points_to_the_scheduled_one(telegram: TelegramEmulator, bot, picked, redis):
    say(telegram, "/run at 02:00", "🕑 Scheduled")
    scheduled = telegram.last_bot_message(CHAT)
    for again in ("/run at 03:00", "/run in 2 hours", "/run"):
        telegram.wait_for(lambda: not redis.scard(keys.picker_picked(STUDENT)))  # start ended
        redis.sadd(keys.picker_picked(STUDENT), 0)  # ticked again
        sent = telegram.send_text(STUDENT_USER, again)["message_id"]
        reply = answer(telegram, sent, "is already scheduled")
        assert reply.reply_to_message_id == scheduled.message_id
        assert DAY_AND_TIME.search(reply.text or ""), reply.text


def test_cancel_drops_a_scheduled_run_and_its_start_job(
    telegram: TelegramEmulator, bot, ctx, picked, redis
):
    say(telegram, "/run at 02:00", "🕑 Scheduled")
    record = ctx.store.get(run_id_for(STUDENT, SMALL))
    say(telegram, "/cancel", texts.CANCEL_WHICH)
    choice = telegram.last_bot_message(CHAT)
    telegram.press_button(CHAT, CHAT, choice.message_id, choice.buttons[0][0][1])
    telegram.wait_for(lambda: not redis.exists(JSONJob.key_for(record.job_id)))
    assert ctx.store.get(record.id).state is RunState.CANCELLED
    assert redis.zscore(Scheduler.scheduled_jobs_key, record.job_id) is None
    telegram.wait_for(lambda: "Cancelled Control Systems" in str(telegram.answered_callbacks))


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("whenever", "I could not read that as a time"),
        ("at 25:00", "there is no 25:00 on a clock"),
        ("at 2", "could be 02:00 or 14:00"),
        ("2001-01-01 02:00", "has already passed"),
        ("in 300 hours", "more than a week ahead"),
    ],
)
def test_a_time_it_cannot_use_is_answered_with_examples(
    telegram: TelegramEmulator, bot, ctx, picked, when, problem
):
    answer = say(telegram, f"/run {when}", "I cannot start at")
    assert problem in answer and "tonight (02:00), at 02:00" in answer
    assert "Asia/Kolkata" in answer
    assert ctx.store.get(run_id_for(STUDENT, SMALL)) is None
    assert ctx.redis.scard(keys.picker_picked(STUDENT)) == 1  # the pick is kept


def test_a_time_already_passed_today(telegram: TelegramEmulator, bot, ctx, picked):
    answer = say(telegram, "/run today 00:00", "I cannot start at")
    assert "today at 00:00 has already passed" in answer


def test_start_times_follow_the_students_time_zone(telegram: TelegramEmulator, bot, ctx, picked):
    shown = say(telegram, "/timezone", "Your time zone is Asia/Kolkata")
    assert "/timezone Region/City" in shown
    say(telegram, "/timezone europe/london", "Time zone set to Europe/London")
    shown = say(telegram, "/run tonight", "🕑 Scheduled")
    assert "02:00 (Europe/London)" in shown
    assert ctx.store.get(run_id_for(STUDENT, SMALL)).start_zone == "Europe/London"


def test_an_unknown_time_zone_is_refused_with_suggestions(telegram: TelegramEmulator, bot, ctx):
    answer = say(telegram, "/timezone Europe/Londn", "is not a time zone I know")
    assert "Did you mean Europe/London" in answer
    answer = say(telegram, "/timezone Mars/Olympus_Mons", "is not a time zone I know")
    assert "Asia/Kolkata" in answer and "Did you mean" not in answer
    say(telegram, "/timezone ../../etc/passwd", "is not a time zone I know")
    assert not ctx.redis.exists(keys.student_prefs(STUDENT))


def test_run_now_starts_at_once(telegram: TelegramEmulator, bot, ctx, picked):
    say(telegram, "/run now", "⏳ Queued")
    assert ctx.store.get(run_id_for(STUDENT, SMALL)).state is RunState.QUEUED
