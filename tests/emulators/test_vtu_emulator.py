"""The VTU platform emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest

from emulators.vtu import (
    Catalog,
    EmulatorSettings,
    VTUEmulator,
    benchmark_course,
    seed_catalog,
)
from emulators.vtu.control import catalog_to_json

EMAIL = "student1@vtu.test"
PASSWORD = "pass-1-word"
SLUG = "1-test-course"
BEAT = "/student/my-courses/{slug}/lectures/{id}/progress"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def build_catalog() -> Catalog:
    catalog = seed_catalog(
        seed=7, students=2, courses_per_student=2, lectures_range=(10, 14), no_video_share=0
    )
    catalog.add_course(SLUG, "Signals / Systems", [[535, 200], [0, 0, 300]])
    catalog.enroll(EMAIL, SLUG)
    return catalog


def lecture_ids(catalog: Catalog) -> list[int]:
    course = catalog.course(SLUG)
    assert course is not None
    return [lecture.id for lecture in course.lectures]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Harness:
    """Starts emulators (throttling off unless asked) and logged-in clients; closes them all."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.emulators: list[VTUEmulator] = []
        self.clients: list[httpx.Client] = []

    def start(self, **overrides: object) -> VTUEmulator:
        overrides.setdefault("rate_limit_requests", None)
        settings = EmulatorSettings(**overrides)  # type: ignore[arg-type]
        emulator = VTUEmulator(build_catalog(), settings, clock=self.clock).start()
        self.emulators.append(emulator)
        return emulator

    def client(self, emulator: VTUEmulator, email: str | None = EMAIL) -> httpx.Client:
        session = httpx.Client(base_url=emulator.base_url, timeout=5)
        self.clients.append(session)
        if email is not None:
            password = PASSWORD if email == EMAIL else "pass-2-word"
            answer = session.post("/auth/login", json={"email": email, "password": password})
            assert answer.status_code == 200, answer.text
        return session

    def close(self) -> None:
        for session in self.clients:
            session.close()
        for emulator in self.emulators:
            emulator.stop()


@pytest.fixture
def vtu(clock: FakeClock) -> Iterator[Harness]:
    harness = Harness(clock)
    yield harness
    harness.close()


def beat(client: httpx.Client, lecture_id: int, watched: float, slug: str = SLUG) -> httpx.Response:
    body = {
        "current_time_seconds": 10,
        "total_duration_seconds": 99999,
        "seconds_just_watched": watched,
    }
    return client.post(BEAT.format(slug=slug, id=lecture_id), json=body)


def jwt_part(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# --- login, envelope, tokens -------------------------------------------------------------


def test_login_sets_jwt_cookies_in_an_escaped_envelope(vtu) -> None:
    emu = vtu.start()
    with httpx.Client(base_url=emu.base_url) as client:
        answer = client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    student = emu.catalog.student(EMAIL)
    assert body["success"] is True and body["code"] == "SIGNIN_SUCCESS"
    assert body["message"] == "Login successful" and body["errors"] == []
    assert body["data"] == {"id": student.id, "name": student.name, "role_id": 3}
    assert body["meta"]["version"] == "v1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30", body["meta"]["server_time"])
    cookies = answer.headers.get_list("set-cookie")
    assert [c.split("=", 1)[0] for c in cookies] == ["access_token", "refresh_token"]
    assert all(c.endswith("; Path=/; HttpOnly; SameSite=Lax") for c in cookies)
    token = answer.cookies["access_token"]
    assert jwt_part(token, 0) == {"typ": "JWT", "alg": "HS256"}
    claims = jwt_part(token, 1)
    assert claims["exp"] - claims["iat"] == 3600 and claims["nbf"] == claims["iat"]
    assert claims["sub"] == str(student.id) and claims["jti"] and claims["prv"]
    assert "\\/" in base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()


def test_slashes_are_php_escaped(vtu) -> None:
    emu = vtu.start()
    client = vtu.client(emu)
    answer = client.get(f"/student/my-courses/{SLUG}")
    assert '"title":"Signals \\/ Systems"' in answer.text
    assert "/" not in answer.text.replace("\\/", "")
    assert answer.json()["data"]["title"] == "Signals / Systems"


