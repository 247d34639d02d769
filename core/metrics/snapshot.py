"""The service's state at a glance, read from Redis: what the exporter serves and what
`autopilot status` prints, built in one place so the two always agree.

Live figures (queue depths, workers, active runs) are read at the moment; counters and
histograms are what every process counted (`core.metrics.store`); "recent" is the counters
summed over the last minutes.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from rq import worker_registration
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from core import keys
from core.metrics import names
from core.metrics.store import Sample, counters, histograms, last_errors, recent_counters
from core.runs.queues import QUEUES, queue

if TYPE_CHECKING:
    from redis import Redis

RECENT_MINUTES = 15


@dataclass(frozen=True)
class QueueState:
    name: str
    queued: int
    scheduled: int
    started: int
    failed: int
    """Jobs in the dead-letter queue (RQ's failed-job registry)."""


@dataclass(frozen=True)
class Snapshot:
    taken_at: float
    queues: list[QueueState]
    workers: dict[str, int]
    """Registered workers by state (busy, idle, ...)."""
    runs_active: dict[str, int]
    """Active runs by state (queued, running, retrying)."""
    students_active: int
    runs_finished: dict[str, int]
    """Runs ever finished, by outcome."""
    recent: dict[str, int]
    """What happened in the last `recent_minutes`: platform requests, 429s, 5xx, logins,
    chat messages and chat 429s."""
    recent_minutes: int
    errors: list[dict[str, Any]]
    counters: list[Sample] = field(repr=False)
    histograms: list[Sample] = field(repr=False)

    @property
    def workers_alive(self) -> int:
        return sum(self.workers.values())

    @property
    def dead_letter(self) -> int:
        return sum(q.failed for q in self.queues)

    def to_json(self) -> dict[str, Any]:
        """Everything `autopilot status --json` prints (counters and histograms aside)."""
        return {
            "taken_at": self.taken_at,
            "queues": [asdict(q) for q in self.queues],
            "workers": {"alive": self.workers_alive, "by_state": self.workers},
            "runs": {
                "active": sum(self.runs_active.values()),
                "active_by_state": self.runs_active,
                "students_active": self.students_active,
                "scheduled_jobs": sum(q.scheduled for q in self.queues),
                "dead_letter": self.dead_letter,
                "finished": self.runs_finished,
            },
            "recent": {"minutes": self.recent_minutes, **self.recent},
            "errors": self.errors,
        }


def take_snapshot(redis: Redis, recent_minutes: int = RECENT_MINUTES) -> Snapshot:
    now = time.time()
    every_counter = counters(redis)
    return Snapshot(
        taken_at=now,
        queues=[_queue_state(redis, name) for name in QUEUES],
        workers=_workers(redis),
        runs_active=_active_runs(redis),
        students_active=int(redis.hlen(keys.ACTIVE_STUDENTS)),
        runs_finished={
            dict(s.labels).get("outcome", "?"): int(s.value)
            for s in every_counter
            if s.name == names.RUNS_FINISHED.name
        },
        recent=_recent(recent_counters(redis, recent_minutes, now)),
        recent_minutes=recent_minutes,
        errors=last_errors(redis),
        counters=every_counter,
        histograms=histograms(redis),
    )


def _queue_state(redis: Redis, name: str) -> QueueState:
    rq_queue = queue(redis, name)
    return QueueState(
        name=name,
        queued=rq_queue.count,
        scheduled=ScheduledJobRegistry(queue=rq_queue).get_job_count(cleanup=False),
        started=StartedJobRegistry(queue=rq_queue).get_job_count(cleanup=False),
        failed=FailedJobRegistry(queue=rq_queue).get_job_count(cleanup=False),
    )


def _workers(redis: Redis) -> dict[str, int]:
    """Registered workers whose record still exists, by the state they last reported."""
    worker_keys = sorted(worker_registration.get_keys(connection=redis))
    with redis.pipeline(transaction=False) as pipe:
        for key in worker_keys:
            pipe.hget(key, "state")
        states = pipe.execute()
    return dict(Counter(s.decode() if isinstance(s, bytes) else "unknown" for s in states if s))


def _active_runs(redis: Redis) -> dict[str, int]:
    run_ids = [m.decode() for m in redis.smembers(keys.ACTIVE_RUNS)]
    with redis.pipeline(transaction=False) as pipe:
        for run_id in run_ids:
            pipe.hget(keys.run(run_id), "state")
        states = pipe.execute()
    return dict(Counter(s.decode() if s else "unknown" for s in states))


_RECENT = {
    "platform_requests": names.PLATFORM_REQUESTS,
    "platform_429": names.PLATFORM_THROTTLED,
    "platform_5xx": names.PLATFORM_SERVER_ERRORS,
    "logins": names.PLATFORM_LOGINS,
    "chat_messages": names.CHAT_MESSAGES,
    "chat_429": names.CHAT_THROTTLED,
}


def _recent(samples: list[Sample]) -> dict[str, int]:
    totals = dict.fromkeys(_RECENT, 0)
    for key, metric in _RECENT.items():
        for sample in samples:
            if sample.name == metric.name and (
                metric is not names.PLATFORM_LOGINS or dict(sample.labels).get("outcome") == "ok"
            ):
                totals[key] += int(sample.value)
    return totals
