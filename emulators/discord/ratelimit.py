"""Discord's rate limits: fixed-window buckets per route and major parameter (channel,
guild, webhook), a global limit per second, the ``X-RateLimit-*`` headers that describe them,
and 429 answers with ``retry_after`` and a ``Via`` header (discord.py takes a 429 without
``Via`` for a Cloudflare ban)."""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from emulators.discord.settings import DiscordSettings

VIA = "1.1 google"
RATE_LIMITED = "You are being rate limited."


@dataclass(frozen=True)
class BucketRule:
    """Which bucket a route spends: ``kind`` picks the limit from the settings (``message``,
    ``webhook`` or ``route``); ``major`` names the path parameter that splits it."""

    name: str
    kind: str
    major: tuple[str, ...] = ()


@dataclass
class _Window:
    started: float
    used: int = 0


@dataclass(frozen=True)
class Verdict:
    """The outcome of one request against the limits: ``retry_after`` set means 429."""

    headers: dict[str, str]
    retry_after: float | None = None
    is_global: bool = False
    bucket: str = ""


@dataclass
class _Forced:
    route: str | None
    retry_after: float
    is_global: bool
    remaining: int


@dataclass
class RateLimiter:
    settings: DiscordSettings
    clock: Callable[[], float]
    _windows: dict[tuple[str, ...], _Window] = field(default_factory=dict)
    _global: _Window | None = None
    _forced: list[_Forced] = field(default_factory=list)

    def force(self, route: str | None, retry_after: float, count: int, is_global: bool) -> None:
        """Answer the next ``count`` requests to ``route`` (None: any route) with 429."""
        self._forced.append(_Forced(route, retry_after, is_global, count))

    def check(
        self, route: str, rule: BucketRule | None, params: dict[str, str], global_limited: bool
    ) -> Verdict:
        """Spend one request, or say how long to wait. Call with the world's lock held."""
        now = self.clock()
        bucket_hash = _hash(rule.name) if rule is not None else ""
        forced = self._take_forced(route)
        if forced is not None:
            return _throttled(forced.retry_after, forced.is_global, bucket_hash, 1)
        if not self.settings.rate_limits_enabled:
            return Verdict(headers={})
        if global_limited:
            verdict = self._spend_global(now)
            if verdict is not None:
                return verdict
        if rule is None:
            return Verdict(headers={})
        limit, window_s = self._limits(rule.kind)
        key = (rule.name, *(params.get(name, "") for name in rule.major))
        window = self._windows.get(key)
        if window is None or now >= window.started + window_s:
            window = self._windows[key] = _Window(started=now)
        reset_after = max(window.started + window_s - now, 0.0)
        if window.used >= limit:
            return _throttled(reset_after, False, bucket_hash, limit)
        window.used += 1
        return Verdict(
            headers=_headers(limit, limit - window.used, reset_after, bucket_hash),
            bucket=bucket_hash,
        )

    def _spend_global(self, now: float) -> Verdict | None:
        if self._global is None or now >= self._global.started + 1.0:
            self._global = _Window(started=now)
        if self._global.used >= self.settings.global_per_s:
            retry_after = max(self._global.started + 1.0 - now, 0.001)
            return _throttled(retry_after, True, "", self.settings.global_per_s)
        self._global.used += 1
        return None

    def _take_forced(self, route: str) -> _Forced | None:
        for forced in self._forced:
            if forced.route in (None, route) and forced.remaining > 0:
                forced.remaining -= 1
                if forced.remaining == 0:
                    self._forced.remove(forced)
                return forced
        return None

    def _limits(self, kind: str) -> tuple[int, float]:
        settings = self.settings
        if kind == "message":
            return settings.message_limit, settings.message_window_s
        if kind == "webhook":
            return settings.webhook_limit, settings.webhook_window_s
        return settings.route_limit, settings.route_window_s


def _hash(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()[:32]


def _headers(limit: int, remaining: int, reset_after: float, bucket: str) -> dict[str, str]:
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
    }
    if bucket:
        headers["X-RateLimit-Bucket"] = bucket
    return headers


def _throttled(retry_after: float, is_global: bool, bucket: str, limit: int) -> Verdict:
    retry_after = max(math.ceil(retry_after * 1000) / 1000, 0.001)
    headers = {"Retry-After": str(max(math.ceil(retry_after), 1)), "Via": VIA}
    if is_global:
        headers["X-RateLimit-Global"] = "true"
        headers["X-RateLimit-Scope"] = "global"
    else:
        headers.update(_headers(limit, 0, retry_after, bucket))
        headers["X-RateLimit-Scope"] = "user"
    return Verdict(headers=headers, retry_after=retry_after, is_global=is_global, bucket=bucket)


def throttle_body(verdict: Verdict) -> dict[str, object]:
    return {
        "message": RATE_LIMITED,
        "retry_after": verdict.retry_after,
        "global": verdict.is_global,
    }