def test_bearer_header_authenticates_without_cookies(vtu) -> None:
    emu = vtu.start()
    client = vtu.client(emu)
    token = client.cookies["access_token"]
    with httpx.Client(base_url=emu.base_url) as bare:
        assert bare.get("/student/my-enrollments").status_code == 401
        headers = {"Authorization": f"Bearer {token}"}
        assert bare.get("/student/my-enrollments", headers=headers).status_code == 200
        head, _claims, signature = token.split(".")
        forged = base64.urlsafe_b64encode(b'{"sub":"1","jti":"x"}').rstrip(b"=").decode()
        headers = {"Authorization": f"Bearer {head}.{forged}.{signature}"}
        assert bare.get("/student/my-enrollments", headers=headers).status_code == 401


@pytest.mark.parametrize("status", [401, 422])
def test_wrong_password_answers_the_configured_status(vtu, status: int) -> None:
    emu = vtu.start(wrong_password_status=status)
    client = vtu.client(emu, email=None)
    for email in (EMAIL, "nobody@vtu.test"):
        answer = client.post("/auth/login", json={"email": email, "password": "wrong"})
        assert answer.status_code == status
        body = answer.json()
        assert body["success"] is False and body["code"] == "INVALID_CREDENTIALS"
        assert body["message"] == "Invalid email or password."
        assert body["errors"] == ["Invalid email or password."]
    assert "access_token" not in client.cookies
    assert emu.stats(EMAIL).failed_logins == 1 and emu.stats(EMAIL).logins == 0
    assert client.post("/auth/login", json={}).status_code == 422


def test_a_locked_account_answers_403_at_login_even_with_the_right_password(vtu) -> None:
    emu = vtu.start()
    student = emu.catalog.student(EMAIL)
    assert student is not None
    student.locked = True
    client = vtu.client(emu, email=None)
    answer = client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 403
    assert answer.json()["code"] == "ACCOUNT_LOCKED"
    assert "access_token" not in client.cookies
    assert emu.stats(EMAIL).failed_logins == 1 and emu.stats(EMAIL).logins == 0


# --- catalog routes ----------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["list", "object", "nested"])
def test_enrollments_come_in_each_shape(vtu, shape: str) -> None:
    emu = vtu.start(enrollments_shape=shape)
    data = vtu.client(emu).get("/student/my-enrollments").json()["data"]
    items = {"list": lambda: data, "object": lambda: list(data.values())}.get(
        shape, lambda: data["data"]
    )()
    if shape == "object":
        assert list(data) == ["0", "1", "2"]
    slugs = [item["details"]["slug"] for item in items]
    assert slugs == emu.catalog.student(EMAIL).enrolled and SLUG in slugs
    course = emu.catalog.course(SLUG)
    mine = items[slugs.index(SLUG)]
    assert mine["course_id"] == course.id and mine["progress_percent"] == "0.00"
    assert mine["details"] == {"id": course.id, "slug": SLUG, "title": "Signals / Systems"}
    assert isinstance(mine["id"], int)


