"""Redrawing a run's progress message in its chat, within the shared message budget.

A redraw is queued once per burst of progress (`core.runs.events.request_refresh`, which sets
the run's "redraw pending" flag); it books the chat's next edit slot when that slot is near,
else re-queues itself for when it comes, never holding a worker; and it draws the run's
latest record only once it has its slot, so the newest state always wins.

The flag is cleared just before the record is read, so a change after that queues another
redraw. A redraw that fails for any other reason tries again later (with backoff), and only
once its tries are spent gives the flag up: a run's final state is always drawn, and a
failed redraw never leaves the flag holding off the next one. An edit does not notify the
student, so when a run ends or gets stuck a short new message does, once, pointing at the
progress message.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from core import keys
from core.conversation import render_run, run_keyboard, texts
from core.jobs import REFRESH_PROGRESS
from core.limits.messages import MessageKind, OverMessageBudget
from core.runs import queues
from core.runs.events import REFRESH_PENDING_S, refresh_pending_key
from core.runs.labels import job_description
from core.runs.record import RunState
from workers.notify.errors import ChatClosed, MessageGone, SendRefused, Throttled
from workers.notify.senders import chat_sender

if TYPE_CHECKING:
    from core.runs.record import RunRecord
    from workers.context import WorkerContext
    from workers.notify.senders import ChatSender

log = logging.getLogger(__name__)

SLEEP_IN_PLACE_S = 0.25
"""A wait this short is slept in the job; longer ones re-queue the redraw for later."""
RETRIES = 5
RETRY_BASE_S = 2.0
"""A failed redraw comes back after 2, 4, 8, 16, 32 s."""
ANNOUNCED_TTL_S = 30 * 24 * 3600


async def redraw(
    ctx: WorkerContext, run_id: str, attempt: int = 0, *, sender: ChatSender | None = None
) -> str:
    """Edit run `run_id`'s progress message to its latest state; returns what happened.
    `sender` overrides the platform's own (tests)."""
    pending = refresh_pending_key(run_id)
    try:
        return await _draw(ctx, run_id, pending, sender)
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


async def _draw(ctx: WorkerContext, run_id: str, pending: str, sender: ChatSender | None) -> str:
    record = ctx.store.get(run_id)
    target = record.target if record else None
    if sender is None and target is not None:
        sender = chat_sender(ctx, target.platform)
    if record is None or target is None or not target.has_message or sender is None:
        ctx.redis.delete(pending)
        return "no message"
    wait = await sender.budget.book(
        int(target.chat_id), MessageKind.EDIT, within_s=SLEEP_IN_PLACE_S
    )
    if wait > 0:
        await asyncio.sleep(wait)
    ctx.redis.delete(pending)
    record = ctx.store.get(run_id) or record
    text, keyboard = render_run(record), run_keyboard(record)
    try:
        await sender.edit(target, text, keyboard, charged=True)
    except MessageGone:
        reposted = await sender.send(target, text, keyboard)
        ctx.store.update(run_id, target=reposted)
        return "reposted"
    except Throttled as exc:
        if ctx.redis.set(pending, "1", nx=True, ex=REFRESH_PENDING_S):
            _later(ctx, run_id, exc.retry_after)
        return f"throttled {exc.retry_after:.0f} s"
    except ChatClosed as exc:
        log.info("run %s: the chat is closed to the bot: %s", run_id, exc.description)
        return "chat closed"
    except SendRefused as exc:
        log.warning("run %s: progress edit refused: %s", run_id, exc.description)
        return "refused"
    await _announce(ctx, sender, record)
    return "edited"


async def _announce(ctx: WorkerContext, sender: ChatSender, record: RunRecord) -> None:
    """Send the one notifying message due for the state just drawn, if any."""
    notice = _notice(record)
    target = record.target
    if notice is None or target is None:
        return
    kind, text = notice
    key = keys.announced(record.id, record.generation, kind)
    if not ctx.redis.set(key, "1", nx=True, ex=ANNOUNCED_TTL_S):
        return
    try:
        await sender.send(target, text, reply_to=target)
    except (SendRefused, OverMessageBudget) as exc:
        log.info("run %s: could not announce %s: %s", record.id, kind, exc)


def _notice(record: RunRecord) -> tuple[str, str] | None:
    course = record.course_title or record.course
    if record.state is RunState.COMPLETED:
        return "completed", texts.RUN_COMPLETED_NOTICE.format(course=course)
    if record.state is RunState.FAILED:
        return "failed", texts.RUN_FAILED_NOTICE.format(course=course)
    if record.state.active and record.stuck:
        return "stuck", texts.RUN_STUCK_NOTICE.format(course=course)
    return None


def _later(ctx: WorkerContext, run_id: str, delay_s: float, attempt: int = 0) -> None:
    record = ctx.store.get(run_id)
    student, course = (record.student, record.course) if record else ("", "")
    queues.queue(ctx.redis, queues.FAST_QUEUE).enqueue_in(
        timedelta(seconds=delay_s),
        REFRESH_PROGRESS,
        run_id,
        attempt,
        result_ttl=0,
        failure_ttl=3600,
        description=job_description("redraw progress", run_id, student, course),
    )
