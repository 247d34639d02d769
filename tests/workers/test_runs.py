import json
import threading
import zlib

import pytest
from rq.registry import FailedJobRegistry

from core import keys
from core.runs import NotLoggedIn, RunError, RunNotFound, RunState
from core.runs.queues import RUNS_QUEUE, JSONJob, queue
from tests.core.conftest import EMAIL

from .conftest import SMALL, STUDENT


def video_lectures(vtu, slug=SMALL):
    return [lec for lec in vtu.catalog.course(slug).lectures if lec.duration_s]


def test_submit_enqueues_a_json_job_with_no_secret(ctx, logged_in, redis):
    submission = ctx.runs.submit(STUDENT, SMALL)
    assert submission.created and submission.run.state is RunState.QUEUED
    job = JSONJob.fetch(submission.run.job_id, connection=redis)
    assert job.args == [submission.run.id, 1]
    raw = redis.hget(f"rq:job:{job.id}", "data")
    json.loads(zlib.decompress(raw))  # JSON, not pickle
    assert EMAIL not in job.description and EMAIL not in str(job.args)


def test_twenty_concurrent_submits_make_one_run(ctx, logged_in, redis):
    results, barrier = [], threading.Barrier(20)

    def submit():
        barrier.wait()
        results.append(ctx.runs.submit(STUDENT, SMALL))

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.created for r in results) == 1
    assert len({r.run.id for r in results}) == 1
    assert all("already running" in r.message for r in results if not r.created)
    assert queue(redis, RUNS_QUEUE).count == 1


def test_a_run_completes_the_course_and_reports_progress(ctx, logged_in, redis, vtu, drain):
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    record = ctx.runs.get(STUDENT, run_id)
    assert record.state is RunState.COMPLETED
    assert (record.done, record.total, record.skipped) == (9, 10, 1)
    assert record.skipped_titles == ["Lecture 3: Error detection and correction"]  # no video
    assert all(vtu.progress(EMAIL, lec.id).is_completed for lec in video_lectures(vtu))
    events = [fields for _, fields in redis.xrange(keys.EVENTS)]
    states = [f[b"state"].decode() for f in events]
    assert states[0] == "queued" and states[-1] == "completed"
    assert not redis.smembers(keys.ACTIVE_RUNS) and not redis.hgetall(keys.ACTIVE_STUDENTS)


def test_a_second_run_after_completion_is_allowed_and_sends_nothing(ctx, logged_in, vtu, drain):
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    heartbeats = vtu.stats(EMAIL).heartbeats
    again = ctx.runs.submit(STUDENT, SMALL)
    assert again.created and again.run.generation == 2
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
    assert vtu.stats(EMAIL).heartbeats == heartbeats


def test_no_login_no_run(ctx):
    with pytest.raises(NotLoggedIn, match="/login"):
        ctx.runs.submit(STUDENT, SMALL)


def test_wrong_password_fails_at_once_into_the_dead_letter_queue(ctx, redis, vtu, drain):
    from core.vtu import Credentials

    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, "wrong password"))
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    record = ctx.runs.get(STUDENT, run_id)
    assert record.state is RunState.FAILED
    assert "did not accept that email and password" in record.last_error
    failed = FailedJobRegistry(RUNS_QUEUE, connection=redis, job_class=JSONJob)
    assert failed.get_job_ids() == [record.job_id]
    assert vtu.stats(EMAIL).failed_logins == 1  # no retries for what retrying cannot fix
    assert ctx.runs.submit(STUDENT, SMALL).created  # a failed run does not block a new one


def test_a_locked_account_fails_the_run_at_once_saying_so(ctx, logged_in, vtu, drain):
    vtu.catalog.student(EMAIL).locked = True
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    record = ctx.runs.get(STUDENT, run_id)
    assert record.state is RunState.FAILED and "locked your account" in record.last_error
    assert vtu.stats(EMAIL).failed_logins == 1


def test_unknown_course_fails_with_the_students_message(ctx, logged_in, drain):
    run_id = ctx.runs.submit(STUDENT, "1-no-such-course").run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    assert "not among your VTU enrollments" in ctx.runs.get(STUDENT, run_id).last_error


