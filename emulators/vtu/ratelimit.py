"""Per-student throttling: a sliding request window plus a minimum gap between requests."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from emulators.vtu.settings import EmulatorSettings


@dataclass(frozen=True)
class Verdict:
    retry_after: int | None
    """Whole seconds to wait when refused; None when the request was admitted."""
    limit: int | None
    remaining: int | None


class RateLimiter:
    """Not thread-safe: the caller holds the emulator's lock. Refused requests are not counted."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._last: dict[str, float] = {}

    def admit(self, key: str, now: float, settings: EmulatorSettings) -> Verdict:
        limit = settings.rate_limit_requests
        last = self._last.get(key)
        if last is not None and now - last < settings.min_interval_s:
            return Verdict(_whole_seconds(settings.min_interval_s - (now - last)), limit, 0)
        hits = self._hits.setdefault(key, deque())
        if limit is None:
            hits.clear()
        else:
            horizon = now - settings.rate_limit_window_s
            while hits and hits[0] <= horizon:
                hits.popleft()
            if len(hits) >= limit:
                wait = hits[len(hits) - limit] + settings.rate_limit_window_s - now
                return Verdict(_whole_seconds(wait), limit, 0)
            hits.append(now)
        self._last[key] = now
        return Verdict(None, limit, None if limit is None else limit - len(hits))

    def reset(self) -> None:
        self._hits.clear()
        self._last.clear()


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))
