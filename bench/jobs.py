"""Tiny jobs the run-queue benchmark enqueues to measure RQ itself."""

from __future__ import annotations

import time

from rq import get_current_job

LATENCY_KEY = "autopilot:bench:latency"


def empty() -> None:
    """The raw-RQ baseline: a job that does nothing."""


def record_start(enqueued_at: float) -> None:
    """Record how long after `enqueued_at` (wall clock) a worker started this job."""
    job = get_current_job()
    assert job is not None
    job.connection.rpush(LATENCY_KEY, time.time() - enqueued_at)
