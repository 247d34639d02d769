"""Runs scheduled for later (`/run tonight`): a one-shot rq-scheduler job, stored as JSON, that a
JSON worker runs at the start time; dedup, caps, cancel and the watchdog around it."""

import dataclasses
import json
import time
import zlib

import pytest
from rq_scheduler import Scheduler

from core import jobs, keys
from core.runs import RunError, RunState
from core.runs.queues import FAST_QUEUE, JSONJob, queue
from core.runs.scheduled import start_job_id
from core.vtu import Credentials
from tests.core.conftest import EMAIL, PASSWORD
from workers.jobs import scheduled as scheduled_jobs
from workers.jobs.watchdog import revive_stalled_runs

from .conftest import SMALL, STUDENT, schedule_pass

ZONE = "Asia/Kolkata"


def in_a_while(seconds: float = 3600) -> int:
    return int(time.time() + seconds)


def scheduled_job_ids(redis) -> set[str]:
    return {m.decode() for m in redis.zrange(Scheduler.scheduled_jobs_key, 0, -1)}


def test_a_scheduled_run_waits_without_holding_a_slot(ctx, logged_in, redis):
    submission = ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE)
    record = submission.run
    assert submission.created and record.state is RunState.SCHEDULED
    assert record.job_id == start_job_id(record.id, 1)
    assert record.job_id in scheduled_job_ids(redis)
    assert not redis.smembers(keys.ACTIVE_RUNS) and not redis.hgetall(keys.ACTIVE_STUDENTS)
    assert redis.zscore(keys.SCHEDULED_RUNS, record.id) == record.start_at
    assert record.id in {m.decode() for m in redis.smembers(keys.student_runs(STUDENT))}


def test_the_start_job_is_json_with_ids_only(ctx, logged_in, redis):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE).run
    job = JSONJob.fetch(record.job_id, connection=redis)
    assert job.func_name == jobs.START_SCHEDULED_RUN
    assert job.args == [record.id, 1, 0]
    payload = json.loads(zlib.decompress(redis.hget(job.key, "data")))  # JSON, not pickle
    assert EMAIL not in json.dumps(payload) and PASSWORD not in json.dumps(payload)
    assert EMAIL not in job.description


def test_a_run_started_at_a_time_starts_then(ctx, logged_in, redis, drain):
    start_at = in_a_while(3)
    record = ctx.runs.schedule(STUDENT, SMALL, start_at, ZONE).run
    schedule_pass(redis)
    drain.until_idle()
    assert ctx.store.get(record.id).state is RunState.SCHEDULED, "started before its time"
    assert time.time() < start_at, "the machine was too slow to check before the start time"

    def started() -> bool:
        schedule_pass(redis)
        return ctx.store.get(record.id).state is not RunState.SCHEDULED

    drain(started, timeout=30)
    assert time.time() >= start_at
    run = ctx.store.get(record.id)
    assert run.state in (RunState.QUEUED, RunState.RUNNING)
    assert run.created_at >= start_at and run.generation == 1
    assert record.id in {m.decode() for m in redis.smembers(keys.ACTIVE_RUNS)}
    assert redis.zscore(keys.SCHEDULED_RUNS, record.id) is None
    assert record.job_id not in scheduled_job_ids(redis)
    drain(lambda: ctx.store.get(record.id).total > 0)  # its first slice read the lectures


def test_a_scheduled_job_written_by_the_scheduler_is_run_by_a_json_worker(
    ctx, logged_in, redis, drain
):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(1), ZONE).run
    time.sleep(1.1)
    schedule_pass(redis)
    assert record.job_id in queue(redis, FAST_QUEUE).get_job_ids(), "the scheduler did not move it"
    drain(lambda: ctx.store.get(record.id).state is not RunState.SCHEDULED)
    assert ctx.store.get(record.id).state.active


def test_a_second_run_of_a_scheduled_course_finds_it(ctx, logged_in):
    first = ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE)
    now = ctx.runs.submit(STUDENT, SMALL)
    later = ctx.runs.schedule(STUDENT, SMALL, in_a_while(7200), ZONE)
    assert not now.created and not later.created
    assert now.run.id == later.run.id == first.run.id
    assert now.run.state is later.run.state is RunState.SCHEDULED
    assert now.run.start_at == first.run.start_at
    assert "already scheduled" in now.message


def test_an_active_run_is_not_scheduled_again(ctx, logged_in, redis):
    ctx.runs.submit(STUDENT, SMALL)
    again = ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE)
    assert not again.created and again.run.state is RunState.QUEUED
    assert not scheduled_job_ids(redis)


