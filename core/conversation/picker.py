"""The course picker: the student's enrolled courses and which of them they selected.

The list is fetched by a background job and kept in Redis for an hour, so buttons carry
only an index (a few bytes) and a stale button finds no list instead of a wrong course.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from core import keys
from core.conversation.callbacks import Action, encode
from core.conversation.texts import (
    BUTTON_START,
    BUTTON_UNFINISHED,
    COURSE_LINE,
    COURSES_PICK,
    Keyboard,
)

if TYPE_CHECKING:
    from redis import Redis

LIST_TTL_S = 3600
START_CLAIM_S = 120
"""How long starting a selection holds it against a second /run or Start press; released
as soon as the start ends, so this only bounds a bot that died half-way."""
MAX_COURSES = 100
"""Buttons shown at most (Telegram allows 100 in one keyboard)."""
LABEL_CHARS = 40


@dataclass(frozen=True)
class PickedCourse:
    slug: str
    title: str
    percent: float

    @property
    def finished(self) -> bool:
        return self.percent >= 100


class CoursePicker:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def save(self, student: str, courses: list[PickedCourse]) -> None:
        """A freshly fetched list replaces the old one and its selection."""
        with self.redis.pipeline() as pipe:
            pipe.set(
                keys.picker_courses(student),
                json.dumps([asdict(c) for c in courses[:MAX_COURSES]]),
                ex=LIST_TTL_S,
            )
            pipe.delete(keys.picker_picked(student))
            pipe.execute()

    def courses(self, student: str) -> list[PickedCourse]:
        raw = self.redis.get(keys.picker_courses(student))
        return [PickedCourse(**item) for item in json.loads(raw)] if raw else []

    def toggle(self, student: str, index: int) -> bool:
        """Select or unselect course `index`; False when no such course is listed."""
        if not 0 <= index < len(self.courses(student)):
            return False
        key = keys.picker_picked(student)
        if not self.redis.srem(key, index):
            self.redis.sadd(key, index)
        self.redis.expire(key, LIST_TTL_S)
        return True

    def pick_unfinished(self, student: str) -> int:
        """Select every course below 100 %; returns how many."""
        indexes = [i for i, c in enumerate(self.courses(student)) if not c.finished]
        self.redis.delete(keys.picker_picked(student))
        if indexes:
            self.redis.sadd(keys.picker_picked(student), *indexes)
            self.redis.expire(keys.picker_picked(student), LIST_TTL_S)
        return len(indexes)

    def picked(self, student: str) -> list[PickedCourse]:
        courses = self.courses(student)
        indexes = sorted(int(i) for i in self.redis.smembers(keys.picker_picked(student)))
        return [courses[i] for i in indexes if i < len(courses)]

    def clear(self, student: str) -> None:
        self.redis.delete(keys.picker_picked(student))

    def claim_start(self, student: str) -> bool:
        """Whether this caller may start the selection now (no other start is under way).
        The selection stays until `clear`: a start that fails half-way loses nothing."""
        claim = keys.picker_starting(student)
        return bool(self.redis.set(claim, "1", nx=True, ex=START_CLAIM_S))

    def release_start(self, student: str) -> None:
        self.redis.delete(keys.picker_starting(student))

    def forget(self, student: str) -> None:
        self.redis.delete(
            keys.picker_courses(student),
            keys.picker_picked(student),
            keys.picker_starting(student),
        )

    def render(self, student: str) -> tuple[str, Keyboard]:
        """The picker message: one line and one toggle button per course, ✓ when selected."""
        courses = self.courses(student)
        chosen = {c.slug for c in self.picked(student)}
        lines = []
        keyboard: Keyboard = []
        for index, course in enumerate(courses):
            mark = "✓" if course.slug in chosen else ("✔" if course.finished else "•")
            lines.append(COURSE_LINE.format(mark=mark, title=course.title, percent=course.percent))
            label = f"{'✓ ' if course.slug in chosen else ''}{course.title}"[:LABEL_CHARS]
            keyboard.append([(label, encode(Action.PICK, index))])
        keyboard.append(
            [
                (BUTTON_UNFINISHED, encode(Action.PICK_UNFINISHED)),
                (BUTTON_START, encode(Action.START)),
            ]
        )
        return COURSES_PICK.format(lines="\n".join(lines)), keyboard
