"""`autopilot scheduler`: moves due jobs to their queues, on its own, beside the workers.

Every worker already does this (`workers.scheduling`), so no run needs this process; it adds
one more mover for hosts that want scheduling to go on while every worker is busy or
restarting. Any number of them may run: each due job is claimed by exactly one mover.
"""

from __future__ import annotations

import argparse
import logging
import signal

from launcher.common import require_redis, service_settings
from workers.scheduling import PASS_INTERVAL_S, SchedulingLoop

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "scheduler",
        help="move due jobs (run slices, retries, periodic jobs) to their queues (optional)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=PASS_INTERVAL_S,
        help=f"seconds between passes (default {PASS_INTERVAL_S})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = service_settings()
    loop = SchedulingLoop(require_redis(settings), args.interval)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: loop.stopped.set())
    log.info("moving due jobs every %s s", args.interval)
    loop.run()
    return 0
