"""Progress messages never freeze: with the message budget exhausted, every run's final state
is still drawn, soon after the budget allows, and no "redraw pending" flag is left behind."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from redis.asyncio import Redis as AsyncRedis
from rq import SimpleWorker
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from core.chat import ChatTarget, Platform
from core.limits.messages import MessageBudget
from core.runs import RunState
from core.runs.events import publish, refresh_pending_key
from core.runs.queues import FAST_QUEUE, JSONJob, queue
from core.vtu import Credentials
from emulators.telegram import TelegramEmulator
from workers.notify.progress import redraw
from workers.notify.senders import chat_sender

from .conftest import SMALL

RUNS = 12
FIRST_USER = 800_000
STORM_S = 4.0
"""How long other senders keep receiving 429s after the runs end (the budget exhausted)."""
DRAWN_WITHIN_S = 15.0
"""Stated bound: once the budget allows edits again, every final state shows within this
(the RQ scheduler's one-second tick, 12 edits at 20 a second, a busy machine's slack; a
frozen message would wait out the 120 s "redraw pending" flag)."""


@pytest.fixture
def telegram() -> Iterator[TelegramEmulator]:
    with TelegramEmulator() as emulator:
        yield emulator
        assert emulator.internal_errors == []


@pytest.fixture
def settings(settings, telegram: TelegramEmulator):
    return dataclasses.replace(
        settings,
        telegram_bot_token=telegram.token,
        telegram_api_base_url=telegram.base_url,
        telegram_edit_interval_s=1.0,
    )


def shown_runs(ctx, telegram: TelegramEmulator, count: int) -> list[tuple[int, str, int]]:
    """`count` students, each with a queued run and its progress message: (chat, run, message)."""
    runs = []
    for user in range(FIRST_USER, FIRST_USER + count):
        student = f"telegram:{user}"
        ctx.vault.save_credentials(student, Credentials(f"s{user}@vtu.test", "pw"))
        telegram.send_text(user, "/run")
        record = ctx.runs.submit(student, SMALL).run
        message_id = post_message(telegram, user, "⏳ Queued")
        target = ChatTarget(Platform.TELEGRAM, str(user), str(message_id))
        ctx.runs.show_in(student, record.id, target)
        runs.append((user, record.id, message_id))
    return runs


def post_message(telegram: TelegramEmulator, chat_id: int, text: str) -> int:
    """The bot's message, sent a while ago: straight to the stand-in, outside the budget."""
    url = f"{telegram.base_url}{telegram.token}/sendMessage"
    response = httpx.post(url, json={"chat_id": chat_id, "text": text})
    return int(response.json()["result"]["message_id"])


def finish(ctx, redis, run_id: str) -> None:
    ctx.store.finish(run_id, RunState.COMPLETED)
    publish(redis, ctx.store.get(run_id))  # what the engine does: queues the redraw


def text_of(telegram: TelegramEmulator, chat_id: int, message_id: int) -> str:
    return next(m.text or "" for m in telegram.chat(chat_id) if m.message_id == message_id)


def work_fast_queue(redis, until, timeout: float) -> None:
    """An in-process worker on the fast queue only (no run slices), with RQ's scheduler."""
    worker = SimpleWorker(
        [queue(redis, FAST_QUEUE)], connection=redis, serializer=JSONSerializer, job_class=JSONJob
    )
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("not every final state was drawn in time")
        worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
        time.sleep(0.05)


def storm(redis_url: str, seconds: float, stop: threading.Event) -> None:
    """Other senders of the bot keep receiving 429s (retry after 1 s, every 0.9 s): the budget
    allows nothing, then briefly looks almost free before the next 429 lands."""

    async def main() -> None:
        client = AsyncRedis.from_url(redis_url)
        budget = MessageBudget(client, edit_interval_s=1.0)
        end = time.monotonic() + seconds
        while time.monotonic() < end and not stop.is_set():
            await budget.block_for(1.0)
            await asyncio.sleep(0.9)
        await client.aclose()

    asyncio.run(main())


def test_every_final_state_is_drawn_while_the_budget_is_exhausted(
    ctx, redis, redis_url, telegram: TelegramEmulator
):
    runs = shown_runs(ctx, telegram, RUNS)
    stop = threading.Event()
    stormer = threading.Thread(target=storm, args=(redis_url, STORM_S, stop), daemon=True)
    stormer.start()
    ended = time.monotonic()
    for _, run_id, _ in runs:
        finish(ctx, redis, run_id)

    def all_final() -> bool:
        return all("Completed" in text_of(telegram, c, m) for c, _, m in runs)

    try:
        work_fast_queue(redis, all_final, timeout=STORM_S + DRAWN_WITHIN_S)
    finally:
        stop.set()
        stormer.join()
    assert time.monotonic() - ended <= STORM_S + DRAWN_WITHIN_S
    assert FailedJobRegistry(FAST_QUEUE, connection=redis).count == 0
    assert not any(redis.exists(refresh_pending_key(run_id)) for _, run_id, _ in runs)


def test_a_redraw_overtaken_by_a_429_still_draws_and_releases_its_flag(
    ctx, redis, telegram: TelegramEmulator
):
    """The exact interleaving that froze messages: the redraw finds the budget free in 0.2 s,
    and while it waits another sender receives a 429 blocking everyone for 2 s."""
    [(chat_id, run_id, message_id)] = shown_runs(ctx, telegram, 1)
    finish(ctx, redis, run_id)
    sender = chat_sender(ctx, Platform.TELEGRAM)
    budget = sender.budget
    charge = budget._charge
    overtaken = False

    async def charge_then_429(*args, **kwargs):
        nonlocal overtaken
        result = await charge(*args, **kwargs)
        if not overtaken:
            overtaken = True
            await budget.block_for(2.0)
        return result

    budget._charge = charge_then_429

    async def scenario() -> str:
        await budget.block_for(0.2)
        return await redraw(ctx, run_id, sender=sender)

    outcome = ctx.run(scenario())
    assert overtaken
    assert outcome in ("edited",) or outcome.startswith("deferred")
    if outcome.startswith("deferred"):  # then the flag waits for the re-queued redraw
        work_fast_queue(redis, lambda: "Completed" in text_of(telegram, chat_id, message_id), 10)
    assert "Completed" in text_of(telegram, chat_id, message_id)
    assert not redis.exists(refresh_pending_key(run_id))
