"""Redrawing a run's progress message in its chat, within the shared message budget.

A redraw is queued once per burst of progress (`core.runs.events.request_refresh`); it waits
for the chat's edit slot by re-queueing itself, never by holding a worker, and draws the
run's latest record only once it has the slot, so the newest state always wins.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from core.conversation import render_run, run_keyboard
from core.limits.messages import MessageKind
from core.runs import queues
from core.runs.events import REFRESH_JOB, REFRESH_PENDING_S, refresh_pending_key
from workers.notify.telegram_api import MessageGone, TelegramError, Throttled

if TYPE_CHECKING:
    from workers.context import WorkerContext
    from workers.notify.telegram_api import TelegramSender

log = logging.getLogger(__name__)

SLEEP_IN_PLACE_S = 0.25
"""A wait this short is slept in the job; longer ones re-queue the redraw for later."""


async def redraw(ctx: WorkerContext, sender: TelegramSender, run_id: str) -> str:
    """Edit run `run_id`'s Telegram message to its latest state; returns what happened."""
    pending = refresh_pending_key(run_id)
    record = ctx.store.get(run_id)
    target = _target(record.notify if record else {})
    if record is None or target is None:
        ctx.redis.delete(pending)
        return "no message"
    chat_id, message_id = target
    wait = await sender.budget.try_acquire(chat_id, MessageKind.EDIT)
    if wait > SLEEP_IN_PLACE_S:
        _later(ctx, run_id, wait)
        return f"deferred {wait:.1f} s"
    if wait > 0:
        await sender.budget.acquire(chat_id, MessageKind.EDIT, patience_s=SLEEP_IN_PLACE_S * 2)
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


def _later(ctx: WorkerContext, run_id: str, delay_s: float) -> None:
    queues.queue(ctx.redis, queues.FAST_QUEUE).enqueue_in(
        timedelta(seconds=delay_s),
        REFRESH_JOB,
        run_id,
        result_ttl=0,
        failure_ttl=3600,
        description=f"redraw {run_id}",
    )
