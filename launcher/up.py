"""`autopilot up`: everything on this machine, in one process group.

Workers, the scheduler, the dashboard (when a password is set) and the bots whose tokens are
set, each as a child process with only the settings it needs; an embedded Redis-protocol
server (password-protected, data owner-only) when `REDIS_URL` is unset. Children that die
are restarted; Ctrl-C stops them all.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from redis import Redis

from config import Settings, child_environment
from core.embedded_redis import EmbeddedRedis
from launcher import dashboard
from launcher.common import require_secret_box
from workers.metrics import serve_metrics_when_free

DEFAULT_DATA_DIR = Path(".autopilot")
RESTART_DELAY_S = 2.0
BOTS: frozenset[str] = frozenset({"telegram", "discord"})
"""Chat bots this version can run (`autopilot <name>`)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "up",
        help="run the whole service on this machine",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where the embedded Redis keeps its append-only file (default ./.autopilot)",
    )
    parser.add_argument("--dashboard-port", type=int, default=dashboard.DEFAULT_PORT)
    parser.set_defaults(handler=run)


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)


def autopilot(*args: str) -> list[str]:
    return [sys.executable, "-m", "launcher", *args]


def _all_but(*names: str) -> frozenset[str]:
    return frozenset(f.name for f in fields(Settings)) - set(names)


WORKER_NEEDS = _all_but("dashboard_password")
"""Workers run slices (VTU, the vault's keys) and edit progress messages (both bots' tokens)."""
SCHEDULER_NEEDS = ("redis_url", "log_format")
"""The scheduler only moves jobs; it runs none."""
BOT_NEEDS = {
    "telegram": _all_but("dashboard_password", "discord_bot_token"),
    "discord": _all_but("dashboard_password", "telegram_bot_token"),
}


def plan_children(
    settings: Settings, workers: int, dashboard_port: int, base: Mapping[str, str]
) -> list[Child]:
    """Every child process of the service, each with only the settings it needs (and the
    process basics of `base`, see `child_environment`)."""

    def env(needs: Collection[str]) -> dict[str, str]:
        return child_environment(settings, base, needs)

    children = [
        Child(
            f"worker-{n}",
            autopilot("worker", "--name", f"worker-{os.getpid()}-{n}"),
            env(WORKER_NEEDS),
        )
        for n in range(1, workers + 1)
    ]
    children.append(Child("scheduler", autopilot("scheduler"), env(SCHEDULER_NEEDS)))
    if settings.dashboard_password:
        command = autopilot("dashboard", "--port", str(dashboard_port))
        children.append(Child("dashboard", command, env(dashboard.NEEDS)))
    else:
        print("Dashboard off: set AUTOPILOT_DASHBOARD_PASSWORD to turn it on.", file=sys.stderr)
    for name, token in (
        ("telegram", settings.telegram_bot_token),
        ("discord", settings.discord_bot_token),
    ):
        if token and name in BOTS:
            children.append(Child(name, autopilot(name), env(BOT_NEEDS[name])))
        elif token:
            print(f"The {name} bot is not part of this version yet.", file=sys.stderr)
    return children


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    require_secret_box(settings)
    embedded = None
    if not settings.redis_url:
        args.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        args.data_dir.chmod(0o700)
        embedded = EmbeddedRedis((args.data_dir / "redis").resolve())
        settings = replace(settings, redis_url=embedded.start())
        print(
            f"Embedded Redis (Valkey) on {embedded.address} with a password, data in "
            f"{args.data_dir}/redis (owner-only)",
            file=sys.stderr,
        )
    assert settings.redis_url is not None
    serve_metrics_when_free(Redis.from_url(settings.redis_url), settings.metrics_port)
    children = plan_children(settings, args.workers, args.dashboard_port, os.environ)
    try:
        _supervise(children)
    finally:
        for child in children:
            child.stop()
        for child in children:
            if child.process is not None:
                child.process.wait(timeout=15)
        if embedded is not None:
            embedded.stop()
    return 0


def _supervise(children: list[Child]) -> None:
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    for child in children:
        child.start()
    print(
        f"Running: {', '.join(c.name for c in children)}. Ctrl-C stops everything.", file=sys.stderr
    )
    try:
        while not stop:
            time.sleep(0.5)
            for child in children:
                if child.process is not None and child.process.poll() is not None:
                    print(
                        f"{child.name} exited ({child.process.returncode}); restarting.",
                        file=sys.stderr,
                    )
                    time.sleep(RESTART_DELAY_S)
                    child.start()
    except KeyboardInterrupt:
        pass
