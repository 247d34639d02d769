"""The admins' dashboard, served for real on 127.0.0.1: behind a password, read-only by
default, no state change from another origin, requeue reopens the run, loopback only."""

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from werkzeug.serving import make_server

from config import child_environment
from core import jobs
from core.chat import ChatTarget, Platform
from core.conversation.backend import ConversationBackend
from core.conversation.service import Conversation
from core.runs import RunState
from core.runs.queues import FAST_QUEUE, RUNS_QUEUE, JSONJob, queue
from core.vtu import Credentials
from launcher import main
from launcher.dashboard import check_bind
from tests.core.conftest import EMAIL, PASSWORD
from workers.dashboard import make_app

from .chat_port import RecordingPort
from .conftest import SMALL, STUDENT

DASHBOARD_PASSWORD = "dash-pass-123"
BENCHMARK = "1-benchmark-166"
AUTH = ("admin", DASHBOARD_PASSWORD)


@pytest.fixture
def serve(redis_url) -> Iterator:
    """Start a dashboard on a free loopback port; returns a client for it."""
    servers = []

    def start(*, allow_actions: bool = False) -> httpx.Client:
        app = make_app(redis_url, DASHBOARD_PASSWORD, allow_actions=allow_actions)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        base = f"http://127.0.0.1:{server.server_port}"
        client = httpx.Client(base_url=base, auth=AUTH, headers={"Origin": base})
        servers.append(client)
        return client

    yield start
    for server in servers:
        if isinstance(server, httpx.Client):
            server.close()
        else:
            server.shutdown()
            server.server_close()


@pytest.fixture
def failed_run(ctx, redis, drain) -> tuple[str, str]:
    """A run failed for a wrong password that the student has since fixed: (run, job)."""
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, "wrong"))
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    assert ctx.runs.get(STUDENT, run_id).state is RunState.FAILED
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, PASSWORD))
    (job_id,) = queue(redis, RUNS_QUEUE).failed_job_registry.get_job_ids()
    return run_id, job_id


def test_every_page_needs_the_password_and_none_shows_the_redis_one(serve, redis_url):
    client = serve()
    assert httpx.get(f"{client.base_url}/").status_code == 401
    wrong = httpx.get(f"{client.base_url}/", auth=("admin", "guess"))
    assert wrong.status_code == 401
    page = client.get("/")
    assert page.status_code == 200 and "RQ" in page.text
    redis_password = redis_url.split("@")[0].rsplit(":", 1)[1]
    assert redis_password not in page.text


def test_read_only_by_default(serve, redis, failed_run):
    client = serve()
    _, job_id = failed_run
    for path in (
        f"/job/{job_id}/requeue",
        f"/requeue/{RUNS_QUEUE}",
        f"/job/{job_id}/delete",
        f"/queue/{RUNS_QUEUE}/failed/empty",
        f"/queue/{FAST_QUEUE}/compact",
    ):
        answer = client.post(path)
        assert answer.status_code == 403, path
        assert "autopilot dlq retry" in answer.json()["message"]
    assert job_id in queue(redis, RUNS_QUEUE).failed_job_registry
    page = client.get(f"/0/view/jobs/{RUNS_QUEUE}/failed/8/asc/1").text
    assert "Empty queue" not in page and "#requeue-all-btn" in page.split("</head>")[0]


def test_no_state_change_from_another_origin(serve, redis, failed_run):
    client = serve(allow_actions=True)
    _, job_id = failed_run
    path = f"/requeue/{RUNS_QUEUE}"
    assert client.get(path).status_code == 405, "a GET must never change state"
    assert client.post(path, headers={"Origin": "https://evil.example"}).status_code == 403
    referer_only = {"Origin": "", "Referer": "https://evil.example/page"}
    assert client.post(path, headers=referer_only).status_code == 403
    assert client.post(path, headers={"Origin": ""}).status_code == 403, "no origin at all"
    assert client.post(f"/job/{job_id}/delete", headers={"Origin": "null"}).status_code == 403
    assert job_id in queue(redis, RUNS_QUEUE).failed_job_registry


def test_requeue_reopens_the_run_like_dlq_retry(serve, ctx, redis, drain, failed_run):
    client = serve(allow_actions=True)
    run_id, job_id = failed_run
    answer = client.post(f"/job/{job_id}/requeue")
    assert answer.status_code == 200 and answer.json()["status"] == "OK"
    assert ctx.runs.get(STUDENT, run_id).state is RunState.QUEUED
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
    assert job_id not in queue(redis, RUNS_QUEUE).failed_job_registry


def test_requeue_all_reopens_every_run(serve, ctx, drain, failed_run):
    client = serve(allow_actions=True)
    run_id, _ = failed_run
    answer = client.post(f"/requeue/{RUNS_QUEUE}")
    assert answer.json() == {"status": "OK", "count": 1, "refused": []}
    assert ctx.runs.get(STUDENT, run_id).state is RunState.QUEUED


def test_a_job_deleted_with_actions_allowed_is_gone(serve, redis):
    client = serve(allow_actions=True)
    job = queue(redis, FAST_QUEUE).enqueue(jobs.REFRESH_PROGRESS, "run-x")
    assert client.post(f"/job/{job.id}/delete").json() == {"status": "OK"}
    assert not JSONJob.exists(job.id, connection=redis)


@pytest.mark.parametrize("bind", ["0.0.0.0", "192.168.1.10", "::", "dashboard.example"])
def test_a_non_loopback_bind_needs_tls_in_front(bind, monkeypatch, settings, capsys):
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("AUTOPILOT_DASHBOARD_PASSWORD", DASHBOARD_PASSWORD)
    assert main(["dashboard", "--bind", bind]) == 2
    assert "--behind-tls-proxy" in capsys.readouterr().err
    check_bind(bind, behind_tls_proxy=True)
    check_bind("127.0.0.1", behind_tls_proxy=False)
    check_bind("::1", behind_tls_proxy=False)