def test_platform_down_is_retried_then_dead_lettered(
    ctx, logged_in, redis, vtu, drain, monkeypatch
):
    from rq import Retry

    from core.runs import queues

    monkeypatch.setattr(queues, "retry_policy", lambda: Retry(max=2, interval=[0, 0]))
    vtu.settings.error_rate = 1.0
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    record = ctx.runs.get(STUDENT, run_id)
    assert record.state is RunState.FAILED and "down or overloaded" in record.last_error
    states = [f[b"state"].decode() for _, f in redis.xrange(keys.EVENTS)]
    assert states.count("retrying") == 2
    failed = FailedJobRegistry(RUNS_QUEUE, connection=redis, job_class=JSONJob)
    assert record.job_id in failed.get_job_ids()


def test_cancel_while_queued_removes_the_job_and_only_the_owner_may(ctx, logged_in, redis):
    run = ctx.runs.submit(STUDENT, SMALL).run
    with pytest.raises(RunNotFound):
        ctx.runs.cancel("telegram:666", run.id)
    cancelled = ctx.runs.cancel(STUDENT, run.id)
    assert cancelled.state is RunState.CANCELLED
    assert queue(redis, RUNS_QUEUE).count == 0
    with pytest.raises(RunError, match="already cancelled"):
        ctx.runs.cancel(STUDENT, run.id)


def test_cancelled_run_keeps_its_progress_and_a_new_run_resumes(ctx, logged_in, vtu, drain):
    vtu.settings.time_scale = 60.0  # slow enough to cancel mid-way
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    drain(lambda: vtu.stats(EMAIL).heartbeats >= 5, timeout=30)
    ctx.runs.cancel(STUDENT, run_id)
    sent = vtu.stats(EMAIL).heartbeats
    drain.until_idle()  # the slice queued before the cancel runs, and stops
    assert vtu.stats(EMAIL).heartbeats == sent
    vtu.settings.time_scale = 1200.0
    ctx.runs.submit(STUDENT, SMALL)
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
    for lecture in video_lectures(vtu):
        assert vtu.progress(EMAIL, lecture.id).credited_s <= lecture.duration_s * 1.015 + 1


def test_a_cancelled_runs_probing_turn_passes_on_at_once(ctx, logged_in, redis, vtu, drain):
    vtu.settings.time_scale = 60.0  # a full chunk needs a 2 s wait: not learned in one slice
    first = ctx.runs.submit(STUDENT, "1-benchmark-166").run.id
    drain(lambda: redis.get(keys.PROBE_LOCK) == first.encode())  # it is learning the crediting
    ctx.runs.cancel(STUDENT, first)
    assert not redis.exists(keys.CREDIT_MODEL)
    vtu.settings.time_scale = 1200.0
    second = ctx.runs.submit(STUDENT, SMALL).run.id
    # Well inside the turn's 60 s lease, which a cancelled run would otherwise keep.
    drain(lambda: ctx.runs.get(STUDENT, second).state is RunState.COMPLETED, timeout=30)
    assert redis.get(keys.PROBE_LOCK) == second.encode()


def test_forget_deletes_everything_about_the_student(ctx, logged_in, redis, drain):
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    ctx.runs.submit(STUDENT, "1-benchmark-166")
    assert ctx.runs.forget(STUDENT) == 2
    leftovers = [k.decode() for k in redis.scan_iter(match="autopilot:*")]
    assert not [k for k in leftovers if STUDENT in k or run_id in k], leftovers
    assert queue(redis, RUNS_QUEUE).count == 0
    assert ctx.runs.status(STUDENT) == []
    assert ctx.vault.credentials(STUDENT) is None


def test_slices_share_the_students_session_one_login_per_expiry(ctx, logged_in, vtu, drain):
    from tests.core.test_session_sharing import sessions_needed

    vtu.settings.session_max_requests, vtu.settings.expired_status = 7, 419
    first = ctx.runs.submit(STUDENT, SMALL).run.id
    second = ctx.runs.submit(STUDENT, "1-benchmark-166").run.id
    drain(lambda: ctx.runs.get(STUDENT, first).state is RunState.COMPLETED, timeout=60)
    ctx.runs.cancel(STUDENT, second)
    drain.until_idle()
    stats = vtu.stats(EMAIL)
    assert stats.expired_rejections >= 5
    assert stats.logins <= sessions_needed(stats, per_session=7) + 1
