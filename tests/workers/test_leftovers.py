"""What a killed process leaves in Redis is cleaned quietly: a dead worker's registration
gives its name up at once, and a job whose execution record expired deletes cleanly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from rq import Worker

from core import jobs
from core.runs.queues import JSONJob, queue
from launcher.worker import make_worker
from workers.registration import NameTaken, clear_dead_registrations


def registered(redis) -> set[str]:
    return {worker.name for worker in Worker.all(connection=redis)}


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def register_as(redis, name: str, pid: int, heartbeat_age_s: float = 0.0) -> None:
    worker = make_worker(redis, name)
    worker.register_birth()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() - heartbeat_age_s))
    redis.hset(worker.key, mapping={"pid": pid, "last_heartbeat": stamp})


def test_a_killed_workers_name_is_taken_over_at_once(redis):
    register_as(redis, "host-worker-1", dead_pid())
    assert clear_dead_registrations(redis, "host-worker-1") == ["host-worker-1"]
    make_worker(redis, "host-worker-1").register_birth()  # RQ refused this before
    assert registered(redis) == {"host-worker-1"}


def test_a_live_workers_name_is_refused_with_a_clear_message(redis):
    register_as(redis, "host-worker-1", os.getppid())
    with pytest.raises(NameTaken, match=r"running already .*another --name"):
        clear_dead_registrations(redis, "host-worker-1")
    assert registered(redis) == {"host-worker-1"}


def test_other_dead_workers_of_this_host_go_once_their_heartbeat_is_overdue(redis):
    register_as(redis, "fresh-corpse", dead_pid())
    register_as(redis, "old-corpse", dead_pid(), heartbeat_age_s=120)
    register_as(redis, "alive", os.getppid(), heartbeat_age_s=120)
    assert clear_dead_registrations(redis, "me") == ["old-corpse"]
    assert registered(redis) == {"fresh-corpse", "alive"}


def test_workers_of_other_hosts_are_left_alone(redis):
    register_as(redis, "elsewhere", dead_pid(), heartbeat_age_s=600)
    redis.hset(make_worker(redis, "elsewhere").key, "hostname", socket.gethostname() + "-other")
    assert clear_dead_registrations(redis, "elsewhere") == []
    assert registered(redis) == {"elsewhere"}


def test_a_job_whose_execution_record_expired_deletes_cleanly(redis):
    job = queue(redis).enqueue(jobs.ADVANCE_RUN, "run-1", 1)
    # A worker died mid-job: its execution stays listed after the execution's record expired.
    redis.zadd(f"rq:executions:{job.id}", {"expired-execution": time.time() + 300})
    JSONJob.fetch(job.id, connection=redis).delete()  # RQ's own Job raised ValueError here
    assert not redis.exists(job.key)
    assert not redis.exists(f"rq:executions:{job.id}")
