"""Redrawing a run's progress message in its chat, within the shared message budget.

A redraw is queued once per burst of progress (`core.runs.events.request_refresh`, which sets
the run's "redraw pending" flag); it books the chat's next edit slot when that slot is near,
else re-queues itself for when it comes, never holding a worker; and it draws the run's
latest record only once it has its slot, so the newest state always wins.

The flag is cleared just before the record is read, so a change after that queues another
redraw. A redraw that fails for any other reason tries again later (with backoff), and only
once its tries are spent gives the flag up: a run's final state is always drawn, and a
failed redraw never leaves the flag holding off the next one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from core.conversation import render_run, run_keyboard
from core.limits.messages import MessageKind, OverMessageBudget
from core.runs import queues
from core.runs.events import REFRESH_JOB, REFRESH_PENDING_S, refresh_pending_key
from workers.notify.telegram_api import MessageGone, TelegramError, Throttled

if TYPE_CHECKING:
    from workers.context import WorkerContext
    from workers.notify.telegram_api import TelegramSender

log = logging.getLogger(__name__)

SLEEP_IN_PLACE_S = 0.25
"""A wait this short is slept in the job; longer ones re-queue the redraw for later."""
RETRIES = 5
RETRY_BASE_S = 2.0
"""A failed redraw comes back after 2, 4, 8, 16, 32 s."""


async def redraw(ctx: WorkerContext, sender: TelegramSender, run_id: str, attempt: int = 0) -> str:
    """Edit run `run_id`'s Telegram message to its latest state; returns what happened."""
    pending = refresh_pending_key(run_id)
    try:
        return await _draw(ctx, sender, run_id, pending)
    except OverMessageBudget as over:  # no slot near enough (also for a reposted message)
        _later(ctx, run_id, over.wait_s, attempt)
        return f"deferred {over.wait_s:.1f} s"
    except Exception as exc:
        if attempt >= RETRIES:
            ctx.redis.delete(pending)
            raise
        delay = RETRY_BASE_S * 2**attempt
        log.warning(
            "run %s: redraw failed (%s: %s); again in %.0f s",
            run_id,
            type(exc).__name__,
            exc,
            delay,
        )
        ctx.redis.set(pending, "1", ex=max(REFRESH_PENDING_S, round(delay) * 2))
        _later(ctx, run_id, delay, attempt + 1)
        return f"failed, again in {delay:.0f} s"


async def _draw(ctx: WorkerContext, sender: TelegramSender, run_id: str, pending: str) -> str:
    record = ctx.store.get(run_id)
    target = _target(record.notify if record else {})
    if record is None or target is None:
        ctx.redis.delete(pending)
        return "no message"
    chat_id, message_id = target
    wait = await sender.budget.book(chat_id, MessageKind.EDIT, within_s=SLEEP_IN_PLACE_S)
    if wait > 0:
        await asyncio.sleep(wait)
    ctx.redis.delete(pending)
    record = ctx.store.get(run_id) or record
    text, keyboard = render_run(record), run_keyboard(record)
    try:
        await sender.edit(chat_id, message_id, text, keyboard, charged=True)
    except MessageGone:
        new_id = await sender.send(chat_id, text, keyboard)
        notify = dict(record.notify)
        notify["telegram"] = {"chat_id": chat_id, "message_id": new_id}
        ctx.store.update(run_id, notify=notify)
        return "reposted"
    except Throttled as exc:
        if ctx.redis.set(pending, "1", nx=True, ex=REFRESH_PENDING_S):
            _later(ctx, run_id, exc.retry_after)
        return f"throttled {exc.retry_after:.0f} s"
    except TelegramError as exc:
        log.warning("run %s: progress edit refused: %s", run_id, exc.description)
        return "refused"
    return "edited"


def _target(notify: dict[str, Any]) -> tuple[int, int] | None:
    telegram = notify.get("telegram")
    if not isinstance(telegram, dict) or not telegram.get("message_id"):
        return None
    return int(telegram["chat_id"]), int(telegram["message_id"])


def _later(ctx: WorkerContext, run_id: str, delay_s: float, attempt: int = 0) -> None:
    queues.queue(ctx.redis, queues.FAST_QUEUE).enqueue_in(
        timedelta(seconds=delay_s),
        REFRESH_JOB,
        run_id,
        attempt,
        result_ttl=0,
        failure_ttl=3600,
        description=f"redraw {run_id}",
    )
