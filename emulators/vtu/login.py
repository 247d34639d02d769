"""`POST /auth/login` and the answers for a missing or expired session."""

from __future__ import annotations

from typing import Any

from emulators.vtu.catalog import Catalog
from emulators.vtu.sessions import SessionStore
from emulators.vtu.settings import EmulatorSettings
from emulators.vtu.stats import StatsBook
from emulators.vtu.wire import Response, bare_message, failure, ok

STUDENT_ROLE_ID = 3
BAD_CREDENTIALS = "Invalid email or password."
ACCOUNT_LOCKED = "Your account has been locked. Please contact the administrator."
_COOKIE_ATTRIBUTES = "Path=/; HttpOnly; SameSite=Lax"


def expired_session(settings: EmulatorSettings) -> Response:
    if settings.expired_status == 403:
        return failure(403, "FORBIDDEN", "Forbidden")
    if settings.expired_status == 419:
        return bare_message(419, "Page Expired")
    return bare_message(401, "Unauthenticated.")


def login_email(fields: dict[str, Any]) -> str:
    email = fields.get("email")
    return email.strip() if isinstance(email, str) else ""


class LoginRoute:
    """Not thread-safe: the caller holds the emulator's lock."""

    def __init__(self, catalog: Catalog, sessions: SessionStore, stats: StatsBook) -> None:
        self._catalog = catalog
        self._sessions = sessions
        self._stats = stats

    def __call__(
        self, fields: dict[str, Any], now: float, settings: EmulatorSettings, issuer: str
    ) -> Response:
        email = login_email(fields)
        password = fields.get("password")
        errors = []
        if not email:
            errors.append("The email field is required.")
        if not isinstance(password, str) or not password:
            errors.append("The password field is required.")
        if errors:
            return failure(422, "VALIDATION_ERROR", errors[0], errors)
        student = self._catalog.student(email)
        if student is None or student.password != password:
            if student is not None:
                self._stats.student(student.email).failed_logins += 1
            status = settings.wrong_password_status
            return failure(status, "INVALID_CREDENTIALS", BAD_CREDENTIALS)
        if student.locked:
            self._stats.student(student.email).failed_logins += 1
            return failure(403, "ACCOUNT_LOCKED", ACCOUNT_LOCKED)
        access, refresh = self._sessions.open(student.id, now, issuer)
        self._stats.student(student.email).logins += 1
        response = ok(
            "SIGNIN_SUCCESS",
            "Login successful",
            {"id": student.id, "name": student.name, "role_id": STUDENT_ROLE_ID},
        )
        response.headers += [
            ("Set-Cookie", f"access_token={access}; {_COOKIE_ATTRIBUTES}"),
            ("Set-Cookie", f"refresh_token={refresh}; {_COOKIE_ATTRIBUTES}"),
        ]
        return response
