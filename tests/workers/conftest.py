"""Fixtures for runs on RQ: a worker context over the suite's Redis and the VTU stand-in."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
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


@pytest.fixture
def drain(redis) -> Callable[..., None]:
    """Run an in-process worker in bursts until `done()` or `timeout` seconds."""

    def run(done: Callable[[], bool], timeout: float = 30.0) -> None:
        worker = SimpleWorker(
            [queue(redis, name) for name in QUEUES],
            connection=redis,
            serializer=JSONSerializer,
            job_class=JSONJob,
        )
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError("the runs did not get there in time")
            worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            time.sleep(0.02)

    return run
