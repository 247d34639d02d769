"""Counters of what really happened, for tests and benchmarks to check."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LectureStats:
    heartbeats: int = 0
    """Progress POSTs answered 200 on this lecture (after_complete ones included)."""
    credited_s: float = 0.0
    full_credit: int = 0
    """Heartbeats credited min(seconds_just_watched, chunk cap)."""
    partial_credit: int = 0
    """Heartbeats credited less than that (wall-clock cap, or the first touch)."""
    after_complete: int = 0
    refused: int = 0
    """Heartbeats answered 422 because seconds_just_watched exceeded the cap in "refuse" mode."""


@dataclass
class StudentStats:
    requests: int = 0
    """Every API request attributed to this student, refused ones included."""
    by_route: dict[str, int] = field(default_factory=dict)
    logins: int = 0
    failed_logins: int = 0
    too_many_requests: int = 0
    injected_errors: int = 0
    expired_rejections: int = 0
    heartbeats: int = 0
    lectures: dict[int, LectureStats] = field(default_factory=dict)
    accepted_times: list[float] = field(default_factory=list)
    """Emulator-clock times of requests past fault injection and throttling."""

    def lecture(self, lecture_id: int) -> LectureStats:
        return self.lectures.setdefault(lecture_id, LectureStats())


class StatsBook:
    """Not thread-safe: the caller holds the emulator's lock."""

    def __init__(self) -> None:
        self.requests_total = 0
        self._students: dict[str, StudentStats] = {}

    def student(self, email: str) -> StudentStats:
        return self._students.setdefault(email.lower(), StudentStats())

    def snapshot(self, email: str) -> StudentStats:
        found = self._students.get(email.lower())
        return copy.deepcopy(found) if found is not None else StudentStats()

    def reset(self) -> None:
        self.requests_total = 0
        self._students.clear()


def stats_to_json(stats: StudentStats) -> dict[str, Any]:
    data = dataclasses.asdict(stats)
    data["lectures"] = {str(key): value for key, value in data["lectures"].items()}
    data["accepted_times"] = [round(t, 4) for t in stats.accepted_times]
    return data
