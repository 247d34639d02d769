"""Fixtures for runs on RQ: a worker context over the suite's Redis and the VTU stand-in."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from redis import Redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from config import Settings
from core.runs.queues import QUEUES, JSONJob, queue
from core.vault import new_key
from core.vtu import Credentials
from emulators.vtu.server import VTUEmulator
from emulators.vtu.settings import EmulatorSettings
from tests.core.conftest import EMAIL, PASSWORD, small_catalog
from workers import context
from workers.scheduling import DueJobMover

STUDENT = "telegram:1001"
SMALL = "1-small-course"


@pytest.fixture
def vtu() -> Iterator[VTUEmulator]:
    settings = EmulatorSettings(rate_limit_requests=None, wallclock_cap=True, time_scale=1200.0)
    with VTUEmulator(small_catalog(), settings) as emulator:
        yield emulator


@pytest.fixture
def settings(redis_url: str, vtu: VTUEmulator) -> Settings:
    return Settings(
        redis_url=redis_url,
        vtu_base_url=vtu.base_url,
        secret_keys=(new_key(),),
        vtu_rate_limit=200.0,
        vtu_global_rate_limit=400.0,
    )


@pytest.fixture
def ctx(settings: Settings, redis) -> Iterator[context.WorkerContext]:
    worker_context = context.WorkerContext.build(settings, redis)
    context.install(worker_context)
    yield worker_context
    worker_context.close()
    context.install(None)


@pytest.fixture
def logged_in(ctx: context.WorkerContext) -> str:
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, PASSWORD))
    return STUDENT


class Drain:
    """An in-process worker run in bounded bursts, so a test can stop anywhere mid-run.

    A lone run's slices re-queue themselves at once while work is due, so an unbounded burst
    (`work(burst=True)`) would run a whole course before the test looks again. Each round here
    moves due jobs as a worker's scheduling loop does, runs at most `ROUND_JOBS` jobs, then
    the test's condition is checked.
    """

    ROUND_JOBS = 1
    IDLE_PAUSE_S = 0.02
    """Between rounds that found nothing ready: delayed jobs fall due meanwhile."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.worker = SimpleWorker(
            [queue(redis, name) for name in QUEUES],
            connection=redis,
            serializer=JSONSerializer,
            job_class=JSONJob,
        )
        self.mover = DueJobMover(redis, keep_periodic=False)
        self.jobs = 0
        """Jobs run so far by this helper."""

    def __call__(
        self, done: Callable[[], bool], timeout: float = 30.0, max_jobs: int = 5000
    ) -> int:
        """Run jobs until `done()`; raises TimeoutError after `timeout` seconds or `max_jobs`
        jobs. Returns how many jobs ran."""
        deadline, ran = time.monotonic() + timeout, 0
        while not done():
            if time.monotonic() > deadline or ran >= max_jobs:
                raise TimeoutError(f"the runs did not get there ({ran} jobs, {timeout} s)")
            ran += self._round()
        return ran

    def until_idle(self, timeout: float = 30.0) -> int:
        """Run jobs until none is queued, delayed or running (e.g. after a cancel)."""
        return self(self._idle, timeout)

    def _round(self) -> int:
        self.mover.run_pass()
        worked = self.worker.work(
            burst=True, max_jobs=self.ROUND_JOBS, with_scheduler=False, logging_level="WARNING"
        )
        if not worked:
            time.sleep(self.IDLE_PAUSE_S)
        self.jobs += int(worked)
        return int(worked)

    def _idle(self) -> bool:
        for name in QUEUES:
            pending = queue(self.redis, name)
            if pending.count or pending.scheduled_job_registry.count:
                return False
            if pending.started_job_registry.count:
                return False
        return True


def schedule_pass(redis: Redis) -> None:
    """One pass of the project's scheduling, as each worker makes it: rq-scheduler's due jobs
    (one-shot and periodic) and RQ's delayed jobs move to their queues, and missing periodic
    jobs are scheduled. The one place tests reach the scheduling."""
    DueJobMover(redis).run_pass()


@pytest.fixture
def drain(redis: Redis) -> Drain:
    """`drain(done)` runs an in-process worker, a job at a time, until `done()`."""
    return Drain(redis)
