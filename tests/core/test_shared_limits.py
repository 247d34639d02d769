import asyncio
import time

import pytest
from redis.asyncio import Redis

from core import keys
from core.limits import OverBudget, SharedRateLimiter


def limiter(redis, student, per_student=10.0, global_rate=100.0, patience=0.0):
    return SharedRateLimiter(
        redis,
        student,
        per_student=per_student,
        global_rate=global_rate,
        patience=lambda: patience,
    )


def test_student_rate_is_kept_across_limiters(redis_url):
    async def scenario():
        redis = Redis.from_url(redis_url)
        first, second = limiter(redis, "s1", patience=5), limiter(redis, "s1", patience=5)
        started = time.perf_counter()
        for _ in range(12):
            await first.acquire()
            await second.acquire()
        elapsed = time.perf_counter() - started
        await redis.aclose()
        return elapsed

    # 24 requests at 10/s with a burst of 2: at least 2.1 s.
    assert asyncio.run(scenario()) >= 2.0


def test_over_budget_says_how_long_to_wait(redis_url):
    async def scenario():
        redis = Redis.from_url(redis_url)
        slow = limiter(redis, "s1", per_student=1.0)
        for _ in range(3):
            await slow.acquire()
        with pytest.raises(OverBudget) as caught:
            await slow.acquire()
        await redis.aclose()
        return caught.value.wait_s

    assert 0.5 < asyncio.run(scenario()) <= 1.0


def test_fair_share_divides_the_global_budget_between_active_students(redis, redis_url):
    redis.hset(keys.ACTIVE_STUDENTS, mapping={"a": 5, "b": 1})

    async def count(student, seconds):
        aredis = Redis.from_url(redis_url)
        mine = limiter(aredis, student, per_student=100.0, global_rate=20.0)
        granted, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            if await mine.try_acquire() == 0:
                granted += 1
            else:
                await asyncio.sleep(0.005)
        await aredis.aclose()
        return granted

    async def scenario():
        # Student a runs five courses, b one: each still gets half of 20/s.
        return await asyncio.gather(*(count("a", 2.0) for _ in range(5)), count("b", 2.0))

    *a_runs, b = asyncio.run(scenario())
    a = sum(a_runs)
    assert 18 <= a <= 24 and 18 <= b <= 24
