"""Keeping courses complete (`/keep on`): a student's opt-in, and what a nightly check decides.

A kept course is one the student had complete: once it is seen complete (the platform says
100 %, or a run of it completed), the lecture ids it had are remembered. A later night that
finds unfinished lectures whose ids were not among those (lectures the platform added) starts
a run for them. Lectures that were already there unfinished (locked ones, lectures without
video the run skipped) never start a run on their own, and a course the student never
completed is never touched.

The nightly check itself (the platform, the runs, the messages) is a worker job,
`workers.jobs.keep`; this module keeps the state and makes the decisions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core import keys
from core.chat import ChatTarget
from core.runs.record import RunState
from core.timezones import StudentZones, local_now

if TYPE_CHECKING:
    from redis import Redis

    from core.runs.record import RunRecord
    from core.vtu.models import Course

NIGHT_HOURS = range(1, 5)
"""Local hours (01:00 to 04:59) in which a student's courses are checked: off-peak."""
RECHECK_AFTER_S = 20 * 3600
"""A student checked this recently is not checked again (once a night, whatever the pass)."""
CLAIM_S = 30 * 60
"""How long a queued check holds the student against another; a check that could not finish
(the platform down) is thus tried again half an hour later, while it is still night."""


@dataclass(frozen=True)
class KeepState:
    enabled: bool
    home: ChatTarget | None
    """The student's private chat (Telegram) or DM channel (Discord) for the check's news."""
    checked_at: float
    refused_login: str
    """`Vault.login_version` of the login the platform refused, or ""."""


class KeepStore:
    """Who keeps their courses complete, where to tell them, what their courses had."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.zones = StudentZones(redis)

    def enable(self, student: str, home: ChatTarget) -> None:
        with self.redis.pipeline() as pipe:
            pipe.hset(keys.keep(student), "home", json.dumps(home.to_json()))
            pipe.hdel(keys.keep(student), "refused_login")
            pipe.sadd(keys.KEEP_STUDENTS, student)
            pipe.execute()

    def disable(self, student: str) -> None:
        """Stop checking; what is known of the courses goes too (it would be stale later)."""
        with self.redis.pipeline() as pipe:
            pipe.srem(keys.KEEP_STUDENTS, student)
            pipe.delete(keys.keep(student), keys.keep_known(student), keys.keep_claim(student))
            pipe.execute()

    def state(self, student: str) -> KeepState:
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.sismember(keys.KEEP_STUDENTS, student)
            pipe.hgetall(keys.keep(student))
            enabled, raw = pipe.execute()
        data = {k.decode(): v.decode() for k, v in raw.items()}
        home = ChatTarget.from_json(json.loads(data["home"])) if data.get("home") else None
        return KeepState(
            enabled=bool(enabled),
            home=home,
            checked_at=float(data.get("checked_at") or 0),
            refused_login=data.get("refused_login", ""),
        )

    def due(self, now: float) -> list[str]:
        """Students whose night it is and who were not checked in the last ~20 hours."""
        students = sorted(m.decode() for m in self.redis.smembers(keys.KEEP_STUDENTS))
        with self.redis.pipeline(transaction=False) as pipe:
            for student in students:
                pipe.hget(keys.keep(student), "checked_at")
            checked = pipe.execute()
        due = []
        for student, checked_at in zip(students, checked, strict=True):
            if now - float(checked_at or 0) < RECHECK_AFTER_S:
                continue
            if local_now(self.zones.zone(student), now).hour in NIGHT_HOURS:
                due.append(student)
        return due

    def claim(self, student: str) -> bool:
        """Whether this caller may queue the student's check (no other is queued)."""
        return bool(self.redis.set(keys.keep_claim(student), "1", nx=True, ex=CLAIM_S))

    def checked(self, student: str, now: float) -> None:
        """The night's check is done (whatever it found); the claim is released."""
        if self.redis.sismember(keys.KEEP_STUDENTS, student):
            self.redis.hset(keys.keep(student), "checked_at", str(now))
        self.redis.delete(keys.keep_claim(student))

    def login_refused(self, student: str, login_version: str) -> None:
        """The platform refused this stored login: no check until another login is stored."""
        if self.redis.sismember(keys.KEEP_STUDENTS, student):
            self.redis.hset(keys.keep(student), "refused_login", login_version)

    def known(self, student: str) -> dict[str, set[int]]:
        """Each kept course's lecture ids as last known complete."""
        raw = self.redis.hgetall(keys.keep_known(student))
        return {slug.decode(): set(json.loads(ids)) for slug, ids in raw.items()}

    def remember(self, student: str, slug: str, lecture_ids: set[int]) -> None:
        if self.redis.sismember(keys.KEEP_STUDENTS, student):
            self.redis.hset(keys.keep_known(student), slug, json.dumps(sorted(lecture_ids)))


def worth_a_look(percent: float, known: bool, last_run: RunRecord | None) -> bool:
    """Whether a course's lectures must be fetched tonight: to remember a complete course
    not yet known, or to look for added lectures in a kept course that is no longer at
    100 %."""
    if percent >= 100:
        return not known
    return known or (last_run is not None and last_run.state is RunState.COMPLETED)


def added_lectures(course: Course, known: set[int] | None, last_run: RunRecord | None) -> set[int]:
    """The course's unfinished lectures that the platform added since it was complete.

    Known lecture ids say it exactly. A course completed by a run before anything was known
    counts every unfinished lecture that run did not report (as locked, or skipped without
    video)."""
    unfinished = [lecture for lecture in course.lectures if not lecture.is_completed]
    if known is not None:
        return {lecture.id for lecture in unfinished if lecture.id not in known}
    if last_run is None or last_run.state is not RunState.COMPLETED:
        return set()
    reported = {*last_run.skipped_titles, *last_run.locked_titles}
    return {lecture.id for lecture in unfinished if lecture.title not in reported}
