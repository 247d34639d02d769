"""Redis clients that ride out a restart of the server.

A pooled connection outlives the server it was opened to: after Redis (or `autopilot up`'s
embedded Valkey) restarts, the first command on each such connection fails, and redis-py's
default retry gave up on some of them, failing a run's slice over nothing. These clients retry
connection errors with a short backoff (`RETRY_ATTEMPTS` over about `RIDE_OUT_S` seconds),
which covers a restart, and then fail as before.
"""

from __future__ import annotations

from typing import Any

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

RETRY_ATTEMPTS = 8
BACKOFF_BASE_S = 0.1
BACKOFF_CAP_S = 1.0
RIDE_OUT_S = 5.5
"""0.1 + 0.2 + 0.4 + 0.8 + 4 x 1.0: what the retries above wait in all, at most."""
_RETRIED = [RedisConnectionError, RedisTimeoutError]


def retry_options() -> dict[str, Any]:
    """Options for a sync client or pool (`Redis.from_url(url, **retry_options())`)."""
    backoff = ExponentialBackoff(cap=BACKOFF_CAP_S, base=BACKOFF_BASE_S)
    return {"retry": Retry(backoff, RETRY_ATTEMPTS), "retry_on_error": _RETRIED}


def async_retry_options() -> dict[str, Any]:
    backoff = ExponentialBackoff(cap=BACKOFF_CAP_S, base=BACKOFF_BASE_S)
    return {"retry": AsyncRetry(backoff, RETRY_ATTEMPTS), "retry_on_error": _RETRIED}


def sync_redis(url: str, **options: Any) -> Redis:
    return Redis.from_url(url, **retry_options(), **options)


def async_redis(url: str, **options: Any) -> AsyncRedis:
    return AsyncRedis.from_url(url, **async_retry_options(), **options)
