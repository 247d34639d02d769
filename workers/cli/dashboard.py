"""`autopilot dashboard`: rq-dashboard for admins, on loopback, behind a password."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from config import ConfigError, Settings
from workers.cli.common import require_redis

DEFAULT_PORT = 9181
USERNAME = "admin"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="watch queues, workers and failures in rq-dashboard",
        description="Serves rq-dashboard (JSON serializer) for REDIS_URL on 127.0.0.1, with "
        f"HTTP basic auth: user '{USERNAME}', password AUTOPILOT_DASHBOARD_PASSWORD "
        "(required). Put a TLS proxy in front to expose it.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    parser.add_argument(
        "--bind", default="127.0.0.1", help="address to listen on (default: loopback only)"
    )
    parser.set_defaults(handler=run)


def dashboard_command(
    settings: Settings, port: int, bind: str = "127.0.0.1"
) -> tuple[list[str], dict[str, str]]:
    """The rq-dashboard process and its environment: secrets go in the environment, never
    on the command line where `ps` shows them."""
    if not settings.dashboard_password:
        raise ConfigError(
            "AUTOPILOT_DASHBOARD_PASSWORD is not set: the dashboard shows every job and "
            "refuses to run without a password"
        )
    assert settings.redis_url
    env = dict(os.environ)
    env.update(
        RQ_DASHBOARD_USERNAME=USERNAME,
        RQ_DASHBOARD_PASSWORD=settings.dashboard_password,
        RQ_DASHBOARD_REDIS_URL=settings.redis_url,
    )
    command = [sys.executable, "-m", "rq_dashboard", "--bind", bind, "--port", str(port), "--json"]
    return command, env


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    require_redis(settings)
    command, env = dashboard_command(settings, args.port, args.bind)
    print(f"rq-dashboard on http://{args.bind}:{args.port}/ (user {USERNAME})", file=sys.stderr)
    return subprocess.call(command, env=env)
