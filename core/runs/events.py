"""Run events for the chat notifiers: a capped Redis stream, one entry per change."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from core import keys
from core.jobs import REFRESH_PROGRESS
from core.runs import queues
from core.runs.labels import job_description

if TYPE_CHECKING:
    from redis import Redis

    from core.runs.record import RunRecord

EVENTS_MAXLEN = 10_000
REFRESH_PENDING_S = 120
"""How long a queued redraw blocks another; bounds the harm of a redraw job lost on the way."""


def event_fields(record: RunRecord) -> dict[str, str]:
    """What a notifier needs to redraw a run's message: ids and progress, no secret."""
    return {
        "run": record.id,
        "student": record.student,
        "state": record.state.value,
        "progress": json.dumps(record.progress.to_json()),
        "error": record.last_error,
    }


def publish(redis: Redis, record: RunRecord) -> None:
    redis.xadd(keys.EVENTS, event_fields(record), maxlen=EVENTS_MAXLEN, approximate=True)  # type: ignore[arg-type]
    request_refresh(redis, record)


def refresh_pending_key(run_id: str) -> str:
    return f"{keys.PREFIX}refresh-pending:{run_id}"


def request_refresh(redis: Redis, record: RunRecord) -> bool:
    """Queue one redraw of the run's chat message unless one is already waiting, so a burst
    of progress costs one edit; the redraw reads the latest record when it runs."""
    if record.target is None or not record.target.has_message:
        return False
    if not redis.set(refresh_pending_key(record.id), "1", nx=True, ex=REFRESH_PENDING_S):
        return False
    queues.queue(redis, queues.FAST_QUEUE).enqueue(
        REFRESH_PROGRESS,
        record.id,
        result_ttl=0,
        failure_ttl=3600,
        description=job_description("redraw progress", record.id, record.student, record.course),
    )
    return True
