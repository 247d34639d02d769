"""Run events for the chat notifiers: a capped Redis stream, one entry per change."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from core import keys

if TYPE_CHECKING:
    from redis import Redis
    from redis.asyncio import Redis as AsyncRedis

    from core.runs.record import RunRecord

EVENTS_MAXLEN = 10_000


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


async def publish_async(redis: AsyncRedis, record: RunRecord) -> None:
    await redis.xadd(keys.EVENTS, event_fields(record), maxlen=EVENTS_MAXLEN, approximate=True)  # type: ignore[arg-type]
