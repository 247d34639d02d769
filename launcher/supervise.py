"""Child processes of `autopilot up`: started in sessions of their own, restarted when they
die (sooner when they had run a while, later when they keep dying), stopped in order.

Each child runs in its own session, so a terminal's Ctrl-C reaches only `up`, which then
stops the children gently (SIGTERM: a worker finishes its slice and deregisters) while Redis
is still there. A child whose `up` dies (even by SIGKILL) notices and stops itself
(`launcher.parent`), so no orphan outlives its supervisor.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from launcher.parent import PARENT_PID_ENV

STEADY_S = 30.0
"""A child that ran this long before dying is restarted after the first delay again."""
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
STOP_TIMEOUT_S = 20.0
"""How long children get to stop (a worker finishes its slice first) before SIGKILL."""
POLL_S = 0.25


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    delay_s: float = FIRST_DELAY_S
    restart_at: float | None = None
    restarts: int = field(default=0)

    def start(self) -> None:
        env = {**self.env, PARENT_PID_ENV: str(os.getpid())}
        self.process = subprocess.Popen(self.command, env=env, start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)

    def wait(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not stop in {STOP_TIMEOUT_S:.0f} s; killing it.")
            self.process.kill()
            self.process.wait(timeout=5)

    def died(self, now: float) -> None:
        """Plan the restart of a child that exited: back off while it keeps dying soon."""
        ran_s = now - self.started_at
        self.delay_s = FIRST_DELAY_S if ran_s >= STEADY_S else min(MAX_DELAY_S, self.delay_s * 2)
        self.restart_at = now + self.delay_s
        self.restarts += 1
        say(
            f"{self.name} exited ({describe_exit(self.exit_code())}) after {ran_s:.0f} s; "
            f"restarting it in {self.delay_s:.0f} s."
        )


def supervise(
    children: Sequence[Child],
    should_stop: Callable[[], bool],
    on_tick: Callable[[], None] = lambda: None,
) -> None:
    """Start `children` and keep them running until `should_stop()`; `on_tick` runs every
    poll (for `up`'s Redis keeper). Stops every child before returning."""
    for child in children:
        child.start()
    try:
        while not should_stop():
            time.sleep(POLL_S)
            on_tick()
            now = time.monotonic()
            for child in children:
                if child.restart_at is None and child.exit_code() is not None:
                    child.died(now)
                if child.restart_at is not None and now >= child.restart_at:
                    child.start()
    finally:
        stop_all(children)


def stop_all(children: Sequence[Child]) -> None:
    for child in children:
        child.stop()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children:
        child.wait(deadline)


def describe_exit(code: int | None) -> str:
    if code is None:
        return "running"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def say(text: str) -> None:
    print(f"autopilot up: {text}", file=sys.stderr, flush=True)
