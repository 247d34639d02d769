"""The authenticated student routes: enrollments, course, lecture detail and heartbeats."""

from __future__ import annotations

import base64
import hashlib
import math
from typing import Any

from emulators.vtu.catalog import Catalog, Course, Lecture, Student
from emulators.vtu.settings import EmulatorSettings
from emulators.vtu.state import ProgressStore
from emulators.vtu.stats import StatsBook
from emulators.vtu.wire import Response, failure, format_duration, format_percent, ok

DATA_FOUND = ("DATA_FOUND", "Data retrieved successfully")
HEARTBEAT_FIELDS = ("current_time_seconds", "total_duration_seconds", "seconds_just_watched")
NO_VIDEO = "This lecture has no playable video."


def course_not_found() -> Response:
    return failure(404, "NOT_FOUND", "Course not found.")


def lecture_not_found() -> Response:
    return failure(404, "NOT_FOUND", "Lecture not found.")


def video_id(seed: int, lecture_id: int) -> str:
    digest = hashlib.sha256(f"{seed}:{lecture_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:11]


def parse_heartbeat(fields: dict[str, Any]) -> tuple[dict[str, float], list[str]]:
    """The three numbers of a heartbeat body, with Laravel-style messages for bad ones."""
    values: dict[str, float] = {}
    errors: list[str] = []
    for name in HEARTBEAT_FIELDS:
        label = name.replace("_", " ")
        raw = fields.get(name)
        number = _number(raw)
        if raw is None or raw == "":
            errors.append(f"The {label} field is required.")
        elif number is None:
            errors.append(f"The {label} field must be a number.")
        elif number < 0:
            errors.append(f"The {label} field must be at least 0.")
        else:
            values[name] = number
    return values, errors


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _shown_number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


class StudentRoutes:
    """Not thread-safe: the caller holds the emulator's lock."""

    def __init__(
        self, catalog: Catalog, progress: ProgressStore, stats: StatsBook, seed: int
    ) -> None:
        self._catalog = catalog
        self._progress = progress
        self._stats = stats
        self._seed = seed

    def enrollments(self, student: Student, settings: EmulatorSettings) -> Response:
        items = []
        for slug in student.enrolled:
            course = self._catalog.course(slug)
            if course is None:
                continue
            items.append(
                {
                    "id": self._catalog.enrollment_id(student, slug),
                    "course_id": course.id,
                    "progress_percent": self._course_percent(student, course, settings),
                    "details": {"id": course.id, "slug": course.slug, "title": course.title},
                }
            )
        data: Any = items
        if settings.enrollments_shape == "object":
            data = {str(index): item for index, item in enumerate(items)}
        elif settings.enrollments_shape == "nested":
            data = {"data": items}
        return ok(*DATA_FOUND, data)

    def course(self, student: Student, slug: str, settings: EmulatorSettings) -> Response:
        course = self._enrolled_course(student, slug)
        if course is None:
            return course_not_found()
        rounding = settings.percent_rounding
        lessons = [
            {
                "id": lesson.id,
                "name": lesson.name,
                "total_lectures": len(lesson.lectures),
                "lectures": [
                    {
                        "id": lecture.id,
                        "title": lecture.title,
                        "is_completed": self._progress.view(
                            student.id, lecture, rounding
                        ).is_completed,
                    }
                    for lecture in lesson.lectures
                ],
            }
            for lesson in course.lessons
        ]
        data = {
            "id": course.id,
            "title": course.title,
            "slug": course.slug,
            "total_lessons": len(course.lessons),
            "total_lectures": sum(len(lesson.lectures) for lesson in course.lessons),
            "progress_bar": self._course_percent(student, course, settings),
            "lessons": lessons,
        }
        return ok(*DATA_FOUND, data)

    def lecture(
        self, student: Student, slug: str, lecture_id: int, now: float, settings: EmulatorSettings
    ) -> Response:
        course = self._enrolled_course(student, slug)
        if course is None:
            return course_not_found()
        lecture = self._catalog.lecture(slug, lecture_id)
        if lecture is None:
            return lecture_not_found()
        self._progress.touch(student.id, lecture, now)
        progress = self._progress.view(student.id, lecture, settings.percent_rounding)
        data = {
            "id": lecture.id,
            "title": lecture.title,
            "is_free": False,
            "duration": self._duration_text(course, lecture),
            "content": {
                "video_setup": {
                    "source_type": "youtube",
                    "video_id": video_id(self._seed, lecture.id) if lecture.has_video else "",
                }
            },
            "progress": progress.percent,
            "is_completed": progress.is_completed,
            "is_locked": lecture.id in settings.locked_ids(),
        }
        return ok(*DATA_FOUND, data)

    def heartbeat(
        self,
        student: Student,
        slug: str,
        lecture_id: int,
        fields: dict[str, Any],
        now: float,
        settings: EmulatorSettings,
    ) -> Response:
        if self._enrolled_course(student, slug) is None:
            return course_not_found()
        lecture = self._catalog.lecture(slug, lecture_id)
        if lecture is None:
            return lecture_not_found()
        if not lecture.has_video:
            return failure(422, "NO_PLAYABLE_VIDEO", NO_VIDEO)
        values, errors = parse_heartbeat(fields)
        if errors:
            return failure(422, "VALIDATION_ERROR", errors[0], errors)
        sent = values["seconds_just_watched"]
        book = self._stats.student(student.email)
        if settings.chunk_over_cap == "refuse" and sent > settings.chunk_cap_s:
            book.lecture(lecture.id).refused += 1
            cap = _shown_number(settings.chunk_cap_s)
            message = f"The seconds just watched field must not be greater than {cap}."
            return failure(422, "VALIDATION_ERROR", message)
        beat = self._progress.heartbeat(student.id, lecture, sent, now, settings)
        book.heartbeats += 1
        counts = book.lecture(lecture.id)
        counts.heartbeats += 1
        counts.credited_s += beat.credit
        if beat.after_complete:
            counts.after_complete += 1
        elif beat.full_credit:
            counts.full_credit += 1
        else:
            counts.partial_credit += 1
        data = {"percent": beat.progress.percent, "is_completed": beat.progress.is_completed}
        return ok("PROGRESS_UPDATED", "Progress updated successfully", data)

    def _enrolled_course(self, student: Student, slug: str) -> Course | None:
        return self._catalog.course(slug) if slug in student.enrolled else None

    def _course_percent(self, student: Student, course: Course, settings: EmulatorSettings) -> str:
        videos = [lecture for lecture in course.lectures if lecture.has_video]
        if not videos:
            return format_percent(0)
        rounding = settings.percent_rounding
        total = sum(self._progress.view(student.id, lec, rounding).percent for lec in videos)
        return format_percent(total / len(videos))

    @staticmethod
    def _duration_text(course: Course, lecture: Lecture) -> str:
        if lecture.has_video:
            return format_duration(lecture.duration_s)
        silent = [item.id for item in course.lectures if not item.has_video]
        return "" if silent.index(lecture.id) % 2 == 0 else format_duration(0)
