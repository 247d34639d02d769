"""Workers and the scheduler run only the registered job functions of `core.jobs`.

Whoever can write to Redis can enqueue a job naming any importable function; the worker must
fail it into the DLQ with a reason, without importing or calling it.
"""

import sys
from datetime import UTC, datetime

import pytest
from rq import Callback, Queue
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer
from rq_scheduler import Scheduler

from core import jobs
from core.jobs import WATCHDOG
from core.runs import dead_letters
from core.runs.queues import FAST_QUEUE, JSONJob
from launcher.worker import make_worker
from workers.scheduling import DueJobMover

BAIT = "tests.workers.job_bait"


@pytest.fixture(autouse=True)
def bait_not_imported():
    sys.modules.pop(BAIT, None)
    yield
    assert BAIT not in sys.modules, "a worker or scheduler imported a function it was told to"


def raw_queue(redis) -> Queue:
    """What another process on the machine would use: plain RQ, no project classes."""
    return Queue(FAST_QUEUE, connection=redis, serializer=JSONSerializer)


def failure_of(redis, job_id: str) -> str:
    registry = FailedJobRegistry(FAST_QUEUE, connection=redis, job_class=JSONJob)
    assert job_id in registry, "the refused job is not in the DLQ"
    return dead_letters.reason(JSONJob.fetch(job_id, connection=redis))


def test_worker_refuses_os_system_without_running_it(redis, tmp_path):
    marker = tmp_path / "pwned"
    job = raw_queue(redis).enqueue("os.system", f"touch {marker}")
    make_worker(redis).work(burst=True)
    assert not marker.exists(), "os.system ran in the worker"
    reason = failure_of(redis, job.id)
    assert "'os.system' is not one of the project's registered job functions" in reason


def test_worker_refuses_an_importable_function_without_importing_it(redis, tmp_path):
    marker = tmp_path / "ran"
    job = raw_queue(redis).enqueue(f"{BAIT}.run", str(marker))
    make_worker(redis).work(burst=True)
    assert not marker.exists()
    assert "not imported or run" in failure_of(redis, job.id)


def test_worker_refuses_a_registered_job_carrying_a_callback(redis):
    job = raw_queue(redis).enqueue(
        jobs.REFRESH_PROGRESS, "no-such-run", on_failure=Callback(f"{BAIT}.on_failure")
    )
    make_worker(redis).work(burst=True)
    assert "carries a failure callback" in failure_of(redis, job.id)


def test_dlq_list_shows_the_refusal(redis, settings, monkeypatch, capsys):
    from launcher import main

    job = raw_queue(redis).enqueue("os.system", "true")
    make_worker(redis).work(burst=True)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    assert main(["dlq", "list"]) == 0
    out = capsys.readouterr().out
    assert job.id in out and "'os.system' is not one of the project's registered" in out
    assert main(["dlq", "retry", job.id]) == 1  # asked to retry, nothing retried
    assert "not retried" in capsys.readouterr().out
    assert job.id in FailedJobRegistry(FAST_QUEUE, connection=redis)


@pytest.mark.parametrize("job_class", [JSONJob, None], ids=["json", "pickled"])
def test_scheduler_refuses_a_periodic_job_it_was_not_given(redis, tmp_path, job_class):
    intruder = Scheduler(queue_name=FAST_QUEUE, connection=redis, job_class=job_class)
    job = intruder.schedule(
        datetime.now(UTC).replace(tzinfo=None),
        f"{BAIT}.run",
        args=[str(tmp_path / "x")],
        interval=1,
        id="intruder",
    )
    mover = DueJobMover(redis)
    mover.run_pass()
    scheduler = mover.scheduler
    assert "intruder" not in scheduler, "the refused job stays scheduled"
    assert "intruder" not in raw_queue(redis).get_job_ids(), "the refused job was queued"
    assert "refused" in failure_of(redis, job.id)
    assert WATCHDOG.job_id in scheduler
