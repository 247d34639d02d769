"""The periodic watchdog comes back by itself when something deletes it (the dashboard, an
emptied queue): the scheduler checks on every pass."""

import base64
import os
import subprocess
import sys
import time

import pytest
from rq_scheduler import Scheduler

from config import child_environment
from core.jobs import WATCHDOG
from core.runs.queues import JSONJob
from workers.dashboard import make_app

RESTORED_WITHIN_S = 5.0
"""The scheduler passes every 0.5 s here (every second by default); this bounds a busy host."""


@pytest.fixture
def scheduler_process(settings, tmp_path):
    env = child_environment(settings, os.environ, ("redis_url",))
    with open(tmp_path / "scheduler.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "launcher", "-v", "scheduler", "--interval", "0.5"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        yield process
        process.terminate()
        process.wait(timeout=10)


def watchdog_scheduled(redis) -> bool:
    scheduled = redis.zscore(Scheduler.scheduled_jobs_key, WATCHDOG.job_id) is not None
    return scheduled and bool(redis.exists(JSONJob.key_for(WATCHDOG.job_id)))


def wait_for(condition, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_watchdog_deleted_from_the_dashboard_comes_back(scheduler_process, settings, redis):
    wait_for(lambda: watchdog_scheduled(redis), timeout=30)
    dashboard = make_app(settings.redis_url, "pw", allow_actions=True).test_client()
    headers = {
        "Authorization": "Basic " + base64.b64encode(b"admin:pw").decode(),
        "Origin": "http://localhost",
    }
    deleted = dashboard.post(f"/job/{WATCHDOG.job_id}/delete", headers=headers)
    assert deleted.json == {"status": "OK"}
    assert not redis.exists(JSONJob.key_for(WATCHDOG.job_id))
    wait_for(lambda: watchdog_scheduled(redis), timeout=RESTORED_WITHIN_S)
    assert scheduler_process.poll() is None
