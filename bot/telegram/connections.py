"""The bot's Redis clients, with pools sized for how much the bot does at once.

redis-py's default pool holds 100 connections and raises `MaxConnectionsError` the moment one
more is asked for, so a crowd of students writing together made the bot fail them. These
pools block instead: a burst beyond the pool waits for a free connection (up to
`REDIS_WAIT_S`), it does not fail. Each pool is as large as the number of callers that can
hold a connection at the same moment, so normally nobody waits at all.
"""

from __future__ import annotations

from redis import BlockingConnectionPool, Redis
from redis.asyncio import BlockingConnectionPool as AsyncBlockingConnectionPool
from redis.asyncio import Redis as AsyncRedis

from core.redis_clients import async_retry_options, retry_options

REDIS_WAIT_S = 30.0
"""Longest a call waits for a free connection before it fails (Redis is then in trouble)."""
OFFLOAD_THREADS = 32
"""Most threads `asyncio.to_thread` runs at once (its default executor: min(32, CPUs + 4)),
so most sync calls that can hold a connection at once."""


def async_client(url: str, concurrency: int) -> AsyncRedis:
    """For the event loop: one connection per update being handled, at most."""
    pool = AsyncBlockingConnectionPool.from_url(
        url, max_connections=concurrency, timeout=REDIS_WAIT_S, **async_retry_options()
    )
    return AsyncRedis.from_pool(pool)


def sync_client(url: str, threads: int = OFFLOAD_THREADS) -> Redis:
    """For `core`'s synchronous services, called from the offload threads."""
    pool = BlockingConnectionPool.from_url(
        url, max_connections=threads, timeout=REDIS_WAIT_S, **retry_options()
    )
    return Redis.from_pool(pool)
