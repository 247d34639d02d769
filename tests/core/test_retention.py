"""Retention deletes finished runs, their events and failed jobs once older than the period,
and nothing younger; active and scheduled runs are never touched."""

import time

import pytest
from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry
from rq.results import Result
from rq.serializers import JSONSerializer

from config import Settings
from core import keys
from core.engine.checkpoint import CHECKPOINT_PREFIX
from core.runs import Runs, RunState
from core.runs.queues import FAST_QUEUE, QUEUES, JSONJob, queue
from core.runs.retention import clean_up
from core.vault import SecretBox, Vault, new_key
from core.vtu import Credentials
from tests.core.conftest import EMAIL, PASSWORD

DAY = 24 * 3600
RETENTION_DAYS = 30
RETENTION = RETENTION_DAYS * DAY


@pytest.fixture
def runs(redis, redis_url) -> Runs:
    settings = Settings(redis_url=redis_url, secret_keys=(new_key(),), retention_days=30)
    vault = Vault(redis, SecretBox(settings.secret_keys))
    for student in ("telegram:1", "telegram:2"):
        vault.save_credentials(student, Credentials(EMAIL, PASSWORD))
    return Runs(redis, vault, settings)


def finished(runs: Runs, student: str, course: str, state: RunState) -> str:
    """A run of `course` that ended in `state` just now, with a checkpoint and a flag."""
    run_id = runs.submit(student, course).run.id
    runs.redis.hset(CHECKPOINT_PREFIX + run_id, "title", "x")
    runs.redis.set(keys.announced(run_id, 1, "completed"), "1")
    runs.store.finish(run_id, state)
    return run_id


def run_ids_of(redis, student: str) -> set[str]:
    return {m.decode() for m in redis.smembers(keys.student_runs(student))}


def test_finished_runs_older_than_the_period_go_and_younger_ones_stay(runs, redis):
    old = [
        finished(runs, "telegram:1", course, state)
        for course, state in (
            ("a", RunState.COMPLETED),
            ("b", RunState.FAILED),
            ("c", RunState.CANCELLED),
        )
    ]
    swept = clean_up(redis, RETENTION, now=time.time() + RETENTION + 60)
    assert swept.runs == 3
    for run_id in old:
        assert runs.store.get(run_id) is None
        assert not redis.exists(CHECKPOINT_PREFIX + run_id)
        assert not redis.exists(keys.announced(run_id, 1, "completed"))
    assert run_ids_of(redis, "telegram:1") == set()


def test_nothing_younger_than_the_period_is_deleted(runs, redis):
    run_id = finished(runs, "telegram:1", "a", RunState.COMPLETED)
    swept = clean_up(redis, RETENTION, now=time.time() + RETENTION - 60)
    assert swept.runs == 0 and swept.events == 0
    assert runs.store.get(run_id).state is RunState.COMPLETED
    assert redis.exists(CHECKPOINT_PREFIX + run_id)
    assert run_ids_of(redis, "telegram:1") == {run_id}
    assert redis.xlen(keys.EVENTS) > 0


def test_active_and_scheduled_runs_are_never_touched(runs, redis):
    active = runs.submit("telegram:1", "a").run.id
    scheduled = runs.schedule("telegram:1", "b", int(time.time()) + 3600, "Asia/Kolkata").run.id
    other = finished(runs, "telegram:2", "a", RunState.COMPLETED)
    swept = clean_up(redis, RETENTION, now=time.time() + 10 * RETENTION)
    assert swept.runs == 1 and runs.store.get(other) is None
    assert runs.store.get(active).state is RunState.QUEUED
    assert runs.store.get(scheduled).state is RunState.SCHEDULED
    assert run_ids_of(redis, "telegram:1") == {active, scheduled}
    assert redis.sismember(keys.ACTIVE_RUNS, active)
    assert redis.zscore(keys.SCHEDULED_RUNS, scheduled) is not None


def test_a_run_resubmitted_since_it_finished_stays(runs, redis):
    run_id = finished(runs, "telegram:1", "a", RunState.COMPLETED)
    later = time.time() + RETENTION + 60
    runs.submit("telegram:1", "a")  # active again: its record is no longer a finished one
    assert clean_up(redis, RETENTION, now=later).runs == 0
    assert runs.store.get(run_id).state is RunState.QUEUED


