"""In-process request budgets, for one process driving the platform (the `complete` CLI)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Protocol


class RateLimiter(Protocol):
    """Waits until one more request fits the budget."""

    async def acquire(self) -> None: ...


class Unlimited:
    """No budget at all: for tests of other parts."""

    async def acquire(self) -> None:
        return None


class LocalRateLimiter:
    """Evenly spaced requests at `rate` per second (a token bucket holding one token).

    Spacing rather than bursting keeps us under throttles that count per second and under
    "requests too close together" rules alike. Slots are reserved in order, so concurrent
    callers queue up fairly without busy waiting.
    """

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._next_slot = 0.0

    async def acquire(self) -> None:
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class SendWindow:
    """At most `limit` sends in any `window_s`, by when they really leave, and none closer
    than `min_gap_s` to the one before. Slots booked in a shared budget can be missed when
    the event loop runs late (a crowd keeps it busy); the sends that were due then go out as
    fast as this allows, never bunched past the window's limit, and no lag piles up."""

    def __init__(self, limit: int, window_s: float = 1.0, min_gap_s: float = 0.0) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be at least 1 and window_s positive")
        self.limit = limit
        self.window_s = window_s
        self.min_gap_s = min_gap_s
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and self._sent[0] <= now - self.window_s:
                    self._sent.popleft()
                wait = self._sent[-1] + self.min_gap_s - now if self._sent else 0.0
                if len(self._sent) >= self.limit:
                    wait = max(wait, self._sent[0] + self.window_s - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._sent.append(time.monotonic())
