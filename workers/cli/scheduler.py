"""`autopilot scheduler`: rq-scheduler for the project's periodic jobs (the watchdog)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from rq_scheduler import Scheduler

from config import Settings
from core.runs.queues import FAST_QUEUE, JSONJob, JSONQueue, queue
from workers.cli.common import require_redis
from workers.jobs import watchdog

WATCHDOG_JOB_ID = "autopilot-watchdog"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "scheduler",
        help="run periodic jobs (the watchdog that revives stalled runs)",
        description="Runs rq-scheduler (REDIS_URL) with the project's periodic jobs, stored "
        "as JSON like every other job.",
    )
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between checks (default 1)"
    )
    parser.set_defaults(handler=run)


def make_scheduler(redis: object, interval: float = 1.0) -> Scheduler:
    scheduler = Scheduler(
        queue=queue(redis, FAST_QUEUE),  # type: ignore[arg-type]
        connection=redis,
        interval=interval,
        job_class=JSONJob,
        queue_class=JSONQueue,
    )
    if WATCHDOG_JOB_ID in scheduler:
        scheduler.cancel(WATCHDOG_JOB_ID)
    scheduler.schedule(
        scheduled_time=datetime.now(UTC).replace(tzinfo=None),
        func="workers.jobs.watchdog.revive_stalled_runs",
        interval=watchdog.INTERVAL_S,
        repeat=None,
        id=WATCHDOG_JOB_ID,
        description="revive stalled runs",
    )
    return scheduler


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    make_scheduler(require_redis(settings), args.interval).run()
    return 0
