"""Periodic job: revive runs whose slice chain broke (a worker died mid-slice).

RQ would notice a dead worker's job only at its registry maintenance, minutes later. A run
here is alive while its slice holds the lease, or while its next slice waits in RQ (queued,
being taken by a worker, or scheduled: a live worker's mover moves it when due); a run that
has neither for `STALL_S` gets a fresh slice, which resumes from the checkpoint.

Each revival is one transaction that watches the run's record and lease: a slice that starts,
saves progress or schedules its successor meanwhile calls the revival off, so runs that are
merely between slices are never revived, however many watchdogs run at once.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import WatchError
from rq.exceptions import NoSuchJobError

from core import jobs, keys
from core.runs import queues
from core.runs.queues import JSONJob
from workers import context

log = logging.getLogger(__name__)

STALL_S = 10.0
"""Quiet time after the last update before a run without lease or pending job is revived."""
INTERVAL_S = jobs.WATCHDOG.interval_s
"""How often the watchdog runs."""


def revive_stalled_runs() -> int:
    """Queue a fresh slice for every active run that nothing is working on; returns how many."""
    ctx = context.current()
    return sum(_revive_if_stalled(ctx, run_id) for run_id in ctx.store.active_ids())


def _revive_if_stalled(ctx: context.WorkerContext, run_id: str) -> bool:
    with ctx.redis.pipeline() as pipeline:
        pipeline.watch(keys.run(run_id), keys.lease(run_id))
        record = ctx.store.get(run_id)
        if record is None or not record.state.active or time.time() - record.updated_at < STALL_S:
            return False
        if pipeline.exists(keys.lease(run_id)) or _waiting(ctx, record.job_id):
            return False
        pipeline.multi()
        job_id = queues.enqueue_slice(
            ctx.redis,
            run_id,
            record.generation,
            pipeline=pipeline,
            student=record.student,
            course=record.course,
        )
        ctx.store.update(run_id, pipeline=pipeline, job_id=job_id)
        try:
            pipeline.execute()
        except WatchError:
            return False  # the run moved meanwhile: it is alive
    log.warning("run %s stalled (job %s); revived as %s", run_id, record.job_id or "-", job_id)
    return True


def _waiting(ctx: context.WorkerContext, job_id: str) -> bool:
    """Whether RQ still holds the job for later: queued (in the queue, or being taken by a
    worker), scheduled (in the registry) or deferred."""
    if not job_id:
        return False
    try:
        job = JSONJob.fetch(job_id, connection=ctx.redis)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)
    runs = queues.queue(ctx.redis)
    if status == "queued":
        taken = ctx.redis.lpos(runs.intermediate_queue_key, job_id) is not None
        return taken or ctx.redis.lpos(runs.key, job_id) is not None
    if status == "scheduled":
        try:
            runs.scheduled_job_registry.get_scheduled_time(job_id)
        except NoSuchJobError:
            return False
        return True
    return status == "deferred"
