"""The periodic jobs (retention, keep-complete, overdue starts): written by the scheduler as
JSON, run by a JSON worker, each doing its work."""

import json
import time
import zlib

import pytest
from rq.registry import FailedJobRegistry
from rq_scheduler import Scheduler

from core import jobs, keys
from core.runs import RunState
from core.runs.queues import QUEUES, JSONJob

from .conftest import SMALL, STUDENT, schedule_pass

OURS = [jobs.RETENTION, jobs.KEEP_COMPLETE, jobs.OVERDUE_STARTS]


@pytest.mark.parametrize("periodic", OURS, ids=lambda p: p.job_id)
def test_each_is_registered_and_kept_scheduled(redis, periodic):
    assert periodic in jobs.PERIODIC and periodic.func in jobs.REGISTERED
    schedule_pass(redis)
    assert redis.zscore(Scheduler.scheduled_jobs_key, periodic.job_id) is not None
    payload = json.loads(zlib.decompress(redis.hget(JSONJob.key_for(periodic.job_id), "data")))
    assert payload[0] == periodic.func  # JSON naming the registered function


def test_a_scheduled_job_written_by_the_scheduler_is_run_by_a_json_worker(
    ctx, logged_in, redis, drain
):
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    ctx.runs.cancel(STUDENT, run_id)
    long_ago = time.time() - ctx.settings.retention_s - 60
    redis.hset(keys.run(run_id), "updated_at", long_ago)  # finished before the period
    schedule_pass(redis)  # schedules the periodic jobs for now
    schedule_pass(redis)  # moves them to the fast queue
    drain(lambda: ctx.store.get(run_id) is None, timeout=30)
    drain.until_idle()
    for name in QUEUES:
        assert FailedJobRegistry(name, connection=redis).count == 0
    for periodic in OURS:
        result = JSONJob.fetch(periodic.job_id, connection=redis).latest_result()
        assert result is not None and result.type == result.Type.SUCCESSFUL, periodic.job_id
    assert not redis.smembers(keys.student_runs(STUDENT))
    assert ctx.runs.submit(STUDENT, SMALL).run.state is RunState.QUEUED
