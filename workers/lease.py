"""A run's lease: the one slice working on a run holds it, renewed while it works.

Two slices of one run must never send heartbeats at once: each keeps its own ledger, so both
would send the same lecture's credit. The lease is short (`LEASE_S`), so that a dead worker's
run is free again soon, and renewed every `RENEW_S` while its slice works, however long a
request takes. A slice whose lease is lost anyway (its process stalled past `LEASE_S`, and
another slice took the run) is stopped at once. Renewal and release change the lease only
while it is still the holder's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from core import keys

if TYPE_CHECKING:
    from redis import Redis
    from redis.asyncio import Redis as AsyncRedis

log = logging.getLogger(__name__)
T = TypeVar("T")

LEASE_S = 15
"""A slice's claim on its run; expires this soon after its worker dies."""
RENEW_S = 5.0
"""How often a working slice renews its lease: a third of it, so two renewals may fail."""

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaseLost(Exception):
    """Another slice holds the run now; this one stopped."""


class RunLease:
    def __init__(self, redis: Redis, async_redis: AsyncRedis, run_id: str, holder: str) -> None:
        self.key = keys.lease(run_id)
        self.holder = holder
        self._redis = redis
        self._async_redis = async_redis

    def acquire(self) -> bool:
        return bool(self._redis.set(self.key, self.holder, nx=True, ex=LEASE_S))

    def release(self) -> None:
        self._redis.eval(_RELEASE, 1, self.key, self.holder)

    async def renew(self) -> bool:
        renewed = await self._async_redis.eval(_RENEW, 1, self.key, self.holder, LEASE_S)  # type: ignore[misc]
        return bool(renewed)

    async def hold_while(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work`, renewing the lease meanwhile; raises `LeaseLost` (after cancelling
        `work`) if the lease is no longer this holder's."""
        task = asyncio.ensure_future(work)
        while True:
            done, _ = await asyncio.wait({task}, timeout=RENEW_S)
            if done:
                return task.result()
            if not await self.renew():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                raise LeaseLost(self.key)
