"""What the platform's answers mean, as plain typed values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    """The logged-in student as the platform names them."""

    id: int
    name: str


@dataclass(frozen=True)
class Enrollment:
    slug: str
    title: str
    course_id: int
    progress_percent: float


@dataclass(frozen=True)
class LectureRef:
    """A lecture as listed in a course: no duration at this level."""

    id: int
    title: str
    lesson: str
    is_completed: bool


@dataclass(frozen=True)
class Course:
    id: int
    slug: str
    title: str
    lectures: tuple[LectureRef, ...]
    progress_percent: float


@dataclass(frozen=True)
class Lecture:
    """One lecture's detail. `duration_s` is None when it has no video to watch. The platform
    touched the lecture (started its clock) between `sent_at`, when the answered request left,
    and `received_at`, when its answer arrived (wall clock)."""

    id: int
    title: str
    duration_s: int | None
    progress_percent: int
    is_completed: bool
    is_locked: bool
    sent_at: float = 0.0
    received_at: float = 0.0


@dataclass(frozen=True)
class ProgressAck:
    """The platform's answer to one watch-progress heartbeat: the platform handled it between
    `sent_at` and `received_at` (wall clock)."""

    percent: int
    is_completed: bool
    sent_at: float = 0.0
    received_at: float = 0.0
