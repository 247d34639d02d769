"""`autopilot up`: the whole service on this machine, kept running.

Workers (which also move due jobs), one extra scheduling process, the dashboard (when a
password is set) and the bots whose tokens are set, each as a child process with only the
settings it needs; an embedded Redis-protocol server (password-protected, data owner-only,
same port at every start) when `REDIS_URL` is unset. Children that die are restarted, and so
is the embedded server. Ctrl-C or SIGTERM stops the children first, then the server.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from collections.abc import Collection, Mapping
from dataclasses import fields, replace
from pathlib import Path

from redis import Redis

from config import Settings, child_environment
from launcher import dashboard
from launcher.common import DEFAULT_DATA_DIR, require_secret_box
from launcher.embedded import EmbeddedRedisKeeper
from launcher.supervise import Child, say, supervise
from workers.metrics import serve_metrics_when_free

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
        help="where the embedded Redis keeps its password, port and append-only file "
        "(default ./.autopilot; other commands run from the same folder find it there)",
    )
    parser.add_argument(
        "--dashboard-port",
        type=int,
        default=dashboard.DEFAULT_PORT,
        help=f"port of the dashboard on 127.0.0.1 (default {dashboard.DEFAULT_PORT})",
    )
    parser.set_defaults(handler=run)


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
BOT_TOKENS = {"telegram": "TELEGRAM_BOT_TOKEN", "discord": "DISCORD_BOT_TOKEN"}


def plan_children(
    settings: Settings, workers: int, dashboard_port: int, base: Mapping[str, str]
) -> list[Child]:
    """Every child process of the service, each with only the settings it needs (and the
    process basics of `base`, see `child_environment`). Workers keep their names across
    restarts (`<host>-worker-<n>`): a restarted one takes over its dead predecessor's."""

    def env(needs: Collection[str]) -> dict[str, str]:
        return child_environment(settings, base, needs)

    host = socket.gethostname()
    children = [
        Child(f"worker-{n}", autopilot("worker", "--name", f"{host}-worker-{n}"), env(WORKER_NEEDS))
        for n in range(1, workers + 1)
    ]
    children.append(Child("scheduler", autopilot("scheduler"), env(SCHEDULER_NEEDS)))
    if settings.dashboard_password:
        command = autopilot("dashboard", "--port", str(dashboard_port))
        children.append(Child("dashboard", command, env(dashboard.NEEDS)))
    else:
        say("Dashboard off: set AUTOPILOT_DASHBOARD_PASSWORD to turn it on.")
    for name, token in (
        ("telegram", settings.telegram_bot_token),
        ("discord", settings.discord_bot_token),
    ):
        if token and name in BOTS:
            children.append(Child(name, autopilot(name), env(BOT_NEEDS[name])))
        elif token:
            say(f"The {name} bot is not part of this version yet.")
        else:
            say(f"{name.capitalize()} bot off: set {BOT_TOKENS[name]} to turn it on.")
    return children


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    require_secret_box(settings)
    keeper = None
    if not settings.redis_url:
        args.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        args.data_dir.chmod(0o700)
        keeper = EmbeddedRedisKeeper((args.data_dir / "redis").resolve())
        settings = replace(settings, redis_url=keeper.start())
    assert settings.redis_url is not None
    serve_metrics_when_free(Redis.from_url(settings.redis_url), settings.metrics_port)
    children = plan_children(settings, args.workers, args.dashboard_port, os.environ)
    stopping: list[int] = []

    def _stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)
    say(f"Running: {', '.join(c.name for c in children)}. Ctrl-C stops everything.")
    try:
        supervise(children, lambda: bool(stopping), keeper.keep_alive if keeper else _nothing)
    finally:
        if keeper is not None:
            keeper.stop()
    say("stopped.")
    return 0


def _nothing() -> None:
    return None
