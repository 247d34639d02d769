"""Command line: serve the emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from emulators.vtu.catalog import Catalog, benchmark_course, seed_catalog
from emulators.vtu.server import LOOPBACK_HOSTS, VTUEmulator
from emulators.vtu.settings import (
    CHUNK_OVER_CAP_MODES,
    ENROLLMENTS_SHAPES,
    EXPIRED_STATUSES,
    PERCENT_ROUNDINGS,
    WRONG_PASSWORD_STATUSES,
    EmulatorSettings,
)

DEFAULT_PORT = 8765


def _loopback(value: str) -> str:
    if value not in LOOPBACK_HOSTS:
        raise argparse.ArgumentTypeError(f"only {' or '.join(LOOPBACK_HOSTS)} is allowed")
    return value


def _rate_limit(value: str) -> tuple[int, float] | None:
    """ "N/WINDOW" (requests per seconds), or "off"."""
    if value.strip().lower() in ("off", "none"):
        return None
    count, _, window = value.partition("/")
    try:
        parsed = (int(count), float(window or 60))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N/WINDOW like 60/60, got {value!r}") from None
    if parsed[0] < 1 or parsed[1] <= 0:
        raise argparse.ArgumentTypeError("N must be >= 1 and WINDOW > 0")
    return parsed


def _range(value: str) -> tuple[int, int]:
    try:
        low, high = (int(part) for part in value.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MIN-MAX like 100-170, got {value!r}") from None
    if not 1 <= low <= high:
        raise argparse.ArgumentTypeError("need 1 <= MIN <= MAX")
    return low, high


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = EmulatorSettings()
    add = parser.add_argument
    add("--port", type=int, metavar="N", default=DEFAULT_PORT, help="0 picks a free port")
    add("--host", type=_loopback, default="127.0.0.1", help="127.0.0.1 or localhost")
    add("--seed", type=int, metavar="N", default=d.seed, help="catalog and fault-injection seed")
    add("--students", type=int, metavar="N", default=3, help="seeded students student1..N@vtu.test")
    add(
        "--courses-per-student",
        type=int,
        metavar="N",
        default=3,
        help="courses each seeded student is enrolled in (default 3)",
    )
    add(
        "--lectures",
        type=_range,
        metavar="MIN-MAX",
        default=(100, 170),
        help="lectures per seeded course (default 100-170)",
    )
    add(
        "--benchmark-course",
        action="store_true",
        help="also enroll every student in a 166-lecture course 1-benchmark-166",
    )
    add("--time-scale", type=float, metavar="X", default=d.time_scale, help="emulated s per real s")
    add("--session-lifetime", type=float, metavar="S", default=d.session_lifetime_s, help="seconds")
    add(
        "--session-max-requests",
        type=int,
        metavar="N",
        default=d.session_max_requests,
        help="a session expires after N requests (default: no limit)",
    )
    add(
        "--expired-status",
        type=int,
        choices=EXPIRED_STATUSES,
        default=d.expired_status,
        help="status of a request with an expired session (default %(default)s)",
    )
    add(
        "--wrong-password-status",
        type=int,
        choices=WRONG_PASSWORD_STATUSES,
        default=d.wrong_password_status,
        help="status of a login with a wrong password (default %(default)s)",
    )
    add(
        "--chunk-cap",
        type=float,
        metavar="S",
        default=d.chunk_cap_s,
        help="max credited s per heartbeat",
    )
    add(
        "--chunk-over-cap",
        choices=CHUNK_OVER_CAP_MODES,
        default=d.chunk_over_cap,
        help="a heartbeat over --chunk-cap is clamped, or refused with 422 (default %(default)s)",
    )
    add("--no-wallclock-cap", action="store_true", help="do not cap credit by elapsed time")
    add(
        "--wallclock-rate",
        type=float,
        metavar="R",
        default=d.wallclock_rate,
        help="credited s per elapsed (scaled) s under the time cap (default 1)",
    )
    add(
        "--percent-rounding",
        choices=PERCENT_ROUNDINGS,
        default=d.percent_rounding,
        help="how the whole percent in answers is rounded (default %(default)s)",
    )
    add(
        "--rate-limit",
        type=_rate_limit,
        default=(d.rate_limit_requests, d.rate_limit_window_s),
        metavar="N/WINDOW",
        help='requests per window seconds per student, e.g. 60/60, or "off"',
    )
    add(
        "--min-interval",
        type=float,
        metavar="S",
        default=d.min_interval_s,
        help="seconds between requests",
    )
    add(
        "--error-rate",
        type=float,
        metavar="P",
        default=d.error_rate,
        help="share answered 500/502/503",
    )
    add(
        "--latency",
        type=float,
        metavar="S",
        default=d.latency_s,
        help="seconds added to every request",
    )
    add(
        "--enrollments-shape",
        choices=ENROLLMENTS_SHAPES,
        default=d.enrollments_shape,
        help="enrollments as a list, an object keyed by index, or a list nested under "
        "`data` (default %(default)s)",
    )


def settings_from_args(args: argparse.Namespace) -> EmulatorSettings:
    rate_limit = args.rate_limit
    return EmulatorSettings(
        session_lifetime_s=args.session_lifetime,
        session_max_requests=args.session_max_requests,
        expired_status=args.expired_status,
        wrong_password_status=args.wrong_password_status,
        chunk_cap_s=args.chunk_cap,
        chunk_over_cap=args.chunk_over_cap,
        wallclock_cap=not args.no_wallclock_cap,
        wallclock_rate=args.wallclock_rate,
        time_scale=args.time_scale,
        percent_rounding=args.percent_rounding,
        rate_limit_requests=None if rate_limit is None else rate_limit[0],
        rate_limit_window_s=60.0 if rate_limit is None else rate_limit[1],
        min_interval_s=args.min_interval,
        error_rate=args.error_rate,
        latency_s=args.latency,
        enrollments_shape=args.enrollments_shape,
        seed=args.seed,
    )


def catalog_from_args(args: argparse.Namespace) -> Catalog:
    catalog = seed_catalog(
        seed=args.seed,
        students=args.students,
        courses_per_student=args.courses_per_student,
        lectures_range=args.lectures,
    )
    if args.benchmark_course:
        course = benchmark_course(catalog)
        for student in catalog.students:
            catalog.enroll(student.email, course.slug)
    return catalog


def _banner(emulator: VTUEmulator) -> str:
    settings = emulator.settings
    control = emulator.base_url.removesuffix("/api/v1") + "/__emulator__/stats"
    lines = [
        f"VTU emulator serving {emulator.base_url}",
        f"  seed {settings.seed}, time scale {settings.time_scale}, control {control}",
        "  logins:",
    ]
    for student in emulator.catalog.students:
        courses = ", ".join(student.enrolled)
        lines.append(f"    {student.email}  {student.password}  ({student.name}: {courses})")
    return "\n".join(lines)


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until SIGINT/SIGTERM (or until `stop` is set); returns the exit status."""
    settings = settings_from_args(args)
    problems = settings.problems()
    if problems:
        print(f"invalid settings: {'; '.join(problems)}", file=sys.stderr)
        return 2
    emulator = VTUEmulator(catalog_from_args(args), settings)
    try:
        emulator.start(args.host, args.port)
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    stop = stop if stop is not None else threading.Event()
    restore = _stop_on_signals(stop)
    print(_banner(emulator), flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        emulator.stop()
        restore()
    print("VTU emulator stopped", flush=True)
    return 0


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
