"""A crowd at once: every student answered, every selection one run, no handler failure.

The real bot (its real concurrency) long-polls the Telegram stand-in; the students are
logged in with a course ticked, as after /login and /courses, then all write in the same
instant. No worker runs: what is checked is what the bot itself must do.
"""

from __future__ import annotations

import logging

import pytest

from core.conversation import CoursePicker, texts
from core.runs import Runs
from core.runs.queues import RUNS_QUEUE, queue
from core.vault import SecretBox, Vault
from emulators.telegram import TelegramEmulator
from tests.bot.helpers import ready_to_run
from tests.workers.conftest import SMALL

CROWD = 200
FIRST_USER = 700_000
ANSWER_WITHIN_S = 60.0
"""Generous: 400 messages at the bot's ~25 a second take about 16 s on an idle machine."""


def students(count: int) -> list[int]:
    return [FIRST_USER + i for i in range(count)]


def handler_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("handler failed")]


def test_a_crowd_sending_help_and_run_at_once_is_answered_in_full(
    telegram: TelegramEmulator, settings, redis, bot, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING)
    users = students(CROWD)
    ready_to_run(redis, settings, users)
    for user in users:
        telegram.send_text(user, "/help")
        telegram.send_text(user, "/run")

    def answered(user: int) -> bool:
        shown = [m.text or "" for m in telegram.bot_messages(user)]
        return any("AutoPilot" in t for t in shown) and any("Queued" in t for t in shown)

    telegram.wait_for(lambda: all(answered(u) for u in users), timeout=ANSWER_WITHIN_S)

    assert handler_failures(caplog) == []
    runs = Runs(redis, Vault(redis, SecretBox(settings.secret_keys)), settings)
    picker = CoursePicker(redis)
    for user in users:
        student = f"telegram:{user}"
        assert [r.course for r in runs.status(student)] == [SMALL]
        assert picker.picked(student) == []  # cleared, now that the run exists
        shown = [m.text or "" for m in telegram.bot_messages(user)]
        assert sum("Queued" in t for t in shown) == 1
        assert not any(texts.SOMETHING_WENT_WRONG in t for t in shown)
    assert queue(redis, RUNS_QUEUE).count == CROWD  # one slice queued per run, none twice
    # 429s are not asserted here: the budget keeps under Telegram's rate with a margin a
    # busy test machine can eat; bench/crowd.py measures them (0 for 500 students).
