"""When a handler fails, the student still hears it, and nothing picked is lost."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket

import pytest
from redis.asyncio import Redis as AsyncRedis

from bot.telegram import build_application, polling_in_thread
from core import keys
from core.conversation import CoursePicker, texts
from core.limits.messages import MessageBudget
from core.runs import Runs
from core.vault import SecretBox, Vault
from emulators.telegram import TelegramEmulator
from tests.bot.conftest import STUDENT_USER, says
from tests.bot.helpers import ready_to_run
from tests.workers.conftest import SMALL, STUDENT

BLOCKED_UNTIL = f"{keys.PREFIX}messages:telegram:blocked-until"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_with_redis_down_the_student_still_gets_an_apology(
    telegram: TelegramEmulator, settings, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.ERROR)
    dead = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    with polling_in_thread(build_application(dead)):
        telegram.send_text(STUDENT_USER, "/help")
        telegram.wait_for(says(texts.SOMETHING_WENT_WRONG), chat_id=STUDENT_USER, timeout=30)
        telegram.send_text(STUDENT_USER, "/run")
        telegram.wait_for(
            lambda chat: sum(texts.SOMETHING_WENT_WRONG in (m.text or "") for m in chat) == 2,
            chat_id=STUDENT_USER,
            timeout=30,
        )
    assert any(r.getMessage().startswith("handler failed") for r in caplog.records)


def block_everyone(redis_url: str, seconds: float) -> None:
    """As after a 429 with a long `retry_after`: the budget lets no message out."""

    async def main() -> None:
        client = AsyncRedis.from_url(redis_url)
        await MessageBudget(client, edit_interval_s=1.0).block_for(seconds)
        await client.aclose()

    asyncio.run(main())


def test_a_run_that_fails_half_way_keeps_the_selection_and_run_again_finishes_it(
    telegram: TelegramEmulator, settings, redis, redis_url, bot, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.ERROR)
    ready_to_run(redis, settings, [STUDENT_USER])
    picker = CoursePicker(redis)
    block_everyone(redis_url, 600)  # the progress message cannot be sent
    telegram.send_text(STUDENT_USER, "/run")
    telegram.wait_for(lambda: any("handler failed" in r.getMessage() for r in caplog.records))

    assert [c.slug for c in picker.picked(STUDENT)] == [SMALL]  # nothing lost
    telegram.wait_for(says(texts.SOMETHING_WENT_WRONG), chat_id=STUDENT_USER)

    redis.delete(BLOCKED_UNTIL)  # the 429 is over; the student tries again
    telegram.send_text(STUDENT_USER, "/run")
    progress = telegram.wait_for(says("Queued"), chat_id=STUDENT_USER)
    runs = Runs(redis, Vault(redis, SecretBox(settings.secret_keys)), settings)

    def shown_in_progress_message() -> bool:
        [record] = runs.status(STUDENT)
        return record.target is not None and record.target.message_id == str(progress.message_id)

    telegram.wait_for(shown_in_progress_message)
    assert picker.picked(STUDENT) == []


def test_run_sent_twice_at_once_starts_one_run_with_one_progress_message(
    telegram: TelegramEmulator, settings, redis, bot
):
    ready_to_run(redis, settings, [STUDENT_USER])
    telegram.send_text(STUDENT_USER, "/run")
    telegram.send_text(STUDENT_USER, "/run")
    other = (texts.ALREADY_STARTING, texts.PICK_FIRST)

    def both_answered(chat) -> bool:
        shown = [m.text or "" for m in chat if m.from_bot]
        return any("Queued" in t for t in shown) and any(t in other for t in shown)

    telegram.wait_for(both_answered, chat_id=STUDENT_USER)
    shown = [m.text or "" for m in telegram.bot_messages(STUDENT_USER)]
    assert sum("Queued" in t for t in shown) == 1
    runs = Runs(redis, Vault(redis, SecretBox(settings.secret_keys)), settings)
    assert len(runs.status(STUDENT)) == 1
