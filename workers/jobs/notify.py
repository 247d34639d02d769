"""Fast-queue job: redraw a run's progress message (queued by `request_refresh`)."""

from __future__ import annotations

from core.runs.events import refresh_pending_key
from workers import context
from workers.notify.progress import redraw
from workers.notify.sender import telegram_sender


def refresh(run_id: str, attempt: int = 0) -> str:
    """Bring run `run_id`'s chat message up to date (`attempt`: earlier failed tries)."""
    ctx = context.current()
    sender = telegram_sender(ctx)
    if sender is None:
        ctx.redis.delete(refresh_pending_key(run_id))
        return "no bot configured"
    return ctx.run(redraw(ctx, sender, run_id, attempt))
