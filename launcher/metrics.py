"""`autopilot metrics`: serve the Prometheus metrics alone, in the foreground.

Workers and `autopilot up` already serve them on 127.0.0.1:AUTOPILOT_METRICS_PORT; this
command is for where that address cannot be scraped, such as a container that Prometheus
reaches over a network (`--bind 0.0.0.0` there, with the port published on loopback only).
"""

from __future__ import annotations

import argparse
import sys
import threading

from launcher.common import require_redis, service_settings
from workers.metrics import serve_metrics

DEFAULT_PORT = 9464
"""Prometheus's registry of default ports lists 9464 for generic exporters."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "metrics",
        help="serve the Prometheus metrics on their own",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        type=int,
        help=f"default AUTOPILOT_METRICS_PORT, else {DEFAULT_PORT}",
    )
    parser.add_argument(
        "--bind", default="127.0.0.1", help="address to listen on (default: loopback only)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = service_settings()
    redis = require_redis(settings)
    port = args.port or settings.metrics_port or DEFAULT_PORT
    server = serve_metrics(redis, port, host=args.bind)
    if server is None:
        print(f"autopilot: port {port} is taken (another process serves it)", file=sys.stderr)
        return 1
    print(f"Metrics on http://{args.bind}:{server.port}/metrics", file=sys.stderr)
    try:
        threading.Event().wait()
    finally:
        server.stop()
    return 0