def test_the_workers_page_answers_while_a_worker_is_busy_in_a_run_slice(
    serve, ctx, logged_in, vtu, drain
):
    """A real worker (the drain's, in this thread) runs real slices while another thread
    polls the Workers page's JSON as the browser does."""
    client = serve()
    vtu.settings.latency_s = 0.05  # every slice spends its time waiting on the platform
    answers: list[httpx.Response] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            answers.append(client.get("/0/data/workers.json"))

    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    poller = threading.Thread(target=poll)
    poller.start()
    try:
        drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active, timeout=60)
    finally:
        stop.set()
        poller.join(timeout=10)
    assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
    assert answers and {a.status_code for a in answers} == {200}
    busy = [
        worker["current_job"]
        for answer in answers
        for worker in answer.json()["workers"]
        if isinstance(worker["current_job"], dict)
    ]
    assert busy, "no poll caught the worker in a job"
    assert all(job["description"].startswith(f"course {SMALL} for {STUDENT}") for job in busy)
    assert client.get("/0/view/workers").status_code == 200


def test_redis_not_answering_is_a_503_not_a_traceback(caplog):
    app = make_app("redis://127.0.0.1:1/0", DASHBOARD_PASSWORD)
    with caplog.at_level("WARNING"):
        answer = app.test_client().get("/0/data/workers.json", auth=AUTH)
    assert answer.status_code == 503 and "Redis is not answering" in answer.json["message"]
    assert "Traceback" not in caplog.text and "dashboard: Redis did not answer" in caplog.text


def test_the_job_listings_say_whose_course_each_job_is_and_hold_no_secret(
    serve, settings, ctx, redis
):
    """Every kind of job the project enqueues, as the conversation and the runs enqueue it."""
    client = serve()
    conversation = Conversation(ConversationBackend.build(settings, redis))
    port = RecordingPort()
    asyncio.run(conversation.login_submitted(STUDENT, port, EMAIL, PASSWORD))
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, PASSWORD))
    asyncio.run(conversation.courses(STUDENT, port))
    run = ctx.runs.submit(STUDENT, SMALL).run
    ctx.runs.show_in(STUDENT, run.id, ChatTarget(Platform.TELEGRAM, "1001", "7"))
    ctx.runs.cancel(STUDENT, run.id)  # publishes: a redraw is queued
    run = ctx.runs.submit(STUDENT, SMALL).run  # a new generation's first slice

    def listed(queue_name: str) -> list[str]:
        answer = client.get(f"/0/data/jobs/{queue_name}/queued/20/asc/1.json")
        assert answer.status_code == 200
        page = client.get(f"/0/view/jobs/{queue_name}/queued/20/asc/1")
        assert page.status_code == 200
        for secret in (EMAIL, PASSWORD):
            assert secret not in answer.text and secret not in page.text
        return [job["description"] for job in answer.json()["jobs"]]

    assert sorted(listed(FAST_QUEUE)) == [
        f"check login of {STUDENT}",
        f"course {SMALL} for {STUDENT}: redraw progress (run {run.id})",
        f"list courses of {STUDENT}",
    ]
    assert listed(RUNS_QUEUE) == [f"course {SMALL} for {STUDENT}: slice (run {run.id})"]
    later = ctx.runs.schedule(STUDENT, BENCHMARK, int(time.time()) + 3600, "Asia/Kolkata").run
    start_job = JSONJob.fetch(later.job_id, connection=redis)  # in rq-scheduler, not a queue
    assert start_job.description == (
        f"course {BENCHMARK} for {STUDENT}: scheduled start (run {later.id})"
    )


def test_a_port_already_taken_is_one_line_naming_it(monkeypatch, settings, capsys):
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("AUTOPILOT_DASHBOARD_PASSWORD", DASHBOARD_PASSWORD)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"the dashboard cannot listen on 127.0.0.1:{port}" in err and "--port" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_dashboard_command_serves_its_pages(settings):
    """`autopilot dashboard` as its own process, on the port it was given."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **child_environment(settings, os.environ),
        "AUTOPILOT_DASHBOARD_PASSWORD": DASHBOARD_PASSWORD,
    }
    command = [sys.executable, "-m", "launcher", "dashboard", "--port", str(port)]
    child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stderr is not None
        line = child.stderr.readline()  # printed once it listens
        assert line.startswith(f"Dashboard on http://127.0.0.1:{port}/ (user admin, read-only)")
        answer = httpx.get(f"http://127.0.0.1:{port}/0/data/workers.json", auth=AUTH)
        assert answer.status_code == 200 and answer.json() == {"workers": []}
    finally:
        child.terminate()
        child.communicate(timeout=15)


def test_a_worker_naming_a_job_deleted_as_it_finished_is_shown_idle(serve, redis):
    """A slice keeps no result: RQ deletes its job the moment it ends, while the worker's
    record may still name it for an instant (this answered 500 in a full run)."""
    from rq.executions import Execution

    from launcher.worker import make_worker

    worker = make_worker(redis, "busy-worker")
    worker.register_birth()
    job = queue(redis).enqueue(jobs.ADVANCE_RUN, "run-1", 1)
    with redis.pipeline() as pipeline:
        Execution.create(job, ttl=60, pipeline=pipeline, worker_name=worker.name)
        pipeline.execute()
    redis.delete(job.key)
    client = serve()
    answer = client.get("/0/data/workers.json")
    assert answer.status_code == 200
    (shown,) = [w for w in answer.json()["workers"] if w["name"] == "busy-worker"]
    assert shown["current_job"] == "idle"
