"""Async client of the VTU platform's JSON API.

One place maps statuses to errors and owns the retry policy: an expired session (401, 403 or
419) is logged in again and the request retried; overload (429, 5xx) and network faults are
retried with full-jitter exponential backoff, honouring `Retry-After`, up to a bound.
Session cookies are kept per client, not in a shared jar, so one `httpx.AsyncClient` (and its
connection pool) can serve many students. Nothing here logs a password, cookie or token.

One login per expiry: every request remembers the session it was sent with. When it meets
an expired session and the client's session has changed since, it just retries with the new
one; otherwise one request logs in (under a lock) while the others wait and reuse the result.
With a `SessionStore`, clients of the same student in other workers share it the same way.
A request that meets two of this client's fresh logins refused before they answered anything
raises `SessionRejected`; an expired session that had answered, or one taken from the store,
is plain expiry.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from core.limits import RateLimiter, Unlimited
from core.vtu import parsing
from core.vtu.errors import (
    AccountLocked,
    CourseNotFound,
    LectureNotPlayable,
    LoginFailed,
    PlatformUnavailable,
    SessionRejected,
    UnexpectedResponse,
    VTUError,
)
from core.vtu.models import Account, Course, Enrollment, Lecture, ProgressAck
from core.vtu.sessions import SessionStore

log = logging.getLogger(__name__)

SESSION_EXPIRED = frozenset({401, 403, 419})
OVERLOADED = frozenset({429, 500, 502, 503, 504})
SESSION_COOKIES = ("access_token", "refresh_token")
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
REFUSALS_ALLOWED = 1
"""Sessions of this client's own logins that a request may see refused before they answered
anything; one more means the platform refuses fresh sessions (`SessionRejected`)."""
EXPIRIES_PER_REQUEST = 20
"""Bound on one request's expired answers, however they come (each is a shared login)."""
LOGIN_POLL_S = 0.05
"""How often a client waiting for another client's login looks for the new session."""


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries for overload and network faults.

    The n-th retry waits a uniformly random time in [0, min(cap_s, base_s * 2**n)] ("full
    jitter"), or the server's `Retry-After` if that is longer.
    """

    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0

    def backoff(self, retry: int, retry_after: float | None = None) -> float:
        jitter = random.uniform(0, min(self.cap_s, self.base_s * 2**retry))
        return max(jitter, retry_after or 0.0)


@dataclass(frozen=True)
class RetryNotice:
    """A request the platform did not answer usefully, about to be tried again: for a person
    watching (`autopilot complete`), so a wait of several seconds is never silent."""

    failure: PlatformUnavailable
    """What went wrong: `status` is the HTTP status, or None when the platform was not
    reached at all (the cause is then a transport error)."""
    attempt: int
    """The attempt about to be made (2 for the first retry)."""
    attempts: int
    """How many attempts the request gets in all."""
    wait_s: float
    """Seconds until that attempt."""


class VTUClient:
    """One student's conversation with the platform."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        http: httpx.AsyncClient | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        sessions: SessionStore | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
        self._limiter = limiter or Unlimited()
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._sessions = sessions
        self._on_retry = on_retry
        self._session: dict[str, str] = {}
        self._renewing = asyncio.Lock()
        self._answered: set[str] = set()
        """Access tokens that have answered a request: refusing those is plain expiry."""
        self._logged_in: set[str] = set()
        """Access tokens of this client's own logins."""
        self.logins = 0

    async def __aenter__(self) -> VTUClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    @property
    def session(self) -> dict[str, str]:
        """The session cookies, to cache (encrypted) between jobs."""
        return dict(self._session)

    def restore_session(self, cookies: dict[str, str]) -> None:
        self._session = {k: v for k, v in cookies.items() if k in SESSION_COOKIES}

    async def login(self) -> Account:
        """Log in with the credentials (always: shared re-logins go through `_renew`)."""
        body = {"email": self.credentials.email, "password": self.credentials.password}
        response, _, _ = await self._send("POST", "/auth/login", body, authenticated=False)
        if response.status_code == 403:
            raise AccountLocked(_message(response), status=403)
        if response.status_code in (400, 401, 422):
            raise LoginFailed(_message(response), status=response.status_code)
        data = _data(response)
        cookies = {name: response.cookies.get(name) for name in SESSION_COOKIES}
        if not cookies["access_token"]:
            raise UnexpectedResponse("login answer set no access_token cookie")
        self._session = {k: v for k, v in cookies.items() if v}
        self._logged_in.add(self._token())
        self.logins += 1
        return parsing.account(data)

    async def enrollments(self) -> list[Enrollment]:
        data, _ = await self._call("GET", "/student/my-enrollments")
        return parsing.enrollments(data)

    async def course(self, slug: str) -> Course:
        data, _ = await self._call("GET", f"/student/my-courses/{slug}")
        return parsing.course(data)

    async def lecture(self, slug: str, lecture_id: int) -> Lecture:
        """A lecture's detail; opening it is what starts the platform's watch clock."""
        path = f"/student/my-courses/{slug}/lectures/{lecture_id}"
        data, sent_at = await self._call("GET", path)
        return replace(parsing.lecture(data), sent_at=sent_at, received_at=time.time())

    async def send_progress(
        self, slug: str, lecture_id: int, *, position_s: int, duration_s: int, watched_s: int
    ) -> ProgressAck:
        """One watch-progress heartbeat: `watched_s` seconds watched, ending at `position_s`."""
        body = {
            "current_time_seconds": position_s,
            "total_duration_seconds": duration_s,
            "seconds_just_watched": watched_s,
        }
        path = f"/student/my-courses/{slug}/lectures/{lecture_id}/progress"
        data, sent_at = await self._call("POST", path, body)
        return replace(parsing.progress_ack(data), sent_at=sent_at, received_at=time.time())

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[Any, float]:
        """An authenticated request: logs in first if needed, and again on expiry.
        Returns the answer's data and when (wall clock) the answered request was sent."""
        if not self._session:
            await self._renew(stale="")
        refusals = 0
        for _ in range(EXPIRIES_PER_REQUEST):
            response, sent_at, sent_with = await self._send(method, path, body)
            if response.status_code not in SESSION_EXPIRED:
                break
            if sent_with in self._logged_in and sent_with not in self._answered:
                refusals += 1
                if refusals > REFUSALS_ALLOWED:
                    raise SessionRejected(_message(response), status=response.status_code)
            log.info("VTU session expired (%s); logging in again", response.status_code)
            await self._renew(stale=sent_with)
        else:
            raise SessionRejected(_message(response), status=response.status_code)
        self._answered.add(sent_with)
        if response.status_code == 404:
            raise CourseNotFound(_message(response), status=404)
        if response.status_code == 422 and "/lectures/" in path:
            raise LectureNotPlayable(_message(response), status=422)
        if response.status_code >= 400:
            raise VTUError(_message(response), status=response.status_code)
        return _data(response), sent_at

    async def _renew(self, stale: str) -> None:
        """Replace the session whose access token is `stale` ("" for none), once for all the
        requests that meet it: whoever comes second finds it already replaced."""
        async with self._renewing:
            if self._token() != stale:
                return  # another request of this client renewed it meanwhile
            if self._sessions is None:
                await self.login()
            else:
                await self._renew_shared(self._sessions, stale)

    async def _renew_shared(self, store: SessionStore, stale: str) -> None:
        """Adopt a newer session from the store, or log in for everyone (holding the store's
        lock), or wait for whoever holds it; log in regardless once the lock's life is over."""
        deadline = time.monotonic() + store.lock_ttl_s
        while True:
            if self._adopt(await store.load(), stale):
                return
            if await store.try_lock():
                try:
                    if self._adopt(await store.load(), stale):
                        return  # saved between our look and our lock
                    await self.login()
                    await store.save(self._session)
                finally:
                    await store.unlock()
                return
            if time.monotonic() >= deadline:
                log.info("VTU login by another client did not finish; logging in here")
                await self.login()
                await store.save(self._session)
                return
            await asyncio.sleep(LOGIN_POLL_S)

    def _adopt(self, shared: dict[str, str], stale: str) -> bool:
        """Take `shared` if it is a session other than the refused one."""
        token = shared.get("access_token", "")
        if not token or token == stale:
            return False
        self.restore_session(shared)
        return True

    def _token(self) -> str:
        return self._session.get("access_token", "")

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None, *, authenticated: bool = True
    ) -> tuple[httpx.Response, float, str]:
        """One request with the retry policy for overload and network faults; returns the
        response, the wall-clock time its request was sent and the access token it carried
        (each attempt carries the newest session)."""
        for retry in range(self._retry.attempts):
            await self._limiter.acquire()
            token = self._token() if authenticated else ""
            headers = self._auth_headers() if authenticated else {}
            sent_at = time.time()
            try:
                response = await self._http.request(
                    method, self.base_url + path, json=body, headers=headers
                )
            except httpx.TransportError as exc:
                failure: PlatformUnavailable = PlatformUnavailable(
                    f"{type(exc).__name__} on {method} {path}"
                )
                failure.__cause__ = exc
            else:
                if response.status_code not in OVERLOADED:
                    return response, sent_at, token
                failure = PlatformUnavailable(
                    _message(response),
                    status=response.status_code,
                    retry_after=_retry_after(response),
                )
            log.info("VTU %s %s: %s; retry %d", method, path, failure.status or failure, retry + 1)
            if retry + 1 < self._retry.attempts:
                wait_s = self._retry.backoff(retry, failure.retry_after)
                if self._on_retry is not None:
                    self._on_retry(RetryNotice(failure, retry + 2, self._retry.attempts, wait_s))
                await self._sleep(wait_s)
        raise failure

    def _auth_headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self._session.items())
        token = self._session.get("access_token", "")
        return {"Cookie": cookie, "Authorization": f"Bearer {token}", "Accept": "application/json"}


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _message(response: httpx.Response) -> str:
    body = _json(response)
    if isinstance(body, dict):
        errors = body.get("errors")
        message = body.get("message") or (errors[0] if isinstance(errors, list) and errors else "")
        if message:
            return f"{response.status_code}: {message}"
    return f"{response.status_code}: {response.reason_phrase}"


def _data(response: httpx.Response) -> Any:
    body = _json(response)
    if not isinstance(body, dict) or "data" not in body:
        raise UnexpectedResponse(f"{response.request.url.path} answered without a data envelope")
    if body.get("success") is False:
        raise UnexpectedResponse(f"{response.request.url.path}: {_message(response)}")
    return body["data"]