def test_course_detail_and_its_404s(vtu) -> None:
    emu = vtu.start()
    client = vtu.client(emu)
    data = client.get(f"/student/my-courses/{SLUG}").json()["data"]
    assert (data["total_lessons"], data["total_lectures"], data["progress_bar"]) == (2, 5, "0.00")
    assert [lesson["total_lectures"] for lesson in data["lessons"]] == [2, 3]
    first = data["lessons"][0]["lectures"][0]
    assert set(first) == {"id", "title", "is_completed"} and first["is_completed"] is False
    not_mine = emu.catalog.student("student2@vtu.test").enrolled[-1]
    assert not_mine not in emu.catalog.student(EMAIL).enrolled
    other_lecture = emu.catalog.courses[0].lectures[0].id
    for path in (
        "/student/my-courses/no-such-course",
        f"/student/my-courses/{not_mine}",
        f"/student/my-courses/{SLUG}/lectures/{other_lecture}",
        f"/student/my-courses/{SLUG}/lectures/999999",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["success"] is False and answer.json()["code"] == "NOT_FOUND"


def test_lecture_detail_durations_and_touch(vtu, clock: FakeClock) -> None:
    emu = vtu.start()
    client = vtu.client(emu)
    ids = lecture_ids(emu.catalog)
    details = [client.get(f"/student/my-courses/{SLUG}/lectures/{i}").json()["data"] for i in ids]
    assert [d["duration"] for d in details] == [
        "00:08:55 mins",
        "00:03:20 mins",
        "",
        "00:00:00 mins",
        "00:05:00 mins",
    ]
    first = details[0]
    assert first["is_free"] is False and first["is_locked"] is False
    assert first["progress"] == 0 and first["is_completed"] is False
    assert first["content"]["video_setup"]["source_type"] == "youtube"
    assert len(first["content"]["video_setup"]["video_id"]) == 11
    assert emu.progress(EMAIL, ids[0]).last_touch == clock.now


def test_unknown_route_is_404_and_wrong_method_405(vtu) -> None:
    emu = vtu.start()
    client = vtu.client(emu)
    missing = client.get("/student/nothing-here")
    assert missing.status_code == 404 and missing.json()["success"] is False
    wrong = client.get("/auth/login")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"


# --- credit rules ------------------------------------------------------------------------


def test_chunk_cap_clamps(vtu) -> None:
    emu = vtu.start(wallclock_cap=False)
    lecture = lecture_ids(emu.catalog)[0]
    answer = beat(vtu.client(emu), lecture, 500)
    assert answer.status_code == 200
    assert answer.json()["data"] == {"percent": 22, "is_completed": False}
    assert answer.json()["code"] == "PROGRESS_UPDATED"
    assert emu.progress(EMAIL, lecture).credited_s == 120
    assert emu.stats(EMAIL).lectures[lecture].full_credit == 1


def test_chunk_cap_refuses(vtu) -> None:
    emu = vtu.start(wallclock_cap=False, chunk_over_cap="refuse")
    lecture = lecture_ids(emu.catalog)[0]
    client = vtu.client(emu)
    refused = beat(client, lecture, 121)
    assert refused.status_code == 422 and refused.json()["success"] is False
    assert "greater than 120" in refused.json()["message"]
    assert emu.progress(EMAIL, lecture).credited_s == 0
    assert beat(client, lecture, 120).status_code == 200
    counts = emu.stats(EMAIL).lectures[lecture]
    assert (counts.refused, counts.heartbeats, counts.credited_s) == (1, 1, 120)


def test_wallclock_cap_scales_with_time(vtu, clock: FakeClock) -> None:
    emu = vtu.start(time_scale=3.0)
    lecture = lecture_ids(emu.catalog)[0]
    client = vtu.client(emu)
    client.get(f"/student/my-courses/{SLUG}/lectures/{lecture}")
    clock.advance(10)
    assert beat(client, lecture, 120).json()["data"]["percent"] == 5
    clock.advance(100)
    assert beat(client, lecture, 120).json()["data"]["percent"] == 28
    assert emu.progress(EMAIL, lecture).credited_s == 150
    counts = emu.stats(EMAIL).lectures[lecture]
    assert (counts.partial_credit, counts.full_credit) == (1, 1)


def test_untouched_lecture_earns_nothing_first(vtu, clock: FakeClock) -> None:
    emu = vtu.start()
    lecture = lecture_ids(emu.catalog)[0]
    client = vtu.client(emu)
    assert beat(client, lecture, 120).json()["data"]["percent"] == 0
    assert emu.progress(EMAIL, lecture).credited_s == 0
    clock.advance(60)
    beat(client, lecture, 120)
    assert emu.progress(EMAIL, lecture).credited_s == 60


def test_over_crediting_is_visible_and_late_heartbeats_counted(vtu) -> None:
    emu = vtu.start(wallclock_cap=False)
    lecture = lecture_ids(emu.catalog)[1]
    client = vtu.client(emu)
    assert beat(client, lecture, 120).json()["data"] == {"percent": 60, "is_completed": False}
    assert beat(client, lecture, 120).json()["data"] == {"percent": 100, "is_completed": True}
    assert beat(client, lecture, 120).json()["data"] == {"percent": 100, "is_completed": True}
    progress = emu.progress(EMAIL, lecture)
    assert progress.credited_s == 240 and progress.is_completed
    counts = emu.stats(EMAIL).lectures[lecture]
    assert (counts.heartbeats, counts.after_complete, counts.credited_s) == (3, 1, 240)
    course = client.get(f"/student/my-courses/{SLUG}").json()["data"]
    assert course["lessons"][0]["lectures"][1]["is_completed"] is True
    assert course["progress_bar"] == "33.33"


def test_percent_rounding_setting(vtu) -> None:
    emu = vtu.start(wallclock_cap=False, percent_rounding="round")
    lecture = lecture_ids(emu.catalog)[0]
    client = vtu.client(emu)
    assert beat(client, lecture, 3).json()["data"]["percent"] == 1
    emu.settings.percent_rounding = "floor"
    assert emu.progress(EMAIL, lecture).percent == 0


def test_no_video_and_invalid_bodies_are_422(vtu) -> None:
    emu = vtu.start(wallclock_cap=False)
    ids = lecture_ids(emu.catalog)
    client = vtu.client(emu)
    no_video = beat(client, ids[2], 30)
    assert no_video.status_code == 422
    assert no_video.json()["message"] == "This lecture has no playable video."
    url = BEAT.format(slug=SLUG, id=ids[0])
    for body, count in (
        ({}, 3),
        ({"current_time_seconds": 1, "total_duration_seconds": 2, "seconds_just_watched": "x"}, 1),
        ({"current_time_seconds": -1, "total_duration_seconds": 2, "seconds_just_watched": -5}, 2),
    ):
        answer = client.post(url, json=body)
        assert answer.status_code == 422
        assert len(answer.json()["errors"]) == count
    assert client.post(url, content=b"not json").status_code == 422
    assert emu.stats(EMAIL).heartbeats == 0


# --- sessions, throttling, faults -------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"message": "Unauthenticated."}),
        (403, {"success": False, "message": "Forbidden"}),
        (419, {"message": "Page Expired"}),
    ],
)
def test_session_expires_after_its_lifetime(vtu, clock: FakeClock, status: int, body) -> None:
    emu = vtu.start(session_lifetime_s=100, expired_status=status)
    client = vtu.client(emu)
    clock.advance(99)
    assert client.get("/student/my-enrollments").status_code == 200
    clock.advance(1)
    answer = client.get("/student/my-enrollments")
    assert answer.status_code == status
    assert body.items() <= answer.json().items()
    assert emu.stats(EMAIL).expired_rejections == 1
    client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert client.get("/student/my-enrollments").status_code == 200