def test_indexes_drop_runs_whose_record_expired_on_its_own(runs, redis):
    run_id = finished(runs, "telegram:1", "a", RunState.COMPLETED)
    redis.delete(keys.run(run_id))  # as the record's own TTL does
    redis.zadd(keys.SCHEDULED_RUNS, {"gone": 1.0})
    swept = clean_up(redis, RETENTION)
    assert swept.dangling == 2 and swept.runs == 0
    assert run_ids_of(redis, "telegram:1") == set()
    assert not redis.exists(keys.SCHEDULED_RUNS)


def test_a_finished_records_own_ttl_outlasts_the_period(runs, redis):
    run_id = finished(runs, "telegram:1", "a", RunState.COMPLETED)
    assert RETENTION < redis.ttl(keys.run(run_id)) <= RETENTION + DAY


def test_events_older_than_the_period_are_trimmed(runs, redis):
    redis.xadd(keys.EVENTS, {"run": "old"}, id=f"{int((time.time() - RETENTION - 60) * 1000)}-0")
    young = redis.xadd(keys.EVENTS, {"run": "young"})
    swept = clean_up(redis, RETENTION)
    assert swept.events == 1
    assert [entry_id for entry_id, _ in redis.xrange(keys.EVENTS)] == [young]


def fail_a_job(redis) -> str:
    """A job that really failed in a JSON worker: into the fast queue's failed-job registry."""
    job = Queue(FAST_QUEUE, connection=redis, serializer=JSONSerializer).enqueue("os.system", "x")
    SimpleWorker(
        [queue(redis, name) for name in QUEUES],
        connection=redis,
        serializer=JSONSerializer,
        job_class=JSONJob,
    ).work(burst=True)
    assert job.id in FailedJobRegistry(FAST_QUEUE, connection=redis)
    return job.id


def test_failed_jobs_and_their_reasons_go_after_the_period(redis):
    job_id = fail_a_job(redis)
    assert redis.exists(Result.get_key(job_id))
    kept = clean_up(redis, RETENTION, now=time.time() + RETENTION - 60)
    assert kept.failed_jobs == 0 and job_id in FailedJobRegistry(FAST_QUEUE, connection=redis)
    swept = clean_up(redis, RETENTION, now=time.time() + RETENTION + 60)
    assert swept.failed_jobs == 1
    assert job_id not in FailedJobRegistry(FAST_QUEUE, connection=redis)
    assert not redis.exists(JSONJob.key_for(job_id)) and not redis.exists(Result.get_key(job_id))


@pytest.mark.parametrize("days", [7, 90])
def test_failed_jobs_are_kept_for_the_period_whatever_their_enqueuer_said(redis, days):
    job_id = fail_a_job(redis)
    ended = JSONJob.fetch(job_id, connection=redis).ended_at.timestamp()
    swept = clean_up(redis, days * DAY)
    assert swept.retimed == 1
    registry = FailedJobRegistry(FAST_QUEUE, connection=redis)
    assert redis.zscore(registry.key, job_id) == pytest.approx(ended + days * DAY)
    for key in (JSONJob.key_for(job_id), Result.get_key(job_id)):
        assert redis.ttl(key) == pytest.approx(ended + days * DAY - time.time(), abs=5)
    assert clean_up(redis, days * DAY).retimed == 0  # already right


def test_a_failed_jobs_registry_entry_without_its_job_is_dropped(redis):
    job_id = fail_a_job(redis)
    redis.delete(JSONJob.key_for(job_id))
    clean_up(redis, RETENTION)
    assert job_id not in FailedJobRegistry(FAST_QUEUE, connection=redis)


def test_a_malformed_failed_job_does_not_stop_the_pass(redis):
    job_id = fail_a_job(redis)
    registry = FailedJobRegistry(FAST_QUEUE, connection=redis)
    redis.zadd(registry.key, {"odd": time.time() + 10})
    redis.hset(JSONJob.key_for("odd"), mapping={"created_at": "not a date", "status": "failed"})
    swept = clean_up(redis, RETENTION, now=time.time() + RETENTION + 60)
    assert swept.failed_jobs == 1 and job_id not in registry
