"""The `autopilot` command: one entry point, a subcommand per process or task.

Each subcommand lives in its own module with `add_parser(subparsers)`; the launcher is the
only place that knows every part of the project (bots, workers, stand-ins).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from redis.exceptions import RedisError

from config import ConfigError
from config.env_file import EnvFileError, load_env_file
from config.logging import configure_logging
from launcher import (
    complete,
    dashboard,
    demo,
    discord,
    dlq,
    emulator,
    keys,
    metrics,
    scheduler,
    status,
    telegram,
    up,
    worker,
)
from launcher.common import redis_problem, service_settings
from launcher.parent import follow_parent

COMMANDS = (
    up,
    demo,
    complete,
    worker,
    scheduler,
    telegram,
    discord,
    dashboard,
    keys,
    dlq,
    status,
    metrics,
    emulator,
)
PACKAGE = "vtu-autopilot"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autopilot",
        description=(
            "VTU AutoPilot: completes VTU online-course lectures for students, from Telegram, "
            "Discord or this terminal. Settings come from the environment (see README)."
        ),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument("--version", action="version", version=f"autopilot {project_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def project_version() -> str:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        load_env_file(os.environ)  # ./.env or AUTOPILOT_ENV_FILE; the environment wins
        configure_logging(args.verbose, os.environ.get("AUTOPILOT_LOG_FORMAT", "text"))
    except (ConfigError, EnvFileError) as exc:
        print(f"autopilot: configuration error: {exc}", file=sys.stderr)
        return 2
    follow_parent()  # a child of `autopilot up` stops with it
    try:
        return int(args.handler(args))
    except ConfigError as exc:
        print(f"autopilot: configuration error: {exc}", file=sys.stderr)
        return 2
    except RedisError as exc:  # Redis went away (or refused) after the command started
        print(f"autopilot: {redis_problem(_redis_url(), exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nautopilot: interrupted; progress so far is kept.", file=sys.stderr)
        return 130


def _redis_url() -> str:
    try:
        return service_settings().redis_url or ""
    except ConfigError:
        return ""