@pytest.mark.parametrize("status", [401, 403, 419])
def test_session_expires_after_max_requests(vtu, status: int) -> None:
    emu = vtu.start(session_max_requests=3, expired_status=status)
    client = vtu.client(emu)
    codes = [client.get("/student/my-enrollments").status_code for _ in range(5)]
    assert codes == [200, 200, 200, status, status]
    assert emu.stats(EMAIL).expired_rejections == 2


def test_rate_limit_answers_429_and_refusals_do_not_count(vtu, clock: FakeClock) -> None:
    emu = vtu.start(rate_limit_requests=3, rate_limit_window_s=10)
    client = vtu.client(emu)
    clock.advance(1)
    assert client.get("/student/my-enrollments").status_code == 200
    clock.advance(1)
    assert client.get("/student/my-enrollments").status_code == 200
    clock.advance(1)
    refused = client.get("/student/my-enrollments")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "7"
    assert refused.json() == {"message": "Too Many Attempts."}
    clock.advance(2)
    assert client.get("/student/my-enrollments").headers["retry-after"] == "5"
    clock.advance(5)
    assert client.get("/student/my-enrollments").status_code == 200
    clock.advance(1)
    assert client.get("/student/my-enrollments").status_code == 200
    stats = emu.stats(EMAIL)
    assert stats.too_many_requests == 2 and len(stats.accepted_times) == 5
    assert stats.requests == 7


