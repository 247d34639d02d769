"""How runs ride out the death of each process `autopilot up` runs.

`autopilot up` (2 workers, its embedded Redis) against the VTU stand-in; one student, one
course per scenario, submitted straight to the run queue. In each scenario one process is
SIGKILLed after the run's tenth request: none (the reference), the scheduler, the worker whose
slice holds the run, the embedded Redis. Measured per scenario: the longest pause between the
student's platform requests (the reference shows the pacing's own pauses), how long until the
killed process was back, whether the run completed, and lectures credited past their duration.

Runs against any version of the project that has `autopilot up` (it reads the Redis address
from what `up` prints), so the same command measures before and after a change:
`python -m bench.recovery`.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from redis import Redis
from rq import Worker

from config import Settings, child_environment
from core import keys
from core.runs.queues import JSONJob
from core.vault import new_key
from core.vtu import Credentials
from emulators.vtu.catalog import Catalog
from emulators.vtu.server import VTUEmulator
from emulators.vtu.settings import EmulatorSettings
from workers.context import WorkerContext

EMAIL, PASSWORD, STUDENT = "bench@vtu.test", "bench-password", "telegram:4242"
SCENARIOS = ("none", "scheduler", "worker", "redis")
KILL_AFTER_REQUESTS = 10
RUN_TIMEOUT_S = 240.0
T = TypeVar("T")
LECTURES = [[300, 420, 360, 480], [540, 300, 600, 360], [420, 480, 300, 540]]
"""Twelve lectures of 5-10 min per course: about 50 heartbeats of 120 s."""


@dataclass
class Outcome:
    scenario: str
    completed: bool = False
    took_s: float = 0.0
    longest_pause_s: float = 0.0
    back_after_s: float | None = None
    over_duration: int = 0
    notes: list[str] = field(default_factory=list)


class Pauses:
    """Samples a student's request count every 20 ms and keeps the longest stretch with no
    new request."""

    def __init__(self, vtu: VTUEmulator) -> None:
        self.vtu, self.longest = vtu, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Pauses:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        last_count, last_change = self.vtu.stats(EMAIL).requests, time.monotonic()
        while not self._stop.wait(0.02):
            count, now = self.vtu.stats(EMAIL).requests, time.monotonic()
            if count != last_count:
                self.longest = max(self.longest, now - last_change)
                last_count, last_change = count, now


class Up:
    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.log_path = folder / "up.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "launcher", "up", "--workers", "2"],
                cwd=folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.url = _wait_for(self._redis_url, 60) or ""
        self.redis = Redis.from_url(self.url)

    def _redis_url(self) -> str | None:
        found = re.search(r"redis://127\.0\.0\.1:(\d+)/0", self.log_path.read_text())
        password = self.folder / ".autopilot" / "redis" / "password"
        if not found or not password.exists():
            return None
        return f"redis://:{password.read_text().strip()}@127.0.0.1:{found.group(1)}/0"

    def child(self, marker: str) -> int | None:
        for pid, command in _children(self.process.pid).items():
            if marker in command:
                return pid
        return None

    def worker_holding(self, run_id: str) -> int | None:
        holder = self.redis.get(keys.lease(run_id))
        if holder is None:
            return None
        name = JSONJob.fetch(holder.decode(), connection=self.redis).worker_name
        return {w.name: w.pid for w in Worker.all(connection=self.redis)}.get(name or "")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def run_scenario(
    up: Up, vtu: VTUEmulator, settings: Settings, index: int, scenario: str
) -> Outcome:
    outcome = Outcome(scenario)
    course = course_of(index, scenario)
    redis = Redis.from_url(up.url)
    ctx = WorkerContext.build(settings, redis)
    started = time.monotonic()
    with Pauses(vtu) as pauses:
        run_id = ctx.runs.submit(STUDENT, course).run.id
        before = vtu.stats(EMAIL).requests
        _wait_for(lambda: vtu.stats(EMAIL).requests >= before + KILL_AFTER_REQUESTS, 60)
        if scenario != "none":
            outcome.back_after_s = _kill(up, scenario, run_id)
        finished = _wait_for(lambda: _finished(ctx, run_id), RUN_TIMEOUT_S, quiet=True)
        outcome.completed = finished == "completed"
        if finished is None:
            outcome.notes.append(f"still not finished after {RUN_TIMEOUT_S:.0f} s")
    outcome.took_s = time.monotonic() - started
    outcome.longest_pause_s = pauses.longest
    for lecture in vtu.catalog.course(course).lectures:
        credited = vtu.progress(EMAIL, lecture.id).credited_s
        if lecture.duration_s and credited > lecture.duration_s * 1.015 + 1:
            outcome.over_duration += 1
    ctx.close()
    return outcome


def _kill(up: Up, scenario: str, run_id: str) -> float | None:
    if scenario == "worker":
        pid = _wait_for(lambda: up.worker_holding(run_id), 30)
    else:
        pid = up.child("valkey-server" if scenario == "redis" else "launcher scheduler")
    assert pid, f"no {scenario} process"
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    if scenario == "redis":
        back = _wait_for(lambda: _answers(up.url), 60, quiet=True)
    else:
        marker = "launcher worker" if scenario == "worker" else "launcher scheduler"
        back = _wait_for(lambda: _replaced(up, marker, pid), 60, quiet=True)
    return time.monotonic() - killed if back else None


def _replaced(up: Up, marker: str, dead: int) -> bool:
    alive = [p for p, cmd in _children(up.process.pid).items() if marker in cmd and p != dead]
    expected = 2 if marker == "launcher worker" else 1
    if len(alive) < expected:
        return False
    names = {w.pid: w.name for w in Worker.all(connection=up.redis)}
    return marker != "launcher worker" or all(p in names for p in alive)


def _answers(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_timeout=1).ping())
    except Exception:
        return False


def _finished(ctx: WorkerContext, run_id: str) -> str | None:
    try:
        record = ctx.store.get(run_id)
    except Exception:  # Redis down
        return None
    return record.state.value if record and not record.state.active else None


def _wait_for(condition: Callable[[], T | None], timeout: float, quiet: bool = False) -> T | None:
    """`condition()`'s first truthy value; None (quiet) or TimeoutError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    if quiet:
        return None
    raise TimeoutError("not in time")


