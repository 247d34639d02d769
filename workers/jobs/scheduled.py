"""Starting runs at the time the student asked for (`/run tonight`, `/run at 02:00`).

The one-shot rq-scheduler job `start_scheduled_run` makes the scheduled run active within the
caps and queues its first slice; from there it is an ordinary run, and the progress message
posted when it was scheduled turns into its progress message. A service at capacity is tried
again every `RETRY_S` for `RETRY_FOR_S`; after that the run fails with the reason. The periodic
`start_overdue_runs` starts runs whose start job was lost (deleted from the dashboard).
"""

from __future__ import annotations

import logging
import time

from core.runs import queues
from core.runs.events import publish
from core.runs.record import RunState
from core.runs.scheduled import start_job_pending, write_start_job
from core.runs.service import refusal_message
from workers import context

log = logging.getLogger(__name__)

RETRY_S = 10 * 60
"""How long a run that met a full service waits before it tries to start again."""
RETRY_FOR_S = 3 * 3600
"""How long after its start time a run keeps trying to start."""
OVERDUE_S = 120
"""A scheduled run this late whose start job is gone is started by the periodic check."""


def start_scheduled_run(run_id: str, generation: int, attempt: int = 0) -> str:
    """Start generation `generation` of scheduled run `run_id` now (its `attempt`-th try)."""
    ctx = context.current()
    record = ctx.store.get(run_id)
    if record is None or record.generation != generation or record.state is not RunState.SCHEDULED:
        return "stale"
    slice_id = queues.new_slice_id(run_id)
    outcome = ctx.runs.scheduled.activate(
        run_id,
        generation,
        slice_id,
        max_active=ctx.settings.max_active_runs,
        max_per_student=ctx.settings.max_runs_per_student,
    )
    if outcome == "stale":
        return "stale"
    if outcome == "started":
        queues.enqueue_slice(
            ctx.redis,
            run_id,
            generation,
            job_id=slice_id,
            student=record.student,
            course=record.course,
        )
        publish(ctx.redis, ctx.store.get(run_id) or record)
        log.info("run %s started at its scheduled time", run_id)
        return "started"
    if outcome != "no-login" and time.time() + RETRY_S < record.start_at + RETRY_FOR_S:
        next_job = write_start_job(
            ctx.redis,
            run_id,
            generation,
            time.time() + RETRY_S,
            attempt + 1,
            student=record.student,
            course=record.course,
        )
        ctx.store.update(run_id, job_id=next_job)
        log.info("run %s: %s at its start time; trying again in %d s", run_id, outcome, RETRY_S)
        return f"{outcome}; again in {RETRY_S} s"
    reason = refusal_message(outcome, ctx.settings)
    if ctx.runs.scheduled.end(run_id, RunState.FAILED, reason, generation):
        publish(ctx.redis, ctx.store.get(run_id) or record)
    log.warning("run %s could not start at its scheduled time: %s", run_id, outcome)
    return f"not started: {outcome}"


def start_overdue_runs() -> int:
    """Start every scheduled run well past its start time whose start job no longer waits
    anywhere; returns how many."""
    ctx = context.current()
    started = 0
    for run_id in ctx.runs.scheduled.overdue(time.time(), OVERDUE_S):
        record = ctx.store.get(run_id)
        if record is None or record.state is not RunState.SCHEDULED:
            continue
        if record.job_id and start_job_pending(ctx.redis, record.job_id):
            continue
        log.warning("run %s: its start job %s is gone; starting it now", run_id, record.job_id)
        start_scheduled_run(run_id, record.generation)
        started += 1
    return started
