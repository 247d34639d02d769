"""What a worker process creates once and every job reuses (arq's `ctx`, RQ's worker).

Jobs run one after another in the worker's main thread (RQ's SimpleWorker), so one event
loop, one HTTP connection pool and one async Redis client serve them all.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from rq.job import get_current_job

from config import Settings
from core.metrics.http import event_hooks
from core.redis_clients import async_redis
from core.runs import Runs
from core.runs.queues import RUNS_QUEUE, queue
from core.runs.store import RunStore
from core.vault import SecretBox, Vault
from core.vtu.client import DEFAULT_TIMEOUT

T = TypeVar("T")

PATIENCE_S = 1.0
"""How long a slice may wait for its budget while no other job waits for the worker."""


@dataclass
class WorkerContext:
    settings: Settings
    redis: Redis
    vault: Vault
    runs: Runs
    _runner: asyncio.Runner = field(default_factory=asyncio.Runner)
    _async_redis: AsyncRedis | None = None
    _http: httpx.AsyncClient | None = None
    _backlog_checked: float = 0.0
    _backlog: bool = False

    @classmethod
    def build(cls, settings: Settings, redis: Redis) -> WorkerContext:
        vault = Vault(redis, SecretBox(settings.secret_keys))
        return cls(
            settings=settings,
            redis=redis,
            vault=vault,
            runs=Runs(redis, vault, settings),
        )

    @property
    def store(self) -> RunStore:
        return self.runs.store

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the worker's loop in the caller's context: the runner would
        otherwise reuse the context of its first call, so every later job's log lines
        carried the first job's `job_id` and no `run_id`."""
        return self._runner.run(coroutine, context=contextvars.copy_context())

    @property
    def async_redis(self) -> AsyncRedis:
        if self._async_redis is None:
            assert self.settings.redis_url, "workers need REDIS_URL"
            self._async_redis = async_redis(self.settings.redis_url)
        return self._async_redis

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            hooks = event_hooks(self.async_redis, self.settings)  # platform and chat metrics
            self._http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, event_hooks=hooks)
        return self._http

    def patience(self) -> float:
        """Wait in place only while no other job is queued for this worker."""
        now = time.monotonic()
        if now - self._backlog_checked > 0.2:
            self._backlog = bool(queue(self.redis, RUNS_QUEUE).count)
            self._backlog_checked = now
        return 0.0 if self._backlog else PATIENCE_S

    def close(self) -> None:
        async def _close() -> None:
            if self._http is not None:
                await self._http.aclose()
            if self._async_redis is not None:
                await self._async_redis.aclose()

        self.run(_close())
        self._runner.close()


_context: WorkerContext | None = None


def current() -> WorkerContext:
    """This process's context, made on first use from the environment."""
    global _context
    if _context is None:
        job = get_current_job()
        if job is None:
            raise RuntimeError("worker context asked for outside a job")
        _context = WorkerContext.build(Settings.from_env(), job.connection)
    return _context


def install(context: WorkerContext | None) -> None:
    """Use `context` for jobs in this process (the worker command and tests set it)."""
    global _context
    _context = context