def _children(parent: int) -> dict[int, str]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if int(stat[1]) == parent and stat[0] != "Z":
                found[int(entry)] = command.decode()
    return found


def catalog(scenarios: list[str]) -> Catalog:
    """A course per scenario (a repeated scenario gets one per repetition)."""
    books = Catalog()
    for index, scenario in enumerate(scenarios):
        books.add_course(course_of(index, scenario), f"Recovery ({scenario})", LECTURES)
    slugs = [course_of(index, scenario) for index, scenario in enumerate(scenarios)]
    books.add_student(EMAIL, PASSWORD, "1VT23CS042", slugs)
    return books


def course_of(index: int, scenario: str) -> str:
    return f"{index + 1}-recovery-{scenario}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=5.0, help="VTU_RATE_LIMIT (default 5)")
    parser.add_argument("--time-scale", type=float, default=30.0)
    parser.add_argument(
        "--no-time-cap",
        action="store_true",
        help="no cap by time since a lecture's last heartbeat: slices never wait, so runs "
        "need no delayed jobs (by default they do, and something must move them)",
    )
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma-separated, in this order"
    )
    parser.add_argument("--log", type=Path, help="keep `up`'s output in this file")
    args = parser.parse_args()
    scenarios = args.scenarios.split(",")
    stand_in = EmulatorSettings(
        rate_limit_requests=None, wallclock_cap=not args.no_time_cap, time_scale=args.time_scale
    )
    with VTUEmulator(catalog(scenarios), stand_in) as vtu, tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            vtu_base_url=vtu.base_url,
            secret_keys=(new_key(),),
            vtu_rate_limit=args.rate,
            vtu_global_rate_limit=args.rate * 4,
        )
        up = Up(Path(folder), child_environment(settings, os.environ))
        try:
            settings = Settings(**{**settings.__dict__, "redis_url": up.url})
            ctx = WorkerContext.build(settings, Redis.from_url(up.url))
            ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, PASSWORD))
            ctx.close()
            outcomes = [
                run_scenario(up, vtu, settings, index, scenario)
                for index, scenario in enumerate(scenarios)
            ]
        finally:
            up.stop()
            if args.log:
                args.log.write_text(up.log_path.read_text())
    cap = "no time cap" if args.no_time_cap else "time cap (rate 1)"
    print(f"\nrate {args.rate}/s, time scale {args.time_scale}, {cap}, 12 lectures a course\n")
    print("| killed | completed | run (s) | longest pause (s) | back after (s) | over duration |")
    print("|---|---|---|---|---|---|")
    for o in outcomes:
        back = "never" if o.back_after_s is None else f"{o.back_after_s:.1f}"
        back = "-" if o.scenario == "none" else back
        done = "yes" if o.completed else "no: " + "; ".join(o.notes)
        print(
            f"| {o.scenario} | {done} | {o.took_s:.1f} | {o.longest_pause_s:.1f} | {back} "
            f"| {o.over_duration} |"
        )


if __name__ == "__main__":
    main()
