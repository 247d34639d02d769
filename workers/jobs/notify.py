"""Fast-queue job: redraw a run's progress message (queued by `request_refresh`)."""

from __future__ import annotations

from workers import context
from workers.notify.progress import redraw


def refresh(run_id: str, attempt: int = 0) -> str:
    """Bring run `run_id`'s chat message up to date (`attempt`: earlier failed tries)."""
    ctx = context.current()
    return ctx.run(redraw(ctx, run_id, attempt))
