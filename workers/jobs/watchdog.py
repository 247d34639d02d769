"""Periodic job: revive runs whose slice chain broke (a worker died mid-slice).

RQ would notice a dead worker's job only at its registry maintenance, minutes later. A run
here is alive while its slice holds the lease, or while its next slice waits in RQ; a run
that has neither for `STALL_S` gets a fresh slice, which resumes from the checkpoint.
"""

from __future__ import annotations

import logging
import time

from rq.exceptions import NoSuchJobError

from core import keys
from core.runs import queues
from core.runs.queues import JSONJob
from workers import context

log = logging.getLogger(__name__)

STALL_S = 10.0
"""Quiet time after the last update before a run without lease or pending job is revived."""
INTERVAL_S = 10
"""How often the scheduler runs the watchdog."""
_WAITING = frozenset({"queued", "scheduled", "deferred"})


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
    if not job_id:
        return False
    try:
        status = JSONJob.fetch(job_id, connection=ctx.redis).get_status(refresh=False)
    except NoSuchJobError:
        return False
    return status in _WAITING
