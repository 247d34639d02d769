"""The metrics endpoint: Prometheus text that counts what really happened, from Redis."""

from __future__ import annotations

import dataclasses
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from core.metrics.http import TrafficClassifier
from core.runs.queues import QUEUES, JSONJob, queue
from emulators.telegram import TelegramEmulator
from tests.core.conftest import EMAIL
from workers.metrics import serve_metrics, serve_metrics_when_free

from .conftest import SMALL, STUDENT


@pytest.fixture
def exporter(redis):
    server = serve_metrics(redis, 0)
    assert server is not None
    yield server
    server.stop()


def scrape(server) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample of the endpoint: name -> {sorted labels: value}."""
    text = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=10).text
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def total(samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for key, v in samples.get(name, {}).items() if wanted <= set(key))


class CountingWorker(SimpleWorker):
    """Knows how many jobs it performed, across bursts."""

    performed = 0

    def perform_job(self, job, queue, execution):
        CountingWorker.performed += 1
        return super().perform_job(job, queue, execution)


def run_to_the_end(redis, done) -> int:
    """Work the queues in-process until `done()`; returns how many jobs ran."""
    CountingWorker.performed = 0
    worker = CountingWorker(
        [queue(redis, name) for name in QUEUES],
        connection=redis,
        serializer=JSONSerializer,
        job_class=JSONJob,
    )
    deadline = time.monotonic() + 60
    while not done():
        assert time.monotonic() < deadline, "the run did not finish in time"
        worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
        time.sleep(0.02)
    return CountingWorker.performed


def test_a_run_is_counted_as_the_platform_saw_it(ctx, logged_in, redis, vtu, exporter):
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    jobs = run_to_the_end(redis, lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    assert ctx.runs.get(STUDENT, run_id).state.value == "completed"
    platform = vtu.stats(EMAIL)

    samples = scrape(exporter)

    assert total(samples, "autopilot_platform_requests_total") == vtu.requests_total
    assert total(samples, "autopilot_platform_requests_total") == platform.requests
    assert total(samples, "autopilot_platform_requests_total", endpoint="progress") == (
        platform.by_route.get("progress", platform.heartbeats)
    )
    assert total(samples, "autopilot_platform_logins_total", outcome="ok") == platform.logins
    assert platform.logins >= 1
    assert total(samples, "autopilot_platform_throttled_total") == platform.too_many_requests
    assert total(samples, "autopilot_platform_server_errors_total") == platform.injected_errors
    assert total(samples, "autopilot_runs_finished_total", outcome="completed") == 1
    assert total(samples, "autopilot_run_duration_seconds_count", outcome="completed") == 1
    assert total(samples, "autopilot_job_start_latency_seconds_count") == jobs
    assert jobs >= 1
    for name in QUEUES:
        assert total(samples, "autopilot_queue_depth", queue=name) == 0
        assert total(samples, "autopilot_dead_letter_jobs", queue=name) == 0
    assert total(samples, "autopilot_active_runs") == 0
    assert total(samples, "autopilot_active_students") == 0
    assert total(samples, "autopilot_redis_up") == 1


def test_live_state_and_failures_are_counted(ctx, logged_in, redis, vtu, exporter):
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    samples = scrape(exporter)
    assert total(samples, "autopilot_queue_depth", queue="autopilot-runs") == 1
    assert total(samples, "autopilot_active_runs", state="queued") == 1
    assert total(samples, "autopilot_active_students") == 1

    vtu.settings.error_rate = 1.0  # every request answers 5xx
    worker = SimpleWorker(
        [queue(redis, name) for name in QUEUES],
        connection=redis,
        serializer=JSONSerializer,
        job_class=JSONJob,
    )
    worker.work(burst=True, with_scheduler=False, logging_level="ERROR")
    platform = vtu.stats(EMAIL)
    samples = scrape(exporter)
    assert platform.injected_errors >= 1
    assert total(samples, "autopilot_platform_server_errors_total") == platform.injected_errors
    assert total(samples, "autopilot_platform_requests_total") == vtu.requests_total
    assert total(samples, "autopilot_active_runs", state="retrying") == 1
    assert total(samples, "autopilot_queue_scheduled_jobs", queue="autopilot-runs") == 1
    assert ctx.runs.get(STUDENT, run_id).state.value == "retrying"


def test_chat_messages_edits_and_their_429s_are_counted(ctx, redis, exporter):
    with TelegramEmulator(clock=lambda: 100.0) as telegram:  # a frozen clock: no refill
        ctx.settings = dataclasses.replace(ctx.settings, telegram_api_base_url=telegram.base_url)
        telegram.send_text(1001, "/start")
        root = f"{telegram.base_url}{telegram.token}/"

        async def talk() -> list[int]:
            statuses = []
            for n in range(5):
                sent = await ctx.http.post(
                    root + "sendMessage", json={"chat_id": 1001, "text": f"m{n}"}
                )
                statuses.append(sent.status_code)
            edit = {"chat_id": 1001, "message_id": 2, "text": "edited"}
            statuses.append((await ctx.http.post(root + "editMessageText", json=edit)).status_code)
            return statuses

        statuses = ctx.run(talk())
        throttled = telegram.throttled
    samples = scrape(exporter)
    assert statuses.count(429) == len(throttled) >= 2
    assert total(samples, "autopilot_chat_messages_total", platform="telegram", kind="send") == 5
    assert total(samples, "autopilot_chat_messages_total", platform="telegram", kind="edit") == 1
    sends_throttled = sum(1 for t in throttled if t.method == "sendMessage")
    assert total(samples, "autopilot_chat_throttled_total", kind="send") == sends_throttled
    assert total(samples, "autopilot_chat_throttled_total") == len(throttled)
    assert total(samples, "autopilot_platform_requests_total") == 0


def test_requests_are_sorted_by_url_and_no_url_is_kept(settings):
    classify = TrafficClassifier(settings)
    base = settings.vtu_base_url
    assert classify.platform_endpoint("POST", f"{base}/auth/login") == "login"
    assert classify.platform_endpoint("GET", f"{base}/student/my-courses/x/lectures/3") == "lecture"
    assert classify.platform_endpoint(
        "POST", f"{base}/student/my-courses/x/lectures/3/progress"
    ) == ("progress")
    assert classify.platform_endpoint("GET", "https://elsewhere.test/auth/login") is None
    discord = settings.discord_api_base_url
    assert classify.chat_message("POST", f"{discord}/channels/12/messages") == ("discord", "send")
    assert classify.chat_message("PATCH", f"{discord}/channels/12/messages/34") == (
        "discord",
        "edit",
    )
    assert classify.chat_message("GET", f"{discord}/channels/12/messages") is None


def test_only_one_process_serves_the_port_and_another_takes_over(redis):
    first = serve_metrics(redis, 0)
    assert first is not None
    assert serve_metrics(redis, first.port) is None  # taken: skipped quietly
    port = first.port
    first.stop()
    offer = serve_metrics_when_free(redis, port)
    assert offer is not None
    try:
        assert offer.bound.wait(timeout=10)  # the port was free again: taken at once
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).status_code == 200
    finally:
        offer.stop()
    assert serve_metrics_when_free(redis, None) is None  # metrics off


def test_a_second_offer_waits_for_the_port(redis, monkeypatch):
    monkeypatch.setattr("workers.metrics.exporter.RETRY_BIND_S", 0.05)
    first = serve_metrics(redis, 0)
    offer = serve_metrics_when_free(redis, first.port)
    try:
        assert not offer.bound.wait(timeout=0.3)
        first.stop()
        assert offer.bound.wait(timeout=10)
    finally:
        offer.stop()
