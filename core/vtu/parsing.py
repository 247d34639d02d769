"""Turns the platform's JSON into `core.vtu.models`, tolerating the quirks it is known for.

Anything else raises `UnexpectedResponse`, so a platform change shows as one clear error
instead of a `KeyError` deep in a job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from core.vtu.errors import UnexpectedResponse
from core.vtu.models import Account, Course, Enrollment, Lecture, LectureRef, ProgressAck

T = TypeVar("T")

_DURATION = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:\s*mins?)?\s*$")


def parse_duration(text: object) -> int | None:
    """Seconds in a duration such as "00:08:55 mins" or "8:55"; None for no video
    (empty, zero or absent)."""
    if text is None:
        return None
    if isinstance(text, int | float):
        return int(text) or None
    if not isinstance(text, str):
        raise UnexpectedResponse(f"lecture duration {text!r} is not text")
    if not text.strip():
        return None
    match = _DURATION.match(text)
    if not match:
        raise UnexpectedResponse(f"lecture duration {text!r} is not HH:MM:SS")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds or None


def account(data: Any) -> Account:
    return _build("login answer", data, lambda d: Account(id=int(d["id"]), name=str(d["name"])))


def enrollments(data: Any) -> list[Enrollment]:
    """Enrollments from any of the three shapes seen: a list, an object with numeric keys,
    or either of those nested under another `data`."""
    if isinstance(data, dict) and "data" in data:
        data = data["data"]
    if isinstance(data, dict):
        data = [data[key] for key in sorted(data, key=_numeric_key)]
    if not isinstance(data, list):
        raise UnexpectedResponse(f"enrollments are a {type(data).__name__}, not a list")
    return [_build("enrollment", item, _enrollment) for item in data]


def course(data: Any) -> Course:
    return _build("course", data, _course)


def lecture(data: Any) -> Lecture:
    return _build("lecture", data, _lecture)


def progress_ack(data: Any) -> ProgressAck:
    return _build(
        "progress answer",
        data,
        lambda d: ProgressAck(percent=int(d["percent"]), is_completed=bool(d["is_completed"])),
    )


def _build(what: str, data: Any, make: Callable[[Any], T]) -> T:
    try:
        return make(data)
    except UnexpectedResponse:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise UnexpectedResponse(f"{what} lacks or mistypes {exc}") from exc


def _numeric_key(key: str) -> tuple[int, str]:
    return (int(key), "") if str(key).isdigit() else (1 << 62, str(key))


def _percent(value: object) -> float:
    return float(value) if value not in (None, "") else 0.0  # type: ignore[arg-type]


def _enrollment(item: dict[str, Any]) -> Enrollment:
    details = item["details"]
    return Enrollment(
        slug=str(details["slug"]),
        title=str(details["title"]),
        course_id=int(details["id"]),
        progress_percent=_percent(item.get("progress_percent")),
    )


def _lecture_refs(lessons: Iterable[dict[str, Any]]) -> tuple[LectureRef, ...]:
    return tuple(
        LectureRef(
            id=int(lec["id"]),
            title=str(lec.get("title", "")),
            lesson=str(lesson.get("name", "")),
            is_completed=bool(lec.get("is_completed", False)),
        )
        for lesson in lessons
        for lec in lesson.get("lectures") or []
    )


def _course(data: dict[str, Any]) -> Course:
    return Course(
        id=int(data["id"]),
        slug=str(data["slug"]),
        title=str(data["title"]),
        lectures=_lecture_refs(data["lessons"]),
        progress_percent=_percent(data.get("progress_bar")),
    )


def _lecture(data: dict[str, Any]) -> Lecture:
    return Lecture(
        id=int(data["id"]),
        title=str(data.get("title", "")),
        duration_s=parse_duration(data.get("duration")),
        progress_percent=int(float(data.get("progress") or 0)),
        is_completed=bool(data.get("is_completed", False)),
        is_locked=bool(data.get("is_locked", False)),
    )
