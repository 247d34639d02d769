"""A chat API's request budget learned from its rate-limit headers, shared in Redis.

Discord tells each client its limits as it goes: every answer names the bucket its route
spends (`X-RateLimit-Bucket`), what is left in it (`X-RateLimit-Remaining`) and when it
refills (`X-RateLimit-Reset-After`); buckets are split by a route's major parameter (the
channel, guild or webhook). On top of that, all of a bot's requests together may not exceed
a global limit (50 a second), and a 429 carries `retry_after`, for one bucket or globally.

The bot and every worker send with the same token, so they share one budget here:

- `route:<route>`: the bucket a route was last told to spend (learned once, kept a day);
- `bucket:<bucket>:<major>`: what is left in it and when it refills, charged before each
  request and corrected (never upwards within a window) by each answer's headers; its limit
  and window length are kept too, so that once a window has passed the next one is counted
  from its first request, before any answer has described it;
- `global`: a GCRA bucket at `global_rate` for requests that count against the global limit;
- `global-blocked-until`: a global 429's `retry_after`, obeyed by everyone.

Nothing waits inside the scripts: a request is charged, or the seconds until it would fit
are returned. Times are the Redis server's clock.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core import keys

if TYPE_CHECKING:
    from redis.asyncio import Redis

GLOBAL_RATE = 45.0
"""Requests a second for the whole bot: Discord's global limit is 50, less room for skew."""
GLOBAL_BURST = 5.0
ROUTE_MEMORY_S = 24 * 3600
"""How long what was learned of a route and its buckets is kept."""
SAME_WINDOW_S = 0.5
"""Two answers whose resets are this close describe the same window of a bucket."""


class OverRouteBudget(Exception):
    """The request fits only after `wait_s` seconds."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"rate limit budget exhausted for {wait_s:.2f} s")
        self.wait_s = wait_s


@dataclass(frozen=True)
class RateLimitHeaders:
    """What one answer said about its bucket (fields None when absent)."""

    bucket: str | None = None
    limit: int | None = None
    remaining: int | None = None
    reset_after_s: float | None = None
    is_global: bool = False
    retry_after_s: float | None = None
    """From a 429's `Retry-After` header (whole seconds, rounded up by the server)."""

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateLimitHeaders:
        def number(name: str) -> float | None:
            try:
                return float(headers[name])
            except (KeyError, ValueError):
                return None

        remaining, limit = number("X-RateLimit-Remaining"), number("X-RateLimit-Limit")
        return cls(
            bucket=headers.get("X-RateLimit-Bucket") or None,
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset_after_s=number("X-RateLimit-Reset-After"),
            is_global=headers.get("X-RateLimit-Global", "").lower() == "true"
            or headers.get("X-RateLimit-Scope", "") == "global",
            retry_after_s=number("Retry-After"),
        )


_CHARGE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local global_limited = ARGV[1] == '1'
local wait = 0
if global_limited then
  local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
  if blocked > now then wait = blocked - now end
end
local state = redis.call('HMGET', KEYS[3], 'remaining', 'reset_at', 'limit', 'window')
local remaining, reset_at = tonumber(state[1]), tonumber(state[2])
local limit, window = tonumber(state[3]), tonumber(state[4])
if remaining ~= nil and reset_at ~= nil and reset_at <= now and limit ~= nil and window ~= nil then
  remaining, reset_at = limit, now + window
end
local known = remaining ~= nil and reset_at ~= nil and reset_at > now
if known and remaining <= 0 and reset_at - now > wait then wait = reset_at - now end
local interval = 1 / tonumber(ARGV[2])
local tat = 0
if global_limited then
  tat = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tat < now then tat = now end
  local allowed_at = tat - interval * tonumber(ARGV[3])
  if allowed_at - now > wait then wait = allowed_at - now end
end
if wait > 0 then return tostring(wait) end
if known then
  redis.call('HSET', KEYS[3], 'remaining', remaining - 1, 'reset_at', tostring(reset_at))