def test_min_interval_draws_429(vtu, clock: FakeClock) -> None:
    emu = vtu.start(min_interval_s=0.05)
    client = vtu.client(emu)
    answer = client.get("/student/my-enrollments")
    assert answer.status_code == 429 and answer.headers["retry-after"] == "1"
    clock.advance(0.06)
    assert client.get("/student/my-enrollments").status_code == 200


def test_error_rate_one_fails_everything_before_any_change(vtu) -> None:
    emu = vtu.start(wallclock_cap=False, rate_limit_requests=5)
    lecture = lecture_ids(emu.catalog)[0]
    client = vtu.client(emu)
    emu.settings.error_rate = 1.0
    answers = [beat(client, lecture, 60) for _ in range(30)]
    assert {answer.status_code for answer in answers} == {500, 502, 503}
    assert all(a.headers["retry-after"] == "1" for a in answers if a.status_code == 503)
    emu.settings.error_rate = 0.0
    progress = emu.progress(EMAIL, lecture)
    assert progress.credited_s == 0 and progress.last_touch is None
    stats = emu.stats(EMAIL)
    assert stats.injected_errors >= 30 and stats.heartbeats == 0 and stats.too_many_requests == 0
    assert beat(client, lecture, 60).status_code == 200


def test_stats_count_what_happened(vtu) -> None:
    emu = vtu.start(wallclock_cap=False)
    lecture = lecture_ids(emu.catalog)[0]
    client = vtu.client(emu)
    client.get("/student/my-enrollments")
    client.get(f"/student/my-courses/{SLUG}")
    beat(client, lecture, 30)
    stats = emu.stats(EMAIL)
    assert stats.requests == 4 and stats.logins == 1 and stats.heartbeats == 1
    assert stats.by_route == {
        "POST /auth/login": 1,
        "GET /student/my-enrollments": 1,
        "GET /student/my-courses/{slug}": 1,
        "POST /student/my-courses/{slug}/lectures/{id}/progress": 1,
    }
    assert len(stats.accepted_times) == 4 and emu.requests_total == 4
    assert set(emu.stats_all()) == {EMAIL, "student2@vtu.test"}
    assert emu.stats_all()["student2@vtu.test"].requests == 0
    with pytest.raises(KeyError):
        emu.stats("nobody@vtu.test")


