import asyncio
import logging
import sys

import httpx
import pytest

from config.logging import RedactSecrets, configure_logging
from core.vtu import (
    CourseNotFound,
    Credentials,
    LoginFailed,
    PlatformUnavailable,
    RetryNotice,
    RetryPolicy,
    UnexpectedResponse,
    VTUClient,
)

from .conftest import EMAIL, PASSWORD, SMALL, make_client


def run(coro):
    return asyncio.run(coro)


async def _login_and_list(client: VTUClient):
    async with client:
        account = await client.login()
        return account, await client.enrollments()


def test_login_keeps_the_cookie_session(vtu):
    account, enrollments = run(_login_and_list(make_client(vtu)))
    assert account.name == "1VT23CS001"
    assert [e.slug for e in enrollments] == [SMALL, "1-benchmark-166"]


@pytest.mark.parametrize("status", [401, 422])
def test_wrong_password_is_a_clear_login_failure(vtu, status):
    vtu.settings.wrong_password_status = status
    with pytest.raises(LoginFailed) as caught:
        run(_login_and_list(make_client(vtu, password="wrong")))
    assert "email and password" in caught.value.user_message
    assert vtu.stats(EMAIL).failed_logins == 1


@pytest.mark.parametrize("shape", ["list", "object", "nested"])
def test_all_three_enrollment_shapes(vtu, shape):
    vtu.settings.enrollments_shape = shape
    _, enrollments = run(_login_and_list(make_client(vtu)))
    assert [e.slug for e in enrollments] == [SMALL, "1-benchmark-166"]


def test_course_lectures_and_no_video(vtu):
    async def scenario():
        async with make_client(vtu) as client:
            course = await client.course(SMALL)
            first, no_video = course.lectures[0], course.lectures[2]
            return (
                course,
                await client.lecture(SMALL, first.id),
                await client.lecture(SMALL, no_video.id),
            )

    course, lecture, no_video = run(scenario())
    assert len(course.lectures) == 10 and course.title == "Control Systems: Ve / -Ve feedback"
    assert lecture.duration_s == 200 and not lecture.is_completed
    assert no_video.duration_s is None


def test_unknown_course_is_course_not_found(vtu):
    async def scenario():
        async with make_client(vtu) as client:
            await client.course("1-no-such-course")

    with pytest.raises(CourseNotFound) as caught:
        run(scenario())
    assert "not among your VTU enrollments" in caught.value.user_message


@pytest.mark.parametrize("status", [401, 403, 419])
def test_expired_session_logs_in_again_transparently(vtu, status):
    vtu.settings.expired_status = status
    vtu.settings.session_max_requests = 3

    async def scenario():
        async with make_client(vtu) as client:
            for _ in range(7):
                await client.enrollments()
            return client.logins

    assert run(scenario()) == 3
    assert vtu.stats(EMAIL).expired_rejections == 2


def test_rate_limit_answers_are_waited_out_with_retry_after(vtu):
    vtu.settings.rate_limit_requests, vtu.settings.rate_limit_window_s = 3, 1.0
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(seconds)

    async def scenario():
        async with make_client(vtu, sleep=sleep) as client:
            for _ in range(5):
                await client.enrollments()

    run(scenario())
    stats = vtu.stats(EMAIL)
    assert stats.too_many_requests >= 1
    assert slept and min(slept) >= 1.0
    assert stats.by_route.get("GET /student/my-enrollments", 0) >= 5


def test_random_server_errors_are_retried(vtu):
    vtu.settings.error_rate = 0.3

    async def scenario():
        async with make_client(vtu) as client:
            return [len((await client.course(SMALL)).lectures) for _ in range(20)]

    assert run(scenario()) == [10] * 20
    assert vtu.stats(EMAIL).injected_errors > 0


def test_platform_down_gives_up_after_bounded_retries(vtu):
    vtu.settings.error_rate = 1.0
    with pytest.raises(PlatformUnavailable) as caught:
        run(_login_and_list(make_client(vtu, retry=RetryPolicy(attempts=3, base_s=0))))
    assert caught.value.retryable
    assert caught.value.status in (500, 502, 503)


def test_each_retry_is_announced_before_its_wait(vtu):
    vtu.settings.error_rate = 1.0
    notices: list[RetryNotice] = []
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        assert len(notices) == len(slept) + 1, "the notice comes before the wait"
        slept.append(seconds)

    client = make_client(
        vtu, retry=RetryPolicy(attempts=3, base_s=0.1), sleep=sleep, on_retry=notices.append
    )
    with pytest.raises(PlatformUnavailable):
        run(_login_and_list(client))
    assert [(n.attempt, n.attempts) for n in notices] == [(2, 3), (3, 3)]
    assert [n.wait_s for n in notices] == slept
    assert all(n.failure.status in (500, 502, 503) for n in notices)


def test_unreachable_platform_is_platform_unavailable():
    client = VTUClient(
        "http://127.0.0.1:9/api/v1",
        Credentials(EMAIL, PASSWORD),
        retry=RetryPolicy(attempts=2, base_s=0),
    )
    with pytest.raises(PlatformUnavailable) as caught:
        run(_login_and_list(client))
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_slow_platform_times_out(vtu):
    vtu.settings.latency_s = 0.5
    http = httpx.AsyncClient(timeout=0.1)
    with pytest.raises(PlatformUnavailable):
        run(_login_and_list(make_client(vtu, http=http, retry=RetryPolicy(attempts=2))))
    run(http.aclose())


def test_an_answer_of_unknown_shape_is_reported():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/login"):
            return httpx.Response(
                200,
                json={"success": True, "data": {"id": 1, "name": "x"}},
                headers={"set-cookie": "access_token=t; Path=/"},
            )
        return httpx.Response(200, json={"success": True, "payload": []})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = VTUClient("http://vtu.invalid/api/v1", Credentials(EMAIL, PASSWORD), http=http)
    with pytest.raises(UnexpectedResponse):
        run(_login_and_list(client))


def test_no_secret_reaches_the_logs_at_the_most_verbose_level(vtu, caplog, request):
    vtu.settings.session_max_requests = 2
    root = logging.getLogger()
    handlers = root.handlers[:]
    configure_logging(verbose=True)
    root.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    request.addfinalizer(lambda: root.handlers.__setitem__(slice(None), handlers))

    async def scenario():
        async with make_client(vtu) as client:
            for _ in range(4):
                await client.enrollments()
            return client.session["access_token"]

    token = run(scenario())
    assert PASSWORD not in caplog.text and token not in caplog.text
    assert "logging in again" in caplog.text


def test_token_shaped_text_is_masked():
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "GET /bot%s/getMe and eyJa.eyJb.c1",
        ("123456789:" + "A" * 35,),
        None,
    )
    RedactSecrets().filter(record)
    assert record.getMessage() == "GET /bot[redacted]/getMe and [redacted]"


def test_token_shaped_text_in_a_traceback_is_masked():
    try:
        raise RuntimeError("POST /bot123456789:" + "B" * 35 + "/sendMessage failed")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    RedactSecrets().filter(record)
    assert "B" * 35 not in record.exc_text and "[redacted]" in record.exc_text
