"""Runs across real processes: workers that die, a Redis that restarts, the dashboard."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis as redis_lib

from config import child_environment
from core import keys
from core.embedded_redis import EmbeddedRedis
from core.runs import RunState
from core.vtu import Credentials
from tests.core.conftest import EMAIL, PASSWORD
from tests.processes import free_port, wait_until

from .conftest import SMALL, STUDENT

KILL_DEADLINE_S = 60
LONE_WORKER_BOUND_S = 30.0
"""The small course at time scale 60 ends when its longest lecture (600 s) allows: 10 s,
plus start-up and learning; a busy 2-core machine gets three times that."""


def child_env(settings, **extra: str) -> dict[str, str]:
    return {**child_environment(settings, os.environ), **extra}


@pytest.fixture
def spawn(tmp_path):
    """Start `autopilot <args>` as a child process; all are killed after the test."""
    children: list[subprocess.Popen] = []
    log_files = []

    def start(env: dict[str, str], *args: str) -> subprocess.Popen:
        log = open(tmp_path / f"child-{len(children)}.log", "wb")  # noqa: SIM115
        log_files.append(log)
        child = subprocess.Popen(
            [sys.executable, "-m", "launcher", "-v", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        children.append(child)
        return child

    yield start
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # the worker and RQ's scheduler child
        child.wait(timeout=10)
    for log in log_files:
        log.close()


def logs(tmp_path: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in tmp_path.glob("child-*.log"))


def test_a_worker_killed_mid_run_is_replaced_within_a_minute_without_double_credit(
    ctx, logged_in, vtu, settings, spawn, tmp_path
):
    vtu.settings.time_scale = 60.0  # a heartbeat every two seconds per lecture
    env = child_env(settings)
    first = spawn(env, "worker", "--name", "doomed")
    spawn(env, "scheduler")
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    wait_until(lambda: vtu.stats(EMAIL).heartbeats >= 4, timeout=30)
    wait_until(lambda: ctx.redis.exists(keys.lease(run_id)), timeout=30)  # mid-slice
    first.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    spawn(env, "worker", "--name", "survivor")
    wait_until(lambda: not ctx.runs.get(STUDENT, run_id).state.active, timeout=KILL_DEADLINE_S + 30)
    assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
    assert time.monotonic() - killed_at < KILL_DEADLINE_S + 15  # resumed and finished the rest
    for lecture in vtu.catalog.course(SMALL).lectures:
        if lecture.duration_s:
            progress = vtu.progress(EMAIL, lecture.id)
            assert progress.is_completed
            assert progress.credited_s <= lecture.duration_s * 1.015 + 1
    assert "revived as" in logs(tmp_path)


def assert_credited_once(vtu) -> None:
    for lecture in vtu.catalog.course(SMALL).lectures:
        if lecture.duration_s:
            progress = vtu.progress(EMAIL, lecture.id)
            assert progress.is_completed
            assert progress.credited_s <= lecture.duration_s * 1.015 + 1, "credited twice"


def test_workers_alone_complete_a_run(ctx, logged_in, vtu, settings, spawn, tmp_path):
    """No `autopilot scheduler`: the worker moves its run's delayed slices itself."""
    vtu.settings.time_scale = 60.0
    spawn(child_env(settings), "worker")
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    wait_until(lambda: not ctx.runs.get(STUDENT, run_id).state.active, timeout=60)
    assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
    assert_credited_once(vtu)


def test_many_schedulers_and_workers_at_once_revive_nothing_and_credit_once(
    ctx, logged_in, vtu, settings, spawn, tmp_path
):
    """Three schedulers and three workers all move due jobs: no run looks stalled, none is
    revived, nothing is credited twice, and it takes no longer than a lone worker would."""
    vtu.settings.time_scale = 60.0
    env = child_env(settings)
    for _ in range(3):
        spawn(env, "scheduler", "--interval", "0.2")
        spawn(env, "worker")
    started = time.monotonic()
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    wait_until(lambda: not ctx.runs.get(STUDENT, run_id).state.active, timeout=60)
    took_s = time.monotonic() - started
    assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
    assert_credited_once(vtu)
    assert "revived as" not in logs(tmp_path), "a run between slices was revived"
    assert took_s < LONE_WORKER_BOUND_S


