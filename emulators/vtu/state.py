"""Watched-time progress per (student, lecture) and the rule that credits a heartbeat."""

from __future__ import annotations

import math
from dataclasses import dataclass

from emulators.vtu.catalog import Lecture
from emulators.vtu.settings import EmulatorSettings


@dataclass(frozen=True)
class LectureProgress:
    credited_s: float
    """Sum of credit granted, deliberately not clamped to the duration."""
    percent: int
    is_completed: bool
    last_touch: float | None
    """Emulator-clock time of the last lecture-detail GET or progress POST; None if never."""


@dataclass(frozen=True)
class Heartbeat:
    credit: float
    full_credit: bool
    after_complete: bool
    progress: LectureProgress


@dataclass
class _Entry:
    credited_s: float = 0.0
    last_touch: float | None = None


def heartbeat_credit(sent: float, since_touch: float | None, settings: EmulatorSettings) -> float:
    """Seconds credited for one heartbeat; `since_touch` is None for a never-touched lecture."""
    credit = min(sent, settings.chunk_cap_s)
    if settings.wallclock_cap:
        if since_touch is None:
            return 0.0
        credit = min(credit, since_touch * settings.time_scale * settings.wallclock_rate)
    return max(0.0, credit)


def percent_of(credited_s: float, duration_s: int, rounding: str) -> int:
    if duration_s <= 0:
        return 0
    share = credited_s * 100 / duration_s
    value = math.floor(share) if rounding == "floor" else round(share)
    return min(100, int(value))


class ProgressStore:
    """Not thread-safe: the caller holds the emulator's lock."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, int], _Entry] = {}

    def view(self, student_id: int, lecture: Lecture, rounding: str) -> LectureProgress:
        entry = self._entries.get((student_id, lecture.id)) or _Entry()
        return _view(entry, lecture, rounding)

    def touch(self, student_id: int, lecture: Lecture, now: float) -> None:
        self._entries.setdefault((student_id, lecture.id), _Entry()).last_touch = now

    def heartbeat(
        self, student_id: int, lecture: Lecture, sent: float, now: float, settings: EmulatorSettings
    ) -> Heartbeat:
        entry = self._entries.setdefault((student_id, lecture.id), _Entry())
        since = None if entry.last_touch is None else max(0.0, now - entry.last_touch)
        entry.last_touch = now
        if _completed(entry, lecture):
            return Heartbeat(0.0, False, True, _view(entry, lecture, settings.percent_rounding))
        credit = heartbeat_credit(sent, since, settings)
        entry.credited_s += credit
        full = credit == max(0.0, min(sent, settings.chunk_cap_s))
        return Heartbeat(credit, full, False, _view(entry, lecture, settings.percent_rounding))

    def reset(self) -> None:
        self._entries.clear()


def _completed(entry: _Entry, lecture: Lecture) -> bool:
    return lecture.has_video and entry.credited_s >= lecture.duration_s


def _view(entry: _Entry, lecture: Lecture, rounding: str) -> LectureProgress:
    completed = _completed(entry, lecture)
    percent = 100 if completed else percent_of(entry.credited_s, lecture.duration_s, rounding)
    return LectureProgress(entry.credited_s, percent, completed, entry.last_touch)
