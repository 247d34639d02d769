"""`autopilot dashboard`: rq-dashboard for admins, on loopback, behind a password,
read-only unless `--allow-actions` (see `workers.dashboard`)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import socket
import sys

from werkzeug.serving import make_server

from config import ConfigError
from launcher.common import require_redis, service_settings
from workers.dashboard import USERNAME, make_app

DEFAULT_PORT = 9181
NEEDS = ("redis_url", "dashboard_password", "log_format")
"""The only settings the dashboard process gets (`autopilot up`)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "dashboard",
        help="watch queues, workers and failures in rq-dashboard",
        description="Serves rq-dashboard (JSON serializer) for REDIS_URL on 127.0.0.1, with "
        f"HTTP basic auth: user '{USERNAME}', password AUTOPILOT_DASHBOARD_PASSWORD "
        "(required). Read-only unless --allow-actions; retry failed jobs with `autopilot dlq "
        "retry`. To reach it from elsewhere, put a TLS proxy in front that passes the Host "
        "header, and bind with --behind-tls-proxy.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="default %(default)s")
    parser.add_argument(
        "--bind", default="127.0.0.1", help="address to listen on (default: loopback only)"
    )
    parser.add_argument(
        "--behind-tls-proxy",
        action="store_true",
        help="allow a non-loopback --bind: a TLS proxy in front protects the password",
    )
    parser.add_argument(
        "--allow-actions",
        action="store_true",
        help="enable requeue (which reopens the run, like `autopilot dlq retry`), delete and "
        "empty; default read-only",
    )
    parser.set_defaults(handler=run)


def check_bind(bind: str, behind_tls_proxy: bool) -> None:
    """Refuse to serve basic auth over plain HTTP beyond this machine."""
    if behind_tls_proxy or _is_loopback(bind):
        return
    raise ConfigError(
        f"--bind {bind} would send the dashboard's password over plain HTTP to the network. "
        "Keep the default 127.0.0.1 and reach it through a TLS proxy (or an SSH tunnel); if "
        "a TLS proxy is in front of this address, add --behind-tls-proxy"
    )


def _is_loopback(bind: str) -> bool:
    if bind == "localhost":
        return True
    try:
        return ipaddress.ip_address(bind).is_loopback
    except ValueError:
        return False


def _listening_socket(bind: str, port: int) -> socket.socket:
    """The dashboard's socket, bound here so that a port already taken is a `ConfigError`
    (werkzeug would print its own words and exit 1, which means something else here)."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    try:
        return socket.create_server((bind, port), family=family, backlog=128)
    except OSError as exc:
        raise ConfigError(
            f"the dashboard cannot listen on {bind}:{port} ({exc.strerror or exc}): choose "
            "another --port, or stop what holds it"
        ) from None


def run(args: argparse.Namespace) -> int:
    check_bind(args.bind, args.behind_tls_proxy)
    settings = service_settings()
    if not settings.dashboard_password:
        raise ConfigError(
            "AUTOPILOT_DASHBOARD_PASSWORD is not set: the dashboard shows every job and "
            "refuses to run without a password"
        )
    require_redis(settings).close()
    assert settings.redis_url
    app = make_app(
        settings.redis_url, settings.dashboard_password, allow_actions=args.allow_actions
    )
    # One line per request (the pages poll every few seconds) only with -v.
    logging.getLogger("werkzeug").setLevel(logging.getLogger().level)
    with _listening_socket(args.bind, args.port) as listening:
        port = listening.getsockname()[1]
        server = make_server(args.bind, port, app, threaded=True, fd=listening.fileno())
    mode = "actions allowed" if args.allow_actions else "read-only"
    print(
        f"Dashboard on http://{args.bind}:{port}/ (user {USERNAME}, {mode})",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
