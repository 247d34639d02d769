"""In-process request budgets, for one process driving the platform (the `complete` CLI)."""

from __future__ import annotations

import asyncio
import time
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


class SpacedSends:
    """At most one send every `1 / rate` seconds, measured from when the previous one really
    left. Unlike booked slots, a loop that wakes late for several sends at once (a crowd
    keeping it busy) still lets them out one interval apart, not bunched together."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._last = -float("inf")
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            wait = self._last + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last = time.monotonic()
