"""RQ plumbing shared by submitters and workers: queues, JSON jobs, the slice job.

Every queue, job, worker and scheduler uses RQ's JSON serializer, never pickle: the job
classes below force it, so even rq-scheduler (which ignores queue serializers) writes JSON.
Job functions are named by dotted path from the registry in `core.jobs`, so `core` never
imports `workers`; the job class refuses to resolve any other name.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.executions import Execution, ExecutionRegistry
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from rq.utils import now

from core import jobs
from core.jobs import ADVANCE_RUN
from core.metrics.events import performing
from core.runs.labels import job_description

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis import Redis
    from redis.client import Pipeline

RUNS_QUEUE = "autopilot-runs"
"""Course runs, in short slices that re-schedule themselves."""
FAST_QUEUE = "autopilot-fast"
"""Short interactive work (checking a login, listing courses): never behind runs."""
QUEUES = (FAST_QUEUE, RUNS_QUEUE)

SLICE_TIMEOUT_S = 120
"""A slice works about two seconds; this only bounds a stuck one."""
FAILURE_TTL_S = 30 * 24 * 3600
"""How long a failed job stays in the dead-letter queue."""
RETRIES = 5
RETRY_BASE_S = 10.0
RETRY_CAP_S = 600.0


class JSONJob(Job):
    """A job that is always stored as JSON, whoever creates it, and that resolves only the
    registered job functions of `core.jobs`.

    RQ's worker imports a job's function (and its callbacks) by the dotted names stored in
    Redis. Here any other name raises `UnregisteredJobError` before anything is imported, so
    the worker fails the job with that reason into the failed-job registry; callbacks and
    webhooks, which no project job uses, are never resolved or sent.
    """

    def __init__(
        self, id: str | None = None, connection: Redis | None = None, serializer: Any = None
    ) -> None:
        super().__init__(id, connection=connection, serializer=JSONSerializer)

    def perform(self) -> Any:
        reason = jobs.refusal(self)
        if reason is not None:
            raise jobs.UnregisteredJobError(reason)
        run_id = str(self.args[0]) if self.func_name == ADVANCE_RUN and self.args else None
        with performing(self, run_id):  # start latency metric; run id on every log line
            return super().perform()

    @property
    def func(self) -> Callable[..., Any] | None:
        reason = jobs.refusal(self)
        if reason is not None:
            raise jobs.UnregisteredJobError(reason)
        return super().func  # type: ignore[no-any-return]

    @property
    def execution_registry(self) -> ExecutionRegistry:
        return _ExecutionsOfJob(self.id, connection=self.connection)

    @property
    def success_callback(self) -> None:
        return None

    @property
    def failure_callback(self) -> None:
        return None

    @property
    def stopped_callback(self) -> None:
        return None

    def send_webhooks(self, status: str | JobStatus, *, exc_string: str | None = None) -> None:
        return None


class _ExecutionsOfJob(ExecutionRegistry):
    """A job's executions, skipping those whose record expired (a worker that died mid-job
    leaves one): RQ raises `ValueError` for them while deleting the job, which is how a job
    retried after its worker died failed to be cleaned up once it finished."""

    def get_executions(self, start: int = 0, end: int = -1) -> list[Execution]:
        executions = []
        for execution_id in self.get_execution_ids(start, end):
            try:
                executions.append(Execution.fetch(execution_id, self.job_id, self.connection))
            except ValueError:
                self.connection.zrem(self.key, execution_id)
        return executions


class JSONQueue(Queue):
    def __init__(
        self, name: str = "default", connection: Redis | None = None, **kwargs: Any
    ) -> None:
        kwargs["serializer"] = JSONSerializer
        kwargs["job_class"] = JSONJob
        super().__init__(name, connection=connection, **kwargs)


def queue(redis: Redis, name: str = RUNS_QUEUE) -> JSONQueue:
    return JSONQueue(name, connection=redis)


def retry_policy() -> Retry:
    """Bounded retries, exponential with full jitter: the n-th waits U(0, min(cap, base*2^n))."""
    intervals = [
        round(random.uniform(0, min(RETRY_CAP_S, RETRY_BASE_S * 2**n)), 1) or 1
        for n in range(RETRIES)
    ]
    return Retry(max=RETRIES, interval=intervals)  # type: ignore[arg-type]


def new_slice_id(run_id: str) -> str:
    return f"slice-{run_id}-{uuid.uuid4().hex[:12]}"


def enqueue_slice(
    redis: Redis,
    run_id: str,
    generation: int,
    delay_s: float = 0.0,
    *,
    job_id: str | None = None,
    pipeline: Pipeline | None = None,
    student: str = "",
    course: str = "",
) -> str:
    """Queue the next slice of a run (after `delay_s`); returns its job id. `student` and
    `course` only name the job in the dashboard."""
    job_id = job_id or new_slice_id(run_id)
    options: dict[str, Any] = {
        "job_id": job_id,
        "description": job_description("slice", run_id, student, course),
        "retry": retry_policy(),
        "result_ttl": 0,
        "failure_ttl": FAILURE_TTL_S,
        "job_timeout": SLICE_TIMEOUT_S,
    }
    runs = queue(redis)
    if delay_s > 0.05:
        runs.enqueue_in(timedelta(seconds=delay_s), jobs.ADVANCE_RUN, run_id, generation, **options)
    else:
        runs.enqueue(jobs.ADVANCE_RUN, run_id, generation, pipeline=pipeline, **options)
    return job_id


def cancel_job(redis: Redis, job_id: str) -> None:
    """Take a queued or scheduled job out of RQ (a started one stops itself)."""
    if not job_id:
        return
    try:
        job = JSONJob.fetch(job_id, connection=redis)
    except NoSuchJobError:
        return
    if job.get_status(refresh=False) in ("queued", "scheduled", "deferred"):
        job.delete()


def fail_without_running(job: JSONJob, reason: str) -> None:
    """Put a job that must not run into the failed-job registry (the DLQ) with `reason`, as a
    worker would have after a failure, so `autopilot dlq list` shows it."""
    if job.origin not in QUEUES:
        job.origin = FAST_QUEUE
    job.ended_at = now()
    job.failure_ttl = job.failure_ttl or FAILURE_TTL_S
    with job.connection.pipeline() as pipeline:
        job.set_status(JobStatus.FAILED, pipeline=pipeline)
        job._handle_failure(reason, pipeline)
        pipeline.execute()
