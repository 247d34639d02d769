"""Moving due jobs without a lock: each job moves exactly once however many movers run, and
a mover that dies after claiming loses nothing."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib
from rq.registry import FailedJobRegistry

from core import jobs
from core.runs.queues import FAST_QUEUE, RUNS_QUEUE, JSONJob, queue
from workers import scheduling
from workers.scheduling import DueJobMover

SLICE = jobs.ADVANCE_RUN


def delayed(redis, count: int, delay_s: float = 0.0, name: str = RUNS_QUEUE) -> list[str]:
    """`count` delayed jobs due after `delay_s` (RQ's registry keeps whole seconds)."""
    target = queue(redis, name)
    return [
        target.enqueue_in(timedelta(seconds=delay_s), SLICE, f"run-{n}", 1, job_id=f"job-{n}").id
        for n in range(count)
    ]


def queued_ids(redis, name: str = RUNS_QUEUE) -> list[str]:
    return [job_id.decode() for job_id in redis.lrange(queue(redis, name).key, 0, -1)]


def test_each_due_job_moves_exactly_once_with_many_movers_at_once(redis_url, redis):
    job_ids = delayed(redis, 300)
    start = threading.Barrier(8)
    moved: list[int] = []

    def mover() -> None:
        client = redis_lib.Redis.from_url(redis_url)
        one = DueJobMover(client, keep_periodic=False)
        start.wait()
        moved.append(sum(one.run_pass() for _ in range(5)))
        client.close()

    threads = [threading.Thread(target=mover) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(moved) == 300
    assert Counter(queued_ids(redis)) == Counter(job_ids), "a job was queued twice or lost"
    assert queue(redis).scheduled_job_registry.count == 0
    job = JSONJob.fetch(job_ids[0], connection=redis)
    assert job.get_status() == "queued" and job.enqueued_at is not None


def test_jobs_not_yet_due_stay_scheduled(redis):
    delayed(redis, 3, delay_s=3600)
    assert DueJobMover(redis, keep_periodic=False).run_pass() == 0
    assert queued_ids(redis) == []
    assert queue(redis).scheduled_job_registry.count == 3


def test_a_job_claimed_by_a_mover_that_died_moves_after_the_claim_expires(
    redis, monkeypatch
):
    monkeypatch.setattr(scheduling, "CLAIM_S", 1)
    (job_id,) = delayed(redis, 1)
    dead, alive = DueJobMover(redis, keep_periodic=False), DueJobMover(redis, keep_periodic=False)
    registry = queue(redis).scheduled_job_registry
    claim = dead._claim_due(registry.key)  # ... and dies before moving it
    assert claim.job_ids == [job_id]
    assert alive.run_pass() == 0, "a claimed job moved while its claim stood"
    deadline = time.monotonic() + 5
    while alive.run_pass() == 0:
        assert time.monotonic() < deadline, "the job never moved after the claim expired"
        time.sleep(0.1)
    assert queued_ids(redis) == [job_id]


def test_a_mover_whose_claim_was_taken_over_moves_nothing(redis, monkeypatch):
    monkeypatch.setattr(scheduling, "CLAIM_S", 1)
    (job_id,) = delayed(redis, 1)
    slow, other = DueJobMover(redis, keep_periodic=False), DueJobMover(redis, keep_periodic=False)
    registry_key = queue(redis).scheduled_job_registry.key
    stale = slow._claim_due(registry_key)
    deadline = time.monotonic() + 5
    while other.run_pass() == 0:  # the claim expires; the other mover takes the job
        assert time.monotonic() < deadline
        time.sleep(0.1)
    job = JSONJob.fetch(job_id, connection=redis)
    with redis.pipeline() as pipeline:
        slow._settle_in(pipeline, registry_key, queue(redis).key, job, stale)
        assert pipeline.execute() == [0]
    assert queued_ids(redis) == [job_id]


def test_a_periodic_job_runs_again_after_its_interval(redis):
    mover = DueJobMover(redis)
    mover.run_pass()  # schedules every periodic job, due now
    mover.run_pass()
    assert queued_ids(redis, FAST_QUEUE).count(jobs.WATCHDOG.job_id) == 1
    due = redis.zscore(mover.scheduler.scheduled_jobs_key, jobs.WATCHDOG.job_id)
    assert due == pytest.approx(time.time() + jobs.WATCHDOG.interval_s, abs=2)
    mover.run_pass()
    assert queued_ids(redis, FAST_QUEUE).count(jobs.WATCHDOG.job_id) == 1, "moved before due"


def test_a_one_shot_rq_scheduler_job_moves_once_and_leaves_the_schedule(redis):
    mover = DueJobMover(redis, keep_periodic=False)
    mover.scheduler.enqueue_at(
        datetime.now(UTC).replace(tzinfo=None), SLICE, "run-x", 1, job_id="one-shot"
    )
    assert mover.run_pass() == 1
    assert mover.run_pass() == 0
    assert "one-shot" not in mover.scheduler
    assert queued_ids(redis, FAST_QUEUE) == ["one-shot"]


def test_a_delayed_job_naming_an_unregistered_function_goes_to_the_dlq_unrun(redis):
    target = queue(redis)
    job = target.enqueue_in(timedelta(seconds=0), "os.system", "touch /tmp/owned")
    DueJobMover(redis, keep_periodic=False).run_pass()
    assert queued_ids(redis) == []
    assert target.scheduled_job_registry.count == 0
    failed = FailedJobRegistry(RUNS_QUEUE, connection=redis, job_class=JSONJob)
    assert job.id in failed.get_job_ids()
    assert "not one of the project's registered job functions" in (
        JSONJob.fetch(job.id, connection=redis).latest_result().exc_string
    )
