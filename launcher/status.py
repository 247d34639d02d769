"""`autopilot status [--json]`: the service at a glance, the same figures as the metrics."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from core.metrics.snapshot import RECENT_MINUTES, Snapshot, take_snapshot
from launcher.common import require_redis, service_settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="queues, workers, runs, the platform's recent 429s and 5xx, the last errors",
        description="Prints the service's state from Redis (REDIS_URL): queue depths, workers "
        "alive, runs active, scheduled and failed, what the platform answered in the last "
        f"{RECENT_MINUTES} minutes, and the latest errors. The same figures as the "
        "Prometheus metrics (AUTOPILOT_METRICS_PORT).",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    snapshot = take_snapshot(require_redis(service_settings(), ride_out_restarts=False))
    print(json.dumps(snapshot.to_json(), indent=2) if args.json else render(snapshot))
    return 0


def render(snapshot: Snapshot) -> str:
    data = snapshot.to_json()
    runs, recent, workers = data["runs"], data["recent"], data["workers"]
    lines = [f"{'queue':<16}{'queued':>8}{'scheduled':>11}{'started':>9}{'failed':>8}"]
    for q in data["queues"]:
        lines.append(
            f"{q['name']:<16}{q['queued']:>8}{q['scheduled']:>11}{q['started']:>9}{q['failed']:>8}"
        )
    lines.append(f"workers alive: {workers['alive']}{_breakdown(workers['by_state'])}")
    lines.append(
        f"runs active: {runs['active']}{_breakdown(runs['active_by_state'])}, "
        f"students active: {runs['students_active']}"
    )
    lines.append(
        f"runs scheduled (delayed jobs): {runs['scheduled_jobs']}, "
        f"dead-letter queue: {runs['dead_letter']}"
    )
    lines.append(f"runs finished: {_pairs(runs['finished']) or 'none yet'}")
    lines.append(
        f"last {recent['minutes']} min: platform requests: {recent['platform_requests']}, "
        f"429s: {recent['platform_429']}, 5xx: {recent['platform_5xx']}, "
        f"logins: {recent['logins']}; chat messages: {recent['chat_messages']}, "
        f"chat 429s: {recent['chat_429']}"
    )
    lines.append("last errors:" if data["errors"] else "last errors: none")
    for error in data["errors"]:
        when = datetime.fromtimestamp(error["at"]).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"  {when}  {error['source']}: {error['message']}")
    return "\n".join(lines)


def _pairs(values: dict[str, int]) -> str:
    return ", ".join(f"{name}: {number}" for name, number in sorted(values.items()))


def _breakdown(values: dict[str, int]) -> str:
    return f" ({_pairs(values)})" if values else ""
