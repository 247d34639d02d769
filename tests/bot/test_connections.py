"""The bot's Redis pools: more callers than connections wait their turn, none fails."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bot.telegram.connections import async_client, sync_client

HOLD_S = 0.1
"""Each call holds its connection this long (a blocking pop on an empty list)."""


def test_a_burst_beyond_the_async_pool_waits_instead_of_failing(redis_url):
    async def main() -> list[object]:
        client = async_client(redis_url, concurrency=2)
        try:
            return await asyncio.gather(
                *(client.blpop([f"empty:{i}"], timeout=HOLD_S) for i in range(8))
            )
        finally:
            await client.aclose()

    assert asyncio.run(main()) == [None] * 8


def test_more_threads_than_sync_connections_wait_instead_of_failing(redis_url):
    client = sync_client(redis_url, threads=2)
    try:
        with ThreadPoolExecutor(8) as threads:
            results = list(
                threads.map(lambda i: client.blpop([f"empty:{i}"], timeout=HOLD_S), range(8))
            )
    finally:
        client.close()
    assert results == [None] * 8
