"""One login per expiry: requests in flight, and clients of one student, share a re-login."""

from __future__ import annotations

import asyncio
import math

import pytest

from core.engine import CourseRun
from core.runs.sessions import VaultSessionStore
from core.vault import SecretBox, Vault, new_key
from core.vtu import AccountLocked, LoginFailed, SessionRejected, VTUClient
from emulators.vtu.stats import StudentStats

from .conftest import EMAIL, SMALL, make_client

PER_SESSION = 7
IN_FLIGHT = 4
STUDENT = "telegram:1001"


def sessions_needed(stats: StudentStats, per_session: int = PER_SESSION) -> int:
    """Sessions the authenticated requests the platform admitted needed at `per_session`."""
    refused = stats.expired_rejections + stats.injected_errors + stats.too_many_requests
    admitted = stats.requests - stats.logins - stats.failed_logins - refused
    return math.ceil(admitted / per_session)


async def fetch_in_flight(client: VTUClient, lecture_ids: list[int], rounds: int) -> None:
    """`rounds` lecture-detail requests, `IN_FLIGHT` of them in flight at any time."""
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(lecture_id: int) -> None:
        async with slots:
            await client.lecture(SMALL, lecture_id)

    await asyncio.gather(*(one(lecture_ids[n % len(lecture_ids)]) for n in range(rounds)))


def playable_ids(vtu) -> list[int]:
    course = vtu.catalog.course(SMALL)
    return [lecture.id for lecture in course.lectures if lecture.has_video]


@pytest.fixture
def expiring(vtu):
    vtu.settings.session_max_requests, vtu.settings.expired_status = PER_SESSION, 419
    return vtu


@pytest.fixture
def vault(redis) -> Vault:
    return Vault(redis, SecretBox([new_key()]))


def test_requests_in_flight_share_one_login_per_expiry(expiring):
    async def scenario() -> int:
        async with make_client(expiring) as client:
            await fetch_in_flight(client, playable_ids(expiring), rounds=120)
            return client.logins

    logins = asyncio.run(scenario())
    stats = expiring.stats(EMAIL)
    assert stats.expired_rejections >= 10
    assert logins == stats.logins <= sessions_needed(stats) + 1


def test_a_run_with_four_requests_in_flight_logs_in_once_per_session(expiring):
    expiring.settings.error_rate = 0.1  # overload retries must not waste sessions either

    async def scenario():
        async with make_client(expiring) as client:
            return await CourseRun(client, SMALL, concurrency=IN_FLIGHT).run()

    assert asyncio.run(scenario()).finished
    stats = expiring.stats(EMAIL)
    assert stats.expired_rejections > 3
    assert stats.logins <= sessions_needed(stats) + 1


def test_two_clients_of_one_student_share_the_vaults_session(expiring, vault, redis):
    """Two slices (say, two courses' runs in two workers) log in once per expiry between
    them: whoever meets the expiry first logs in, the other picks the session up."""
    ids = playable_ids(expiring)

    def client() -> VTUClient:
        return make_client(expiring, sessions=VaultSessionStore(vault, STUDENT))

    async def scenario() -> tuple[int, int]:
        async with client() as first, client() as second:
            await asyncio.gather(
                fetch_in_flight(first, ids, rounds=90), fetch_in_flight(second, ids, rounds=90)
            )
            return first.logins, second.logins

    first, second = asyncio.run(scenario())
    stats = expiring.stats(EMAIL)
    assert stats.expired_rejections >= 10
    assert first + second == stats.logins <= sessions_needed(stats) + 1
    assert vault.session(STUDENT)  # saved at each login, not only when a slice ends
    assert not redis.keys("autopilot:login-lock:*")


def test_a_new_client_picks_up_the_saved_session_without_logging_in(vtu, vault):
    async def scenario() -> tuple[int, int]:
        async with make_client(vtu, sessions=VaultSessionStore(vault, STUDENT)) as first:
            await first.enrollments()
        async with make_client(vtu, sessions=VaultSessionStore(vault, STUDENT)) as second:
            await second.enrollments()
        return first.logins, second.logins

    assert asyncio.run(scenario()) == (1, 0)


def test_a_waiting_client_logs_in_itself_when_the_lock_holder_never_finishes(vtu, vault, redis):
    """A holder that died mid-login frees nobody: the waiter logs in after the lock's life."""
    store = VaultSessionStore(vault, STUDENT, lock_ttl_s=0.3)
    redis.set("autopilot:login-lock:" + STUDENT, "dead worker", px=60_000)

    async def scenario() -> int:
        async with make_client(vtu, sessions=store) as client:
            await client.enrollments()
            return client.logins

    assert asyncio.run(scenario()) == 1
    assert vault.session(STUDENT)


def test_a_platform_refusing_fresh_sessions_is_session_rejected_after_two_logins(vtu):
    vtu.settings.session_lifetime_s = 1e-9

    async def scenario() -> None:
        async with make_client(vtu) as client:
            await client.enrollments()

    with pytest.raises(SessionRejected) as caught:
        asyncio.run(scenario())
    assert caught.value.retryable
    assert vtu.stats(EMAIL).logins == 2


def test_a_locked_account_is_its_own_error_not_a_wrong_password(vtu):
    vtu.catalog.student(EMAIL).locked = True

    async def scenario() -> None:
        async with make_client(vtu) as client:
            await client.login()

    with pytest.raises(AccountLocked) as caught:
        asyncio.run(scenario())
    assert not isinstance(caught.value, LoginFailed) and not caught.value.retryable
    assert "locked" in caught.value.user_message and "online.vtu.ac.in" in caught.value.user_message
    assert caught.value.status == 403
