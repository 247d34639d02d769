"""Login sessions: issuing access tokens and deciding whether one is still valid."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from emulators.vtu import tokens
from emulators.vtu.settings import EmulatorSettings


@dataclass
class Session:
    jti: str
    student_id: int
    started: float
    requests: int = 0


class SessionStore:
    """Not thread-safe: the caller holds the emulator's lock."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._sessions: dict[str, Session] = {}
        self.issued: list[str] = []
        """Every access and refresh token handed out, so tests can look for leaks."""

    def open(self, student_id: int, started: float, issuer: str) -> tuple[str, str]:
        """Start a session; returns (access_token, refresh_token)."""
        jti = secrets.token_urlsafe(12)
        self._sessions[jti] = Session(jti, student_id, started)
        claims = tokens.claims_for(student_id, jti, issuer, int(time.time()))
        access, refresh = tokens.encode(self._secret, claims), secrets.token_urlsafe(48)
        self.issued += [access, refresh]
        return access, refresh

    def identify(self, token: str | None) -> Session | None:
        """The session a genuine token belongs to, whether or not it has expired."""
        if not token:
            return None
        claims = tokens.decode(self._secret, token)
        if claims is None:
            return None
        session = self._sessions.get(str(claims.get("jti")))
        if session is None or str(session.student_id) != claims.get("sub"):
            return None
        return session

    def admit(self, session: Session, now: float, settings: EmulatorSettings) -> bool:
        """Count one authenticated request against the session; False once it has expired."""
        if now - session.started >= settings.session_lifetime_s:
            return False
        limit = settings.session_max_requests
        if limit is not None and session.requests >= limit:
            return False
        session.requests += 1
        return True
