"""The watchdog revives only runs that nothing works on, once, however many watchdogs run;
a slice keeps its lease however long it works, and stops when it has lost it."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest

from core import jobs, keys
from core.runs.queues import RUNS_QUEUE, JSONJob, queue
from workers import lease as lease_module
from workers.jobs.watchdog import STALL_S, revive_stalled_runs
from workers.lease import LeaseLost, RunLease

from .conftest import SMALL, STUDENT


@pytest.fixture
def quiet_run(ctx, logged_in, redis):
    """A submitted run whose record has not moved for longer than the watchdog waits."""
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    redis.hset(keys.run(run_id), "updated_at", str(time.time() - STALL_S - 5))
    return run_id


def slices_of(redis) -> list[str]:
    return [job_id.decode() for job_id in redis.lrange(queue(redis).key, 0, -1)]


def test_a_run_whose_next_slice_is_scheduled_is_left_alone(ctx, quiet_run, redis):
    record = ctx.store.get(quiet_run)
    JSONJob.fetch(record.job_id, connection=redis).delete()
    later = queue(redis).enqueue_in(timedelta(seconds=90), jobs.ADVANCE_RUN, quiet_run, 1)
    ctx.store.update(quiet_run, job_id=later.id)
    redis.hset(keys.run(quiet_run), "updated_at", str(time.time() - STALL_S - 5))
    assert revive_stalled_runs() == 0


def test_a_run_whose_slice_a_worker_is_taking_is_left_alone(ctx, quiet_run, redis):
    runs = queue(redis)
    redis.lmove(runs.key, runs.intermediate_queue_key)  # taken, not yet leased
    assert slices_of(redis) == []
    assert revive_stalled_runs() == 0


def test_a_run_that_holds_its_lease_is_left_alone(ctx, quiet_run, redis):
    redis.delete(queue(redis).key)
    redis.set(keys.lease(quiet_run), "a working slice", ex=15)
    assert revive_stalled_runs() == 0


def test_a_stalled_run_is_revived_once_by_many_watchdogs_at_once(ctx, quiet_run, redis):
    lost = ctx.store.get(quiet_run).job_id
    redis.delete(queue(redis).key)  # its slice is gone (a worker died with it)
    JSONJob.fetch(lost, connection=redis).delete()
    start, revived = threading.Barrier(6), []

    def watchdog() -> None:
        start.wait()
        revived.append(revive_stalled_runs())

    threads = [threading.Thread(target=watchdog) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(revived) == 1
    (revival,) = slices_of(redis)
    assert ctx.store.get(quiet_run).job_id == revival != lost
    assert JSONJob.fetch(revival, connection=redis).origin == RUNS_QUEUE
    assert revive_stalled_runs() == 0, "a freshly revived run was revived again"


def test_a_long_slice_keeps_its_lease_past_the_lease_time(redis, ctx, monkeypatch):
    monkeypatch.setattr(lease_module, "LEASE_S", 1)
    monkeypatch.setattr(lease_module, "RENEW_S", 0.2)
    held = RunLease(redis, ctx.async_redis, "run-1", "slice-a")
    assert held.acquire()
    assert ctx.run(held.hold_while(asyncio.sleep(2.5, result="done"))) == "done"
    assert redis.get(keys.lease("run-1")) == b"slice-a"
    held.release()
    assert not redis.exists(keys.lease("run-1"))


def test_a_slice_that_lost_its_lease_stops_at_once(redis, ctx, monkeypatch):
    monkeypatch.setattr(lease_module, "RENEW_S", 0.1)
    held = RunLease(redis, ctx.async_redis, "run-1", "slice-a")
    assert held.acquire()
    stopped = asyncio.Event()

    async def slice_work() -> None:
        try:
            await asyncio.sleep(30)
        finally:
            stopped.set()

    async def lose_it_then_work() -> None:
        redis.set(keys.lease("run-1"), "slice-b", ex=15)  # its lease expired; another took it
        await held.hold_while(slice_work())

    began = time.monotonic()
    with pytest.raises(LeaseLost):
        ctx.run(lose_it_then_work())
    assert stopped.is_set() and time.monotonic() - began < 2
    held.release()
    assert redis.get(keys.lease("run-1")) == b"slice-b", "released another slice's lease"
