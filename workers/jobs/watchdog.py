"""Periodic job: revive runs whose slice chain broke (a worker died mid-slice).

RQ would notice a dead worker's job only at its registry maintenance, minutes later. A run
here is alive while its slice holds the lease, or while its next slice waits in RQ; a run
that has neither for `STALL_S` gets a fresh slice, which resumes from the checkpoint.
"""

from __future__ import annotations

import logging
import time

from rq.exceptions import NoSuchJobError

from core import jobs, keys
from core.runs import queues
from core.runs.queues import JSONJob
from workers import context

log = logging.getLogger(__name__)

STALL_S = 10.0
"""Quiet time after the last update before a run without lease or pending job is revived."""
INTERVAL_S = jobs.WATCHDOG.interval_s
"""How often the scheduler runs the watchdog."""


def revive_stalled_runs() -> int:
    """Queue a fresh slice for every active run that nothing is working on; returns how many."""
    ctx = context.current()
    revived = 0
    now = time.time()
    for run_id in ctx.store.active_ids():
        record = ctx.store.get(run_id)
        if record is None or not record.state.active or now - record.updated_at < STALL_S:
            continue
        if ctx.redis.exists(keys.lease(run_id)) or _waiting(ctx, record.job_id):
            continue
        job_id = queues.enqueue_slice(ctx.redis, run_id, record.generation)
        ctx.store.update(run_id, job_id=job_id)
        log.warning("run %s stalled (job %s); revived as %s", run_id, record.job_id, job_id)
        revived += 1
    return revived


def _waiting(ctx: context.WorkerContext, job_id: str) -> bool:
    """Whether RQ really still holds the job for later: queued in the list, or scheduled and
    not long overdue (a scheduler that died with Redis leaves jobs scheduled forever)."""
    if not job_id:
        return False
    try:
        job = JSONJob.fetch(job_id, connection=ctx.redis)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    runs = queues.queue(ctx.redis)
    if status == "queued":
        return job_id in runs.get_job_ids()
    if status == "scheduled":
        due = runs.scheduled_job_registry.get_scheduled_time(job_id)
        if due.timestamp() > time.time() - STALL_S:
            return True
        runs.scheduled_job_registry.remove(job_id, delete_job=True)
        return False
    return status == "deferred"
