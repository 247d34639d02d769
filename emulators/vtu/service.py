"""The emulated platform behind HTTP: all state, one lock, and the per-request check order."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulators.vtu import routes
from emulators.vtu.catalog import Catalog, Student
from emulators.vtu.login import LoginRoute, expired_session, login_email
from emulators.vtu.ratelimit import RateLimiter, Verdict
from emulators.vtu.sessions import Session, SessionStore
from emulators.vtu.settings import EmulatorSettings
from emulators.vtu.state import LectureProgress, ProgressStore
from emulators.vtu.stats import StatsBook, StudentStats
from emulators.vtu.student_routes import StudentRoutes
from emulators.vtu.wire import Request, Response, bare_message, failure

INJECTED_STATUSES = (500, 502, 503)


@dataclass(frozen=True)
class _Caller:
    throttle_key: str
    student: Student | None
    session: Session | None


class VTUService:
    """Thread-safe: every request runs its checks and its route under one lock."""

    def __init__(
        self,
        catalog: Catalog,
        settings: EmulatorSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.catalog = catalog
        self.settings = settings
        self.issuer = "http://127.0.0.1/api/v1/auth/login"
        self.lock = threading.Lock()
        self._clock = clock
        self._rng = random.Random(settings.seed)
        self._sessions = SessionStore()
        self._limiter = RateLimiter()
        self._progress = ProgressStore()
        self._stats = StatsBook()
        self._login = LoginRoute(catalog, self._sessions, self._stats)
        self._student_routes = StudentRoutes(catalog, self._progress, self._stats, settings.seed)

    def handle(self, request: Request) -> Response:
        latency = self.settings.latency_s
        if latency > 0:
            time.sleep(latency)
        route = routes.match_route(request.method, request.path)
        fields = request.fields() if route.name in (routes.LOGIN, routes.PROGRESS) else {}
        with self.lock:
            settings = self.settings
            now = self._clock()
            self._stats.requests_total += 1
            caller = self._identify(request, route, fields)
            book = self._stats.student(caller.student.email) if caller.student else None
            if book is not None:
                book.requests += 1
                book.by_route[route.label] = book.by_route.get(route.label, 0) + 1
            if self._rng.random() < settings.error_rate:
                if book is not None:
                    book.injected_errors += 1
                return _injected_error(self._rng.choice(INJECTED_STATUSES))
            verdict = self._limiter.admit(caller.throttle_key, now, settings)
            if verdict.retry_after is not None:
                if book is not None:
                    book.too_many_requests += 1
                return _with_rate_headers(bare_message(429, "Too Many Attempts."), verdict)
            if book is not None:
                book.accepted_times.append(now)
            response = self._route(route, caller, fields, now, settings, book)
            return _with_rate_headers(response, verdict)

    def _identify(
        self, request: Request, route: routes.RouteMatch, fields: dict[str, Any]
    ) -> _Caller:
        if route.name == routes.LOGIN:
            email = login_email(fields)
            student = self.catalog.student(email)
            key = f"student:{student.id}" if student else f"email:{email.lower()}"
            return _Caller(key, student, None)
        session = self._sessions.identify(request.bearer_token() or request.cookie("access_token"))
        if session is None:
            return _Caller(f"ip:{request.client}", None, None)
        student = self.catalog.student_by_id(session.student_id)
        return _Caller(f"student:{session.student_id}", student, session)

    def _route(
        self,
        route: routes.RouteMatch,
        caller: _Caller,
        fields: dict[str, Any],
        now: float,
        settings: EmulatorSettings,
        book: StudentStats | None,
    ) -> Response:
        if route.name is None:
            return _no_route(route)
        if route.name == routes.LOGIN:
            return self._login(fields, now, settings, self.issuer)
        student = caller.student
        if (
            caller.session is None
            or student is None
            or not self._sessions.admit(caller.session, now, settings)
        ):
            if book is not None:
                book.expired_rejections += 1
            return expired_session(settings)
        slug = route.params.get("slug", "")
        lecture_id = int(route.params.get("id", "0"))
        if route.name == routes.ENROLLMENTS:
            return self._student_routes.enrollments(student, settings)
        if route.name == routes.COURSE:
            return self._student_routes.course(student, slug, settings)
        if route.name == routes.LECTURE:
            return self._student_routes.lecture(student, slug, lecture_id, now, settings)
        return self._student_routes.heartbeat(student, slug, lecture_id, fields, now, settings)

    def stats(self, email: str) -> StudentStats:
        if self.catalog.student(email) is None:
            raise KeyError(f"unknown student {email!r}")
        with self.lock:
            return self._stats.snapshot(email)

    def stats_all(self) -> dict[str, StudentStats]:
        with self.lock:
            return {s.email: self._stats.snapshot(s.email) for s in self.catalog.students}

    @property
    def requests_total(self) -> int:
        with self.lock:
            return self._stats.requests_total

    def progress(self, email: str, lecture_id: int) -> LectureProgress:
        student = self.catalog.student(email)
        if student is None:
            raise KeyError(f"unknown student {email!r}")
        for slug in student.enrolled:
            lecture = self.catalog.lecture(slug, lecture_id)
            if lecture is not None:
                with self.lock:
                    rounding = self.settings.percent_rounding
                    return self._progress.view(student.id, lecture, rounding)
        raise KeyError(f"lecture {lecture_id} is not in a course of {email!r}")

    def progress_all(self, email: str) -> dict[int, LectureProgress]:
        """Progress on every lecture of every course the student is enrolled in."""
        student = self.catalog.student(email)
        if student is None:
            raise KeyError(f"unknown student {email!r}")
        found: dict[int, LectureProgress] = {}
        with self.lock:
            rounding = self.settings.percent_rounding
            for slug in student.enrolled:
                course = self.catalog.course(slug)
                for lecture in course.lectures if course else []:
                    found[lecture.id] = self._progress.view(student.id, lecture, rounding)
        return found

    def issued_tokens(self) -> list[str]:
        with self.lock:
            return list(self._sessions.issued)

    def reset(self) -> None:
        """Forget progress, counters and throttling windows; sessions stay valid."""
        with self.lock:
            self._progress.reset()
            self._stats.reset()
            self._limiter.reset()
            self._rng.seed(self.settings.seed)

    def reseed(self) -> None:
        with self.lock:
            self._rng.seed(self.settings.seed)


def _injected_error(status: int) -> Response:
    if status == 502:
        page = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
        return Response(502, page, content_type="text/html")
    if status == 503:
        response = bare_message(503, "Service Unavailable")
        response.headers.append(("Retry-After", "1"))
        return response
    return bare_message(status, "Server Error")


def _no_route(route: routes.RouteMatch) -> Response:
    if not route.allowed:
        return failure(404, "NOT_FOUND", "Route not found.")
    method = route.label.split(" ", 1)[0]
    allowed = ", ".join(route.allowed)
    message = f"The {method} method is not supported for this route. Supported methods: {allowed}."
    response = failure(405, "METHOD_NOT_ALLOWED", message)
    response.headers.append(("Allow", allowed))
    return response


def _with_rate_headers(response: Response, verdict: Verdict) -> Response:
    if verdict.limit is not None:
        remaining = 0 if verdict.retry_after is not None else verdict.remaining
        response.headers.append(("X-RateLimit-Limit", str(verdict.limit)))
        response.headers.append(("X-RateLimit-Remaining", str(remaining)))
    if verdict.retry_after is not None:
        response.headers.append(("Retry-After", str(verdict.retry_after)))
    return response
