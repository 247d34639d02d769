"""The login check and the course list always end with the student's message saying how it
went: retried for real while the platform is down, and a clear answer on every failure."""

from __future__ import annotations

import dataclasses

import pytest
from rq.registry import FailedJobRegistry

from core.conversation import texts
from core.keys import pending_login
from core.runs.queues import FAST_QUEUE, queue
from core.vault import SecretBox, new_key
from emulators.telegram import TelegramEmulator
from emulators.vtu.server import VTUEmulator
from tests.bot.conftest import STUDENT_USER, says
from tests.bot.helpers import log_in, message
from tests.core.conftest import EMAIL, PASSWORD
from tests.workers.conftest import STUDENT
from workers.jobs import account

CHAT = STUDENT_USER


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(account, "RETRY_DELAYS_S", (0.2, 0.2))


def platform_down(vtu: VTUEmulator, down: bool = True) -> None:
    vtu.settings = dataclasses.replace(vtu.settings, error_rate=1.0 if down else 0.0)


def send_login(telegram: TelegramEmulator) -> int:
    """/login, email, password; returns the id of the bot's "Checking…" message."""
    telegram.send_text(STUDENT_USER, "/login")
    telegram.wait_for(says(texts.ASK_EMAIL), chat_id=CHAT)
    telegram.send_text(STUDENT_USER, EMAIL)
    telegram.wait_for(says(texts.ASK_PASSWORD), chat_id=CHAT)
    telegram.send_text(STUDENT_USER, PASSWORD)
    return telegram.wait_for(says(texts.LOGIN_CHECKING), chat_id=CHAT).message_id


def send_courses(telegram: TelegramEmulator) -> int:
    telegram.send_text(STUDENT_USER, "/courses")
    return telegram.wait_for(says(texts.COURSES_LOADING), chat_id=CHAT).message_id


def shown(telegram: TelegramEmulator, message_id: int) -> str:
    return message(telegram.chat(CHAT), message_id).text or ""


def test_courses_during_an_outage_are_retried_and_the_message_shows_the_result(
    telegram: TelegramEmulator, vtu: VTUEmulator, bot, ctx, drain, quick_retries
):
    log_in(telegram, drain, STUDENT_USER)
    platform_down(vtu)
    waiting = send_courses(telegram)
    drain(lambda: "try 2 of 3" in shown(telegram, waiting))
    platform_down(vtu, False)
    drain(lambda: shown(telegram, waiting).startswith("Your courses"))
    history = message(telegram.chat(CHAT), waiting).history
    assert "the VTU platform is not answering, so I will try again" in history[1]
    assert not any("It will be retried" in text for text in history)


def test_courses_during_a_long_outage_end_with_a_clear_answer(
    telegram: TelegramEmulator, vtu: VTUEmulator, bot, ctx, drain, quick_retries
):
    log_in(telegram, drain, STUDENT_USER)
    platform_down(vtu)
    waiting = send_courses(telegram)
    drain(lambda: shown(telegram, waiting).startswith("Could not fetch"))
    history = message(telegram.chat(CHAT), waiting).history
    assert history[-1] == texts.COURSES_PLATFORM_DOWN.format(attempts=3, minutes=1)
    assert [text for text in history if "try 3 of 3" in text]
    assert not any("retried" in text for text in history)
    assert not queue(ctx.redis, FAST_QUEUE).count
    assert not FailedJobRegistry(FAST_QUEUE, connection=ctx.redis).get_job_ids()


def test_login_during_an_outage_is_retried_then_answered_and_nothing_kept(
    telegram: TelegramEmulator, vtu: VTUEmulator, bot, ctx, drain, quick_retries
):
    platform_down(vtu)
    checking = send_login(telegram)
    drain(lambda: shown(telegram, checking).startswith("Login failed"))
    history = message(telegram.chat(CHAT), checking).history
    assert "Checking your login with VTU: the VTU platform is not answering" in history[1]
    assert history[-1] == texts.LOGIN_PLATFORM_DOWN.format(attempts=3, minutes=1)
    assert not ctx.vault.has_credentials(STUDENT)
    assert not ctx.vault.has_credentials(pending_login(STUDENT))


def test_a_login_the_worker_cannot_decrypt_gets_an_answer_not_silence(
    telegram: TelegramEmulator, bot, ctx, drain
):
    ctx.vault.box = SecretBox([new_key()])  # the worker was started with other keys
    checking = send_login(telegram)
    failed = FailedJobRegistry(FAST_QUEUE, connection=ctx.redis)
    drain(lambda: bool(failed.get_job_ids()))
    assert shown(telegram, checking) == texts.LOGIN_UNREADABLE
    assert not ctx.vault.has_credentials(pending_login(STUDENT))
    job = failed.get_job_ids()[0]
    result = queue(ctx.redis, FAST_QUEUE).fetch_job(job).latest_result()
    assert "AUTOPILOT_SECRET_KEYS" in (result.exc_string or "")


def test_a_stored_login_the_worker_cannot_decrypt_gets_an_answer_not_silence(
    telegram: TelegramEmulator, bot, ctx, drain
):
    log_in(telegram, drain, STUDENT_USER)
    ctx.vault.box = SecretBox([new_key()])
    waiting = send_courses(telegram)
    drain(lambda: "Fetching" not in shown(telegram, waiting))
    assert shown(telegram, waiting) == texts.COURSES_LOGIN_UNREADABLE
    assert ctx.vault.has_credentials(STUDENT)  # a misconfigured worker deletes nothing


def test_a_fault_of_ours_while_listing_is_told_and_kept_for_the_admin(
    telegram: TelegramEmulator, bot, ctx, drain, monkeypatch
):
    log_in(telegram, drain, STUDENT_USER)

    def broken(*_args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(account.CoursePicker, "save", broken)
    waiting = send_courses(telegram)
    drain(lambda: "Fetching" not in shown(telegram, waiting))
    assert shown(telegram, waiting) == texts.COURSES_BROKE
    assert FailedJobRegistry(FAST_QUEUE, connection=ctx.redis).get_job_ids()