end
if global_limited then
  local new_tat = tat + interval
  redis.call('SET', KEYS[2], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
end
return '0'
"""

_LEARN = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local remaining = tonumber(ARGV[1])
local reset_at = now + tonumber(ARGV[2])
local old = redis.call('HMGET', KEYS[1], 'remaining', 'reset_at', 'window')
local old_remaining, old_reset = tonumber(old[1]), tonumber(old[2])
local window = math.max(tonumber(old[3]) or 0, tonumber(ARGV[2]))
if old_reset ~= nil and old_reset > now then
  if math.abs(old_reset - reset_at) < tonumber(ARGV[3]) then
    if old_remaining ~= nil and old_remaining < remaining then remaining = old_remaining end
    reset_at = math.max(old_reset, reset_at)
  elseif reset_at < old_reset then
    return 0
  end
end
redis.call('HSET', KEYS[1], 'remaining', remaining, 'reset_at', tostring(reset_at),
  'window', tostring(window))
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'limit', ARGV[4]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return 1
"""

_BLOCK = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
if KEYS[1] ~= '' and ARGV[2] == 'global' then
  if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
    redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
  end
  return 1
end
local old = tonumber(redis.call('HGET', KEYS[1], 'reset_at') or '0')
if until_ < old then until_ = old end
redis.call('HSET', KEYS[1], 'remaining', 0, 'reset_at', tostring(until_))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


def major_key(*parts: str) -> str:
    """A major parameter for the keys; webhook tokens are secrets, so only a digest of the
    parameters is ever stored."""
    joined = "/".join(parts)
    if len(parts) == 1 and joined.isdigit():
        return joined
    return hashlib.sha256(joined.encode()).hexdigest()[:24]


class RouteBudget:
    """One bot's header-driven budget (`platform` names it in the keys); async."""

    def __init__(
        self,
        redis: Redis,
        *,
        platform: str = "discord",
        global_rate: float = GLOBAL_RATE,
        global_burst: float = GLOBAL_BURST,
    ) -> None:
        self.redis = redis
        self.platform = platform
        self.global_rate = global_rate
        self.global_burst = global_burst
        self._buckets: dict[str, str] = {}
        self._charge = redis.register_script(_CHARGE)
        self._learn = redis.register_script(_LEARN)
        self._block = redis.register_script(_BLOCK)

    def _key(self, name: str) -> str:
        return f"{keys.PREFIX}ratelimit:{self.platform}:{name}"

    async def _bucket_key(self, route: str, major: str) -> str:
        bucket = self._buckets.get(route)
        if bucket is None:
            raw = await self.redis.get(self._key(f"route:{route}"))
            if raw is not None:
                bucket = self._buckets[route] = raw.decode() if isinstance(raw, bytes) else raw
        return self._key(f"bucket:{bucket or 'route:' + route}:{major}")

    async def try_acquire(self, route: str, major: str, *, global_limited: bool = True) -> float:
        """Charge one request on `route` (split by `major`) if it fits now; else the seconds
        until it would."""
        wait = await self._charge(
            keys=[
                self._key("global-blocked-until"),
                self._key("global"),
                await self._bucket_key(route, major),
            ],
            args=["1" if global_limited else "0", self.global_rate, self.global_burst],
        )
        return float(wait)

    async def acquire(
        self, route: str, major: str, patience_s: float, *, global_limited: bool = True
    ) -> None:
        """Wait for room up to `patience_s` in all; `OverRouteBudget` beyond that."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience_s
        while (wait := await self.try_acquire(route, major, global_limited=global_limited)) > 0:
            if loop.time() + wait > deadline:
                raise OverRouteBudget(wait)
            await asyncio.sleep(wait)

    async def learn(self, route: str, major: str, headers: RateLimitHeaders) -> None:
        """Take in what an answer said about its bucket."""
        if headers.bucket is not None and self._buckets.get(route) != headers.bucket:
            self._buckets[route] = headers.bucket
            await self.redis.set(self._key(f"route:{route}"), headers.bucket, ex=ROUTE_MEMORY_S)
        if headers.remaining is None or headers.reset_after_s is None:
            return
        await self._learn(
            keys=[await self._bucket_key(route, major)],
            args=[
                headers.remaining,
                headers.reset_after_s,
                SAME_WINDOW_S,
                "" if headers.limit is None else headers.limit,
                ROUTE_MEMORY_S,
            ],
        )

    async def throttled(
        self, route: str, major: str, retry_after_s: float, *, is_global: bool
    ) -> None:
        """Record a 429: nobody sends on that bucket (or at all, when global) for
        `retry_after_s`."""
        if is_global:
            key = self._key("global-blocked-until")
        else:
            key = await self._bucket_key(route, major)
        await self._block(
            keys=[key], args=[retry_after_s, "global" if is_global else "bucket", ROUTE_MEMORY_S]
        )