def test_cancel_removes_the_run_and_its_start_job(ctx, logged_in, redis):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE).run
    cancelled = ctx.runs.cancel(STUDENT, record.id)
    assert cancelled.state is RunState.CANCELLED
    assert record.job_id not in scheduled_job_ids(redis)
    assert not redis.exists(JSONJob.key_for(record.job_id))
    assert redis.zscore(keys.SCHEDULED_RUNS, record.id) is None
    with pytest.raises(RunError, match="already cancelled"):
        ctx.runs.cancel(STUDENT, record.id)
    assert ctx.runs.submit(STUDENT, SMALL).created  # the course is free again


def test_a_start_job_that_outlived_its_cancel_does_nothing(ctx, logged_in, redis):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE).run
    ctx.runs.cancel(STUDENT, record.id)
    assert scheduled_jobs.start_scheduled_run(record.id, 1) == "stale"
    assert ctx.store.get(record.id).state is RunState.CANCELLED
    assert not redis.smembers(keys.ACTIVE_RUNS)


def test_forget_removes_scheduled_runs_and_their_start_jobs(ctx, logged_in, redis):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE).run
    assert ctx.runs.forget(STUDENT) == 1
    assert not scheduled_job_ids(redis) and not redis.exists(JSONJob.key_for(record.job_id))
    assert not redis.exists(keys.SCHEDULED_RUNS) and ctx.store.get(record.id) is None


def test_the_watchdog_leaves_a_scheduled_run_alone(ctx, logged_in, redis):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE).run
    redis.hset(keys.run(record.id), "updated_at", time.time() - 3600)  # quiet for an hour
    assert revive_stalled_runs() == 0
    assert ctx.store.get(record.id).state is RunState.SCHEDULED
    assert queue(redis).count == 0


def test_a_student_may_not_schedule_beyond_their_cap(ctx, logged_in, vtu):
    ctx.settings = dataclasses.replace(ctx.settings, max_runs_per_student=1)
    ctx.runs.settings = ctx.settings
    ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE)
    with pytest.raises(RunError, match="1 runs going or scheduled"):
        ctx.runs.schedule(STUDENT, "1-benchmark-166", in_a_while(), ZONE)


def test_a_full_service_at_the_start_time_tries_again_then_gives_up(ctx, logged_in, redis):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(60), ZONE).run
    redis.sadd(keys.ACTIVE_RUNS, *[f"other-{n}" for n in range(ctx.settings.max_active_runs)])
    outcome = scheduled_jobs.start_scheduled_run(record.id, 1)
    assert outcome.startswith("capacity; again in")
    retry_id = start_job_id(record.id, 1, attempt=1)
    assert ctx.store.get(record.id).job_id == retry_id and retry_id in scheduled_job_ids(redis)
    assert ctx.store.get(record.id).state is RunState.SCHEDULED
    redis.hset(keys.run(record.id), "start_at", time.time() - scheduled_jobs.RETRY_FOR_S)
    assert scheduled_jobs.start_scheduled_run(record.id, 1, 1) == "not started: capacity"
    failed = ctx.store.get(record.id)
    assert failed.state is RunState.FAILED and "at capacity" in failed.last_error
    assert redis.zscore(keys.SCHEDULED_RUNS, record.id) is None


def test_a_login_gone_by_the_start_time_fails_the_run(ctx, logged_in):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(60), ZONE).run
    ctx.vault.forget(STUDENT)
    assert scheduled_jobs.start_scheduled_run(record.id, 1) == "not started: no-login"
    failed = ctx.store.get(record.id)
    assert failed.state is RunState.FAILED and "/login" in failed.last_error


def test_a_run_whose_start_job_was_deleted_still_starts(ctx, logged_in, redis):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(60), ZONE).run
    redis.zrem(Scheduler.scheduled_jobs_key, record.job_id)  # deleted from the dashboard
    redis.delete(JSONJob.key_for(record.job_id))
    assert scheduled_jobs.start_overdue_runs() == 0  # not due yet
    redis.zadd(keys.SCHEDULED_RUNS, {record.id: time.time() - scheduled_jobs.OVERDUE_S - 1})
    assert scheduled_jobs.start_overdue_runs() == 1
    assert ctx.store.get(record.id).state is RunState.QUEUED


def test_a_run_whose_start_job_waits_is_not_started_twice(ctx, logged_in, redis):
    record = ctx.runs.schedule(STUDENT, SMALL, in_a_while(60), ZONE).run
    redis.zadd(keys.SCHEDULED_RUNS, {record.id: time.time() - scheduled_jobs.OVERDUE_S - 1})
    assert scheduled_jobs.start_overdue_runs() == 0
    assert ctx.store.get(record.id).state is RunState.SCHEDULED


def test_no_login_no_schedule(ctx):
    ctx.vault.save_credentials("telegram:1", Credentials(EMAIL, PASSWORD))
    with pytest.raises(RunError, match="/login"):
        ctx.runs.schedule(STUDENT, SMALL, in_a_while(), ZONE)