def test_concurrent_students_are_counted_exactly(vtu) -> None:
    emu = vtu.start(wallclock_cap=False)
    lecture = lecture_ids(emu.catalog)[4]
    clients = [vtu.client(emu) for _ in range(4)]

    def hammer(client: httpx.Client) -> None:
        for _ in range(25):
            assert beat(client, lecture, 1).status_code == 200

    threads = [threading.Thread(target=hammer, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert emu.progress(EMAIL, lecture).credited_s == 100
    assert emu.stats(EMAIL).heartbeats == 100


# --- control endpoints, catalog, CLI ----------------------------------------------------


def test_control_endpoints(vtu) -> None:
    emu = vtu.start(wallclock_cap=False)
    lecture = lecture_ids(emu.catalog)[0]
    beat(vtu.client(emu), lecture, 60)
    root = emu.base_url.removesuffix("/api/v1") + "/__emulator__"
    with httpx.Client(base_url=root) as control:
        assert control.get("/settings").json()["wallclock_cap"] is False
        patched = control.patch("/settings", json={"time_scale": 60, "expired_status": 419})
        assert patched.status_code == 200 and patched.json()["time_scale"] == 60.0
        assert emu.settings.time_scale == 60.0 and emu.settings.expired_status == 419
        assert control.patch("/settings", json={"expired_status": 500}).status_code == 422
        assert control.patch("/settings", json={"bogus": 1}).status_code == 422
        assert emu.settings.expired_status == 419
        stats = control.get("/stats").json()
        assert stats["requests_total"] == 2
        assert stats["students"][EMAIL]["lectures"][str(lecture)]["credited_s"] == 60
        progress = control.get("/progress", params={"email": EMAIL}).json()["lectures"]
        assert progress[str(lecture)]["percent"] == 11
        catalog = control.get("/catalog").json()
        assert {"email": EMAIL, "password": PASSWORD}.items() <= catalog["students"][0].items()
        durations = [
            lec["duration_s"]
            for course in catalog["courses"]
            if course["slug"] == SLUG
            for lesson in course["lessons"]
            for lec in lesson["lectures"]
        ]
        assert durations == [535, 200, 0, 0, 300]
        assert control.post("/reset").status_code == 200
        assert control.get("/nothing").status_code == 404
    assert emu.progress(EMAIL, lecture).credited_s == 0 and emu.stats(EMAIL).requests == 0


def test_the_platform_can_add_a_lecture_to_a_course(vtu) -> None:
    emu = vtu.start(wallclock_cap=False)
    client = vtu.client(emu)
    course = client.get(f"/student/my-courses/{SLUG}").json()["data"]
    before = [lec["id"] for lesson in course["lessons"] for lec in lesson["lectures"]]
    added = emu.add_lecture(SLUG, 240)
    root = emu.base_url.removesuffix("/api/v1") + "/__emulator__"
    with httpx.Client(base_url=root) as control:
        answer = control.post("/lectures", json={"course": SLUG, "duration_s": 60})
        assert answer.status_code == 201 and answer.json()["lecture"]["duration_s"] == 60
        assert control.post("/lectures", json={"course": "nope"}).status_code == 422
        assert control.post("/lectures", json={"course": SLUG, "duration_s": -1}).status_code == 422
        assert control.post("/lectures", content=b"[").status_code == 400
    course = client.get(f"/student/my-courses/{SLUG}").json()["data"]
    after = [lec["id"] for lesson in course["lessons"] for lec in lesson["lectures"]]
    assert after == [*before, added, answer.json()["lecture"]["id"]]
    assert course["total_lectures"] == len(before) + 2
    assert added > max(lecture_ids(emu.catalog)[: len(before)])
    detail = client.get(f"/student/my-courses/{SLUG}/lectures/{added}").json()["data"]
    assert detail["duration"] == "00:04:00 mins" and detail["is_completed"] is False


def test_settings_update_is_validated_and_coerced() -> None:
    settings = EmulatorSettings()
    settings.update({"chunk_cap_s": 60, "session_max_requests": None, "wallclock_cap": False})
    assert settings.chunk_cap_s == 60.0 and isinstance(settings.chunk_cap_s, float)
    for bad in ({"error_rate": 2}, {"seed": "x"}, {"wallclock_cap": 1}, {"nope": 1}):
        with pytest.raises(ValueError):
            settings.update(bad)
    assert settings.error_rate == 0.0


def test_seeded_catalogs_are_deterministic_and_realistic() -> None:
    first, second = seed_catalog(seed=3), seed_catalog(seed=3)
    assert catalog_to_json(first) == catalog_to_json(second)
    assert catalog_to_json(first) != catalog_to_json(seed_catalog(seed=4))
    assert first.courses[0].slug == "1-social-networks"
    for course in first.courses:
        assert 100 <= len(course.lectures) <= 170 and 8 <= len(course.lessons) <= 14
        assert any(not lecture.has_video for lecture in course.lectures)
    assert [s.email for s in first.students] == [f"student{i}@vtu.test" for i in (1, 2, 3)]
    bench = benchmark_course(first)
    assert (len(bench.lectures), len(bench.lessons)) == (166, 12)
    assert sum(not lecture.has_video for lecture in bench.lectures) == 3
    assert all(180 <= lec.duration_s <= 1500 for lec in bench.lectures if lec.has_video)
    assert benchmark_course(first) is bench


def test_cli_serves_until_sigterm() -> None:
    command = [sys.executable, "-m", "emulators.vtu", "--port", "0", "--students", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        base_url = re.search(r"http://127\.0\.0\.1:\d+/api/v1", first)
        assert base_url, first
        logins = [process.stdout.readline() for _ in range(3)]
        assert "student1@vtu.test  pass-1-word" in logins[2]
        with httpx.Client(base_url=base_url.group(0)) as client:
            answer = client.post("/auth/login", json={"email": EMAIL, "password": PASSWORD})
            assert answer.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
        assert "stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_cli_rejects_non_loopback_host() -> None:
    answer = subprocess.run(
        [sys.executable, "-m", "emulators.vtu", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert answer.returncode == 2 and "only 127.0.0.1" in answer.stderr
