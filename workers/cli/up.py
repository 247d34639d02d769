"""`autopilot up`: everything on this machine, in one process group.

Workers, the scheduler, the dashboard (when a password is set) and the bots whose tokens are
set, each as a child process; an embedded Redis-protocol server when `REDIS_URL` is unset.
Children that die are restarted; Ctrl-C stops them all.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from config import Settings
from core.embedded_redis import EmbeddedRedis
from workers.cli.common import require_secret_box
from workers.cli.dashboard import DEFAULT_PORT, dashboard_command

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
    parser.add_argument("--dashboard-port", type=int, default=DEFAULT_PORT)
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
    return [sys.executable, "-m", "workers.cli", *args]


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    require_secret_box(settings)
    embedded = None
    env = dict(os.environ)
    if not settings.redis_url:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        embedded = EmbeddedRedis((args.data_dir / "redis").resolve())
        env["REDIS_URL"] = embedded.start()
        print(
            f"Embedded Redis (Valkey) on {env['REDIS_URL']}, data in {args.data_dir}/redis",
            file=sys.stderr,
        )
    settings = Settings.from_env(env)
    children = [
        Child(f"worker-{n}", autopilot("worker", "--name", f"worker-{os.getpid()}-{n}"), env)
        for n in range(1, args.workers + 1)
    ]
    children.append(Child("scheduler", autopilot("scheduler"), env))
    if settings.dashboard_password:
        command, dashboard_env = dashboard_command(settings, args.dashboard_port)
        children.append(Child("dashboard", command, dashboard_env))
    else:
        print("Dashboard off: set AUTOPILOT_DASHBOARD_PASSWORD to turn it on.", file=sys.stderr)
    for name, token in (
        ("telegram", settings.telegram_bot_token),
        ("discord", settings.discord_bot_token),
    ):
        if token and name in BOTS:
            children.append(Child(name, autopilot(name), env))
        elif token:
            print(f"The {name} bot is not part of this version yet.", file=sys.stderr)
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
