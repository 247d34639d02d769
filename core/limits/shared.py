"""Request budgets shared by every worker process, in Redis.

Two buckets are charged together for each request: the student's (all their runs share it)
and the global one. The student's rate is their fair share, `min(per_student, global /
students with active runs)`, so one student's five courses do not starve another's one and
the global budget is used fully. Time is the Redis server's, so hosts need not agree on
theirs. Buckets are GCRA ("virtual scheduling"): one key per bucket
holding the theoretical arrival time, a little burst allowed so a late job can catch up.

A job must not sleep on a budget while other jobs wait for its worker: `acquire` raises
`OverBudget` with the wait instead, once the wait exceeds `patience()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from core import keys

if TYPE_CHECKING:
    from redis.asyncio import Redis

BURST = 2.0
"""Requests a bucket may run ahead by, to make up for a job that started late."""

_CHARGE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local per_student = tonumber(ARGV[2])
local global_rate = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local students = math.max(1, redis.call('HLEN', KEYS[3]))
local student_rate = math.min(per_student, global_rate / students)
local intervals = {1 / student_rate, 1 / global_rate}
local wait = 0
local tats = {}
for i = 1, 2 do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tats[i] = tat
  local allowed_at = tat - intervals[i] * burst
  if allowed_at > now and allowed_at - now > wait then wait = allowed_at - now end
end
if wait > 0 then return tostring(wait) end
for i = 1, 2 do
  local new_tat = tats[i] + intervals[i]
  redis.call('SET', KEYS[i], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
end
return '0'
"""


class OverBudget(Exception):
    """The budget allows the next request only after `wait_s` seconds."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"over budget for {wait_s:.2f} s")
        self.wait_s = wait_s


class SharedRateLimiter:
    """One student's requests, charged against their fair share and the global budget."""

    def __init__(
        self,
        redis: Redis,
        student: str,
        *,
        per_student: float,
        global_rate: float,
        patience: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.redis = redis
        self.student = student
        self.per_student = per_student
        self.global_rate = global_rate
        self.patience = patience
        self._charge = redis.register_script(_CHARGE)

    async def try_acquire(self) -> float:
        """Charge one request if it fits now; else return how long until it would."""
        wait = await self._charge(
            keys=[keys.student_budget(self.student), keys.GLOBAL_BUDGET, keys.ACTIVE_STUDENTS],
            args=[0, self.per_student, self.global_rate, BURST],
        )
        return float(wait)

    async def acquire(self) -> None:
        while (wait := await self.try_acquire()) > 0:
            if wait > self.patience():
                raise OverBudget(wait)
            await asyncio.sleep(wait)