def test_cancel_stops_a_running_run_within_two_seconds(ctx, logged_in, vtu, settings, spawn):
    vtu.settings.time_scale = 30.0
    spawn(child_env(settings), "worker")
    spawn(child_env(settings), "scheduler")
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    wait_until(lambda: vtu.stats(EMAIL).heartbeats >= 3, timeout=30)
    ctx.runs.cancel(STUDENT, run_id)
    cancelled_at = time.monotonic()
    time.sleep(2.0)
    after = vtu.stats(EMAIL).requests
    time.sleep(3.0)
    assert vtu.stats(EMAIL).requests == after, "requests went on after the cancel"
    assert time.monotonic() - cancelled_at >= 5
    record = ctx.runs.get(STUDENT, run_id)
    assert record.state is RunState.CANCELLED and record.done < record.total


def test_runs_survive_a_redis_restart(tmp_path, vtu, settings, spawn):
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    try:
        settings = type(settings)(**{**settings.__dict__, "redis_url": url})
        from workers.context import WorkerContext

        redis = redis_lib.Redis.from_url(url)
        ctx = WorkerContext.build(settings, redis)
        ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, PASSWORD))
        vtu.settings.time_scale = 60.0
        spawn(child_env(settings), "worker")
        spawn(child_env(settings), "scheduler")
        run_id = ctx.runs.submit(STUDENT, SMALL).run.id
        wait_until(lambda: vtu.stats(EMAIL).heartbeats >= 4, timeout=30)
        time.sleep(1.2)  # appendfsync everysec
        server.kill()
        time.sleep(1.0)
        server.start()
        assert ctx.runs.get(STUDENT, run_id).state.active
        wait_until(lambda: not ctx.runs.get(STUDENT, run_id).state.active, timeout=90)
        assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
        redis.close()
    finally:
        server.stop()


def test_no_secret_in_redis_logs_or_dashboard_after_a_full_run(
    ctx, logged_in, vtu, settings, spawn, tmp_path, redis
):
    vtu.settings.session_max_requests = 5  # several logins, several cookies
    env = child_env(settings, AUTOPILOT_DASHBOARD_PASSWORD="dash-pass-123")
    spawn(env, "worker")
    spawn(env, "scheduler")
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    wait_until(lambda: not ctx.runs.get(STUDENT, run_id).state.active, timeout=60)
    port = free_port()
    spawn(env, "dashboard", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _up(base), timeout=20)
    assert httpx.get(base + "/").status_code == 401  # behind the password
    auth = ("admin", "dash-pass-123")
    paths = ["/", "/0/data/queues.json", "/0/data/workers.json"]
    for queue_name in ("autopilot-runs", "autopilot-fast"):
        for registry in ("queued", "finished", "failed", "started", "scheduled"):
            paths.append(f"/0/data/jobs/{queue_name}/{registry}/100/asc/1.json")
    pages = [httpx.get(base + path, auth=auth).text for path in paths]
    assert "autopilot-runs" in pages[1]
    cookies = vtu.issued_tokens()
    assert len(cookies) >= 4
    secrets = [PASSWORD, EMAIL, *cookies]
    dump = _redis_dump(redis)
    for secret in secrets:
        assert secret.encode() not in dump, "a secret is in Redis"
        assert secret not in logs(tmp_path), "a secret is in a log"
        assert all(secret not in page for page in pages), "a secret is on the dashboard"


def _redis_dump(redis) -> bytes:
    import zlib

    chunks = []
    for key in redis.scan_iter(count=1000):
        chunks.append(key)
        kind = redis.type(key)
        if kind == b"string":
            chunks.append(redis.get(key) or b"")
        elif kind == b"hash":
            for field, value in redis.hgetall(key).items():
                chunks += [field, value]
                with contextlib.suppress(zlib.error):
                    chunks.append(zlib.decompress(value))
        elif kind in (b"set",):
            chunks += list(redis.smembers(key))
        elif kind == b"zset":
            chunks += [m for m, _ in redis.zrange(key, 0, -1, withscores=True)]
        elif kind == b"list":
            chunks += redis.lrange(key, 0, -1)
        elif kind == b"stream":
            for _, fields in redis.xrange(key):
                for field, value in fields.items():
                    chunks += [field, value]
    return b"\n".join(chunks)


def _up(base: str) -> bool:
    try:
        httpx.get(base + "/", timeout=1)
    except httpx.TransportError:
        return False
    return True
