"""`autopilot worker`: an RQ worker for the fast queue and the runs queue."""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import SimpleWorker
from rq.job import Job
from rq.job_lifecycle import call_exception_handlers
from rq.serializers import JSONSerializer

from config import ConfigError
from core.runs.queues import QUEUES, JSONJob, queue
from core.vtu import VTUError
from launcher.common import require_redis, require_secret_box, service_settings
from workers import context
from workers.metrics import serve_metrics_when_free
from workers.registration import WORKER_TTL_S, NameTaken, clear_dead_registrations
from workers.scheduling import SchedulingLoop

log = logging.getLogger(__name__)
RECONNECT_S = 1.0
MAINTENANCE_S = 15
"""RQ's registry clean-up (abandoned jobs); its default is ten minutes."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="process queued jobs (runs, login checks, course lists)",
        description="Runs one RQ worker on the fast queue and the runs queue (REDIS_URL). "
        "It also moves due jobs (delayed slices, retries, periodic jobs) to their queues, so "
        "workers alone run the whole service; any number may run, on any number of hosts. "
        "Start several for more throughput; they share the platform's rate limits through "
        "Redis.",
    )
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument(
        "--name",
        help="worker name shown in the dashboard (default: RQ's random one); a dead worker's "
        "name on this host is taken over at once",
    )
    parser.set_defaults(handler=run)


class ServiceWorker(SimpleWorker):
    """RQ's worker, except that a job failing for a reason the project expects (a `VTUError`:
    wrong password, platform down, …), which the job has already logged and told the student,
    gets one line instead of RQ's traceback at ERROR. Anything else keeps its traceback."""

    def handle_exception(self, job: Job, *exc_info: Any) -> None:
        error = exc_info[1] if len(exc_info) > 1 else None
        if not isinstance(error, VTUError):
            super().handle_exception(job, *exc_info)
            return
        log.warning("job %s failed: %s (%s)", job.id, type(error).__name__, job.origin)
        call_exception_handlers(self._exc_handlers, job, *exc_info)


def make_worker(redis: Redis, name: str | None = None) -> ServiceWorker:
    """The worker on the project's queues. Its job class (`JSONJob`) runs only the registered
    job functions of `core.jobs`: any other job fails into the DLQ without being imported."""
    return ServiceWorker(
        [queue(redis, queue_name) for queue_name in QUEUES],
        connection=redis,
        name=name,
        serializer=JSONSerializer,
        job_class=JSONJob,
        maintenance_interval=MAINTENANCE_S,
        worker_ttl=WORKER_TTL_S,
    )


def run(args: argparse.Namespace) -> int:
    settings = service_settings()
    # RQ blocks up to `WORKER_TTL_S - 15` s waiting for a job, and raises the client's timeout
    # only for connections made after the worker exists; the mover thread's come earlier.
    redis = require_redis(settings, socket_timeout_s=WORKER_TTL_S)
    require_secret_box(settings)
    context.install(context.WorkerContext.build(settings, redis))
    serve_metrics_when_free(redis, settings.metrics_port)
    level = "INFO" if logging.getLogger().level <= logging.INFO else "WARNING"
    scheduling = SchedulingLoop(redis).start_in_thread()
    try:
        return _work(redis, args, level)
    finally:
        scheduling.stop()


def _work(redis: Redis, args: argparse.Namespace, level: str) -> int:
    lost = False
    while True:
        try:
            clear_dead_registrations(redis, args.name)
            worker = make_worker(redis, args.name)
            if lost:
                log.warning("Redis is back: working again")
            # RQ's own scheduler moves delayed jobs under a lock that a killed worker holds
            # for a minute; the scheduling loop above needs none.
            worker.work(burst=args.burst, with_scheduler=False, logging_level=level)
            return 0
        except NameTaken as exc:
            raise ConfigError(str(exc)) from exc
        except RedisConnectionError as exc:
            # Redis restarting: its append-only file keeps the queues; wait and carry on.
            if not lost:
                log.warning("lost Redis (%s); reconnecting every %s s", exc, RECONNECT_S)
            lost = True
            time.sleep(RECONNECT_S)
