"""The service's activity log: one short INFO line per login checked and per run started,
completed, failed or cancelled.

`config.logging` keeps this logger at INFO whatever the verbosity, so an operator sees the
service at work without `-v` (which also turns on every library's chatter). Lines hold ids
(student id, run id, course slug), outcomes and counts, never an email, password, cookie or
token.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from core.runs.labels import run_label

if TYPE_CHECKING:
    from core.runs.record import RunRecord

log = logging.getLogger(__name__)


def login_checked(student: str, outcome: str) -> None:
    """`outcome`: "ok", or why not (e.g. "refused (LoginFailed, 401)")."""
    log.info("login checked for %s: %s", student, outcome)


def run_started(record: RunRecord) -> None:
    log.info("run %s started: %s", record.id, run_label(record.student, record.course))


def run_completed(record: RunRecord) -> None:
    extras = [f"{record.skipped} without video"] if record.skipped else []
    if record.locked_titles:
        extras.append(f"{len(record.locked_titles)} locked")
    log.info(
        "run %s completed: %s: %d/%d lectures%s in %s",
        record.id,
        run_label(record.student, record.course),
        record.done,
        record.total,
        f" ({', '.join(extras)})" if extras else "",
        _took(record),
    )


def run_failed(record: RunRecord, reason: str) -> None:
    log.info(
        "run %s failed: %s%s: %s",
        record.id,
        run_label(record.student, record.course),
        _lectures(record),
        reason,
    )


def run_cancelled(record: RunRecord) -> None:
    log.info(
        "run %s cancelled: %s%s",
        record.id,
        run_label(record.student, record.course),
        _lectures(record),
    )


def _lectures(record: RunRecord) -> str:
    """How far the run got (nothing before its first slice read the course)."""
    return f", {record.done}/{record.total} lectures" if record.total else ""


def _took(record: RunRecord) -> str:
    seconds = max(0, round(time.time() - record.created_at)) if record.created_at else 0
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
