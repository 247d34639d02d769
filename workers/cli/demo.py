"""`autopilot demo`: the whole flow on this machine, against the local stand-ins.

Needs no token, no internet and no Redis: the VTU stand-in runs in this process with a
synthetic student, and the engine completes one of their courses with a progress bar. Time
runs faster on the stand-in (`--time-scale`), so an afternoon of lectures takes a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from config import Settings
from core.vtu import Credentials
from emulators.vtu import EmulatorSettings, VTUEmulator, seed_catalog
from workers.cli.complete import complete

DEMO_RATE = 40.0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="see the whole flow against local stand-ins (no tokens, no internet)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=600.0,
        help="emulated seconds per real second on the stand-in (default: %(default)s)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=DEMO_RATE,
        help="requests per second to the stand-in (default: %(default)s; the real "
        "platform gets VTU_RATE_LIMIT)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    catalog = seed_catalog(students=1, courses_per_student=1)
    student = catalog.students[0]
    course = catalog.course(student.enrolled[0])
    assert course is not None
    platform = EmulatorSettings(
        time_scale=args.time_scale,
        rate_limit_requests=int(args.rate * 1.25),
        rate_limit_window_s=1.0,
        session_lifetime_s=20.0,
        error_rate=0.02,
    )
    with VTUEmulator(catalog, platform) as emulator:
        print(
            f"VTU stand-in on {emulator.base_url} (time x{args.time_scale:g}, sessions expire "
            f"every 20 s, 2 % of answers are server errors).\n"
            f"Completing '{course.title}' ({len(course.lectures)} lectures) for {student.email}.",
            file=sys.stderr,
        )
        settings = Settings(vtu_base_url=emulator.base_url, vtu_rate_limit=args.rate)
        code = asyncio.run(
            complete(settings, Credentials(student.email, student.password), course.slug)
        )
        stats = emulator.stats(student.email)
        lectures = stats.lectures.values()
        print(
            f"The stand-in saw {stats.requests} requests: {stats.heartbeats} heartbeats "
            f"({sum(x.full_credit for x in lectures)} with full credit), {stats.logins} "
            f"logins, {stats.injected_errors} server errors retried, "
            f"{stats.too_many_requests} rate-limit answers.",
            file=sys.stderr,
        )
    return code
