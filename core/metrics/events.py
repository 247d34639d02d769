"""Where the project's events are counted: a run finishing, a job starting."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from config.logging import log_context
from core import keys
from core.metrics import names
from core.metrics.store import count, observe, record_error

if TYPE_CHECKING:
    from redis import Redis
    from rq.job import Job


def run_finished(redis: Redis, run_id: str, outcome: str, error: str = "") -> None:
    """Count a run reaching its final state, how long it took, and why it failed."""
    count(redis, names.RUNS_FINISHED, {"outcome": outcome})
    try:
        created = redis.hget(keys.run(run_id), "created_at")
    except RedisError:
        created = None
    if created:
        duration = max(0.0, time.time() - float(created))
        observe(redis, names.RUN_DURATION, duration, {"outcome": outcome})
    if outcome == "failed":
        record_error(redis, f"run {run_id}", error or "failed")


@contextmanager
def performing(job: Job, run_id: str | None = None) -> Iterator[None]:
    """Around a job's work: count how long it waited in its queue, and tag every log line
    it writes with its job id (and run id, for a run's slice)."""
    if job.enqueued_at is not None and job.started_at is not None:
        waited = (job.started_at - job.enqueued_at).total_seconds()
        observe(job.connection, names.JOB_START_LATENCY, max(0.0, waited), {"queue": job.origin})
    tags = {"job_id": job.id, "run_id": run_id} if run_id else {"job_id": job.id}
    with log_context(**tags):
        yield
