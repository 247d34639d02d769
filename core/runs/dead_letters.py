"""The dead-letter queue: RQ's failed-job registries of the project's queues, and the one way
to retry from them (used by `autopilot dlq retry` and the dashboard's requeue buttons)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rq.exceptions import NoSuchJobError
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from core import jobs
from core.runs.queues import QUEUES, JSONJob
from core.runs.store import RunStore

if TYPE_CHECKING:
    from redis import Redis


def registries(redis: Redis) -> list[FailedJobRegistry]:
    return [
        FailedJobRegistry(name, connection=redis, job_class=JSONJob, serializer=JSONSerializer)
        for name in QUEUES
    ]


def registry_of(redis: Redis, queue_name: str) -> FailedJobRegistry | None:
    """The failed-job registry of one of the project's queues, None for any other name."""
    return next((r for r in registries(redis) if r.name == queue_name), None)


def reason(job: JSONJob) -> str:
    """The last line of the job's latest failure, as the worker recorded it."""
    result = job.latest_result()
    lines = (
        [line for line in (result.exc_string or "").splitlines() if line.strip()] if result else []
    )
    return lines[-1].strip() if lines else "no reason recorded"


def retry(redis: Redis, job_id: str) -> str | None:
    """Requeue one failed job; returns None when done, else why not. A run's slice reopens its
    run first (the run ended "failed"), so the requeued slice is not taken for a stale one."""
    registry = next((r for r in registries(redis) if job_id in r), None)
    if registry is None:
        return f"{job_id} is not in the dead-letter queue"
    try:
        job = JSONJob.fetch(job_id, connection=redis)
    except NoSuchJobError:
        registry.remove(job_id)
        return f"{job_id} no longer exists"
    refusal = jobs.refusal(job)
    if refusal is not None:
        return f"{job_id} is not retried: {refusal}"
    if job.func_name == jobs.ADVANCE_RUN and len(job.args) == 2:
        RunStore(redis).reopen(str(job.args[0]), int(job.args[1]), job_id)
    registry.requeue(job_id)
    return None
