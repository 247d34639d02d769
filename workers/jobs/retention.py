"""Periodic job: delete finished runs, their events and failed jobs past the retention period
(`AUTOPILOT_RETENTION_DAYS`; see `core.runs.retention`)."""

from __future__ import annotations

import logging

from core.runs import retention
from workers import context

log = logging.getLogger(__name__)


def clean_up() -> str:
    """One clean-up pass as of now; returns what it did (ids and counts only)."""
    ctx = context.current()
    swept = retention.clean_up(ctx.redis, ctx.settings.retention_s)
    if swept.runs or swept.failed_jobs:
        log.info(
            "retention: deleted %d finished run(s), %d failed job(s), %d event(s)",
            swept.runs,
            swept.failed_jobs,
            swept.events,
        )
    return (
        f"{swept.runs} runs, {swept.failed_jobs} failed jobs, {swept.events} events deleted; "
        f"{swept.dangling} dangling ids dropped; {swept.retimed} failed jobs re-timed"
    )
