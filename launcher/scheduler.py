"""`autopilot scheduler`: periodic jobs (rq-scheduler) and RQ's delayed jobs, in one process.

Runs re-schedule their next slice with `enqueue_in` and RQ schedules retries; RQ moves such
jobs with its own scheduler, which usually lives inside a worker. Here it lives in this
process instead, so a worker killed mid-job never takes the scheduling lock down with it.
The watchdog is re-scheduled on every pass if anything deleted it (dashboard, emptied queue).
"""

from __future__ import annotations

import argparse
import logging
import time
from datetime import UTC, datetime

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.scheduler import RQScheduler
from rq.serializers import JSONSerializer
from rq_scheduler import Scheduler

from config import Settings
from core import jobs
from core.runs.queues import FAST_QUEUE, QUEUES, JSONJob, JSONQueue, fail_without_running, queue
from launcher.common import require_redis

WATCHDOG_JOB_ID = jobs.WATCHDOG.job_id
RECONNECT_S = 1.0
log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "scheduler",
        help="move delayed jobs (run slices, retries) and run periodic ones (the watchdog)",
        description="Runs rq-scheduler (REDIS_URL) with the project's periodic jobs, stored "
        "as JSON like every other job, and moves RQ's delayed jobs to their queues when due. "
        "Workers need one scheduler running.",
    )
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between checks (default 1)"
    )
    parser.set_defaults(handler=run)


class ServiceScheduler(Scheduler):  # type: ignore[misc]
    """rq-scheduler that also moves RQ's own delayed jobs (run slices, retries) when due, moves
    only registered job functions (`core.jobs`) to the project's queues, and keeps the
    watchdog scheduled whatever deletes it."""

    def __init__(self, redis: Redis, interval: float) -> None:
        super().__init__(
            queue=queue(redis, FAST_QUEUE),
            connection=redis,
            interval=interval,
            job_class=JSONJob,
            queue_class=JSONQueue,
        )
        self.delayed = RQScheduler(
            QUEUES, connection=redis, interval=1, serializer=JSONSerializer, name=self.name
        )

    def enqueue_jobs(self) -> list[JSONJob]:
        if self.delayed.acquire_locks():
            self.delayed.enqueue_scheduled_jobs()
        moved = super().enqueue_jobs()
        self.ensure_periodic()
        return moved  # type: ignore[no-any-return]

    def enqueue_job(self, job: JSONJob) -> None:
        reason = jobs.refusal(job)
        if reason is None and job.origin not in QUEUES:
            reason = f"refused: queue {job.origin!r} is not one of the project's queues"
        if reason is None:
            super().enqueue_job(job)
            return
        self.cancel(job.id)
        fail_without_running(job, reason)
        log.warning("scheduled job %s %s", job.id, reason)

    def get_queue_for_job(self, job: JSONJob) -> JSONQueue:
        """The job's queue, never a queue class named in the job (rq-scheduler imports one
        named in `meta`)."""
        return queue(self.connection, job.origin)

    def ensure_periodic(self) -> None:
        """Schedule each periodic job now unless it is scheduled and its job exists: a
        dashboard delete or an emptied queue removes the job, and rq-scheduler then drops it
        for good."""
        for periodic in jobs.PERIODIC:
            job_id = periodic.job_id
            if job_id in self and self.connection.exists(JSONJob.key_for(job_id)):
                continue
            self.cancel(job_id)
            self.schedule(
                scheduled_time=datetime.now(UTC).replace(tzinfo=None),
                func=periodic.func,
                interval=periodic.interval_s,
                repeat=None,
                id=job_id,
                description=periodic.description,
            )
            log.info("%s scheduled every %s s", periodic.description, periodic.interval_s)

    def register_death(self) -> None:
        self.delayed.release_locks()
        super().register_death()

    def close(self) -> None:
        """Release RQ's scheduling locks and the connection its scheduler opened for itself."""
        self.delayed.release_locks()
        self.delayed.connection.connection_pool.disconnect()


def make_scheduler(redis: Redis, interval: float = 1.0) -> ServiceScheduler:
    scheduler = ServiceScheduler(redis, interval)
    for periodic in jobs.PERIODIC:
        scheduler.cancel(periodic.job_id)
    scheduler.ensure_periodic()
    return scheduler


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    redis = require_redis(settings)
    while True:
        try:
            make_scheduler(redis, args.interval).run()
            return 0
        except RedisConnectionError as exc:
            # Redis restarting: its append-only file keeps the schedule; wait and carry on.
            log.warning("lost Redis (%s); reconnecting in %s s", exc, RECONNECT_S)
            time.sleep(RECONNECT_S)
