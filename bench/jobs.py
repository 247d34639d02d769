"""Tiny jobs the run-queue benchmark enqueues to measure RQ itself (never run: workers run
only the registered jobs of `core.jobs`)."""

from __future__ import annotations


def empty() -> None:
    """The raw-RQ baseline for enqueue speed: a job that does nothing."""
