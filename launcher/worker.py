"""`autopilot worker`: an RQ worker for the fast queue and the runs queue."""

from __future__ import annotations

import argparse
import logging
import time

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from config import Settings
from core.runs.queues import QUEUES, JSONJob, queue
from launcher.common import require_redis, require_secret_box
from workers import context
from workers.metrics import serve_metrics_when_free

log = logging.getLogger(__name__)
RECONNECT_S = 1.0
MAINTENANCE_S = 15
"""RQ's default is ten minutes; this also restarts a scheduler that died with Redis."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="process queued jobs (runs, login checks, course lists)",
        description="Runs one RQ worker on the fast queue and the runs queue (REDIS_URL). "
        "Needs `autopilot scheduler` running for delayed slices and retries. Start several "
        "for more throughput; they share the platform's rate limits through Redis.",
    )
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--name", help="worker name shown in the dashboard")
    parser.set_defaults(handler=run)


def make_worker(redis: Redis, name: str | None = None) -> SimpleWorker:
    """The worker on the project's queues. Its job class (`JSONJob`) runs only the registered
    job functions of `core.jobs`: any other job fails into the DLQ without being imported."""
    return SimpleWorker(
        [queue(redis, queue_name) for queue_name in QUEUES],
        connection=redis,
        name=name,
        serializer=JSONSerializer,
        job_class=JSONJob,
        maintenance_interval=MAINTENANCE_S,
    )


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    redis = require_redis(settings)
    require_secret_box(settings)
    context.install(context.WorkerContext.build(settings, redis))
    serve_metrics_when_free(redis, settings.metrics_port)
    level = "INFO" if logging.getLogger().level <= logging.INFO else "WARNING"
    while True:
        worker = make_worker(redis, args.name)
        try:
            # Delayed jobs are `autopilot scheduler`'s: a worker killed mid-job would otherwise
            # hold RQ's scheduling lock for a minute.
            worker.work(burst=args.burst, with_scheduler=False, logging_level=level)
            return 0
        except RedisConnectionError as exc:
            # Redis restarting: its append-only file keeps the queues; wait and carry on.
            log.warning("lost Redis (%s); reconnecting in %s s", exc, RECONNECT_S)
            time.sleep(RECONNECT_S)
