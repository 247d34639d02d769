"""The engine completes a course under every plausible crediting rule, over HTTP.

A heartbeat may be credited `min(sent, C, r x time since the last touch)`: every chunk cap C
of 30, 60, 90 or 120 s; no time cap, or one at rate 1 or 0.5; chunks above the cap clamped or
refused; percents floored or rounded. Each case completes the small course with at most 1.10
times the fewest heartbeats that cap allows, credits no lecture past its duration beyond the
probe tolerance (1.5 % of its duration and a second: a lecture probed with a chunk the
platform clamped is known only to its whole percents), and takes at most 1.5 times the
bound: the requests the platform requires (login, one opening per lecture, the fewest
heartbeats) at the rate limit, or under a time cap the longest lecture's duration at that
rate, whichever is longer.

A case spends nearly all its time waiting for its rate limit and its stand-in's clock, so the
selected cases are played concurrently, each against a stand-in of its own, `AT_ONCE` at a
time (the longest first); each case's time is measured from its own start to its own end, and
each case is checked in a test of its own.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import pytest

from core.engine import CourseRun
from core.limits import LocalRateLimiter
from emulators.vtu.server import VTUEmulator
from emulators.vtu.settings import EmulatorSettings

from .conftest import EMAIL, SMALL, make_client, small_catalog
from .test_engine import minimum_heartbeats, video_durations

RATE = 10.0
"""Requests per second: slow enough that the bound, not a round trip, sets the time."""
TIME_SCALE = 600.0
AT_ONCE = 12
"""Cases played at the same time: all of them are ~120 requests/s in this process, little
enough that round trips stay far below the 0.1 s between one case's requests."""
CAPS = [30, 60, 90, 120]
TIME_RATES = {"no-time-cap": None, "rate-1": 1.0, "rate-0.5": 0.5}
MODES = ["clamp", "refuse"]
ROUNDINGS = ["floor", "round"]

Case = tuple[int, float | None, str, str]
"""(cap, time_rate, mode, rounding), as the test is parametrized."""


@dataclass
class Played:
    vtu: VTUEmulator
    """Stopped; its books are still readable."""
    finished: bool
    took_s: float


def assert_completed_within_tolerance(vtu: VTUEmulator) -> None:
    for lecture_id, duration in video_durations(vtu, SMALL).items():
        progress = vtu.progress(EMAIL, lecture_id)
        assert progress.is_completed, lecture_id
        assert progress.credited_s <= duration * 1.015 + 1, (lecture_id, progress, duration)
        assert vtu.stats(EMAIL).lecture(lecture_id).after_complete == 0


def matrix_settings(cap: int, time_rate: float | None, mode: str, rounding: str):
    return EmulatorSettings(
        rate_limit_requests=None,
        chunk_cap_s=float(cap),
        chunk_over_cap=mode,
        percent_rounding=rounding,
        wallclock_cap=time_rate is not None,
        wallclock_rate=time_rate or 1.0,
        time_scale=TIME_SCALE,
    )


async def complete_small(vtu: VTUEmulator) -> tuple[bool, float]:
    started = time.monotonic()
    async with make_client(vtu, limiter=LocalRateLimiter(RATE)) as client:
        outcome = await asyncio.wait_for(CourseRun(client, SMALL, rate_limit=RATE).run(), 60)
    return outcome.finished, time.monotonic() - started


async def play(case: Case) -> Played:
    vtu = VTUEmulator(small_catalog(), matrix_settings(*case)).start()
    try:
        finished, took = await complete_small(vtu)
    finally:
        await asyncio.to_thread(vtu.stop)  # its shutdown blocks: not in the other cases' loop
    return Played(vtu, finished, took)


async def play_all(cases: list[Case]) -> dict[Case, Played | BaseException]:
    slots = asyncio.Semaphore(AT_ONCE)

    async def one(case: Case) -> Played:
        async with slots:
            return await play(case)

    longest_first = sorted(cases, key=lambda case: case[0])  # smaller caps need more requests
    results = await asyncio.gather(*(one(c) for c in longest_first), return_exceptions=True)
    return dict(zip(longest_first, results, strict=True))


@pytest.fixture(scope="module")
def played(request: pytest.FixtureRequest) -> dict[Case, Played | BaseException]:
    """Every case this session selected (all 48, or those `-k` picks), played at once; with
    the suite's `--dist loadfile` they all run on the worker that plays them."""
    test = test_every_rule_completes_with_the_fewest_heartbeats_in_bounded_time
    params = [
        item.callspec.params
        for item in request.session.items
        if getattr(item, "function", None) is test
    ]
    cases = [(p["cap"], p["time_rate"], p["mode"], p["rounding"]) for p in params]
    return asyncio.run(play_all(cases))


@pytest.mark.parametrize("rounding", ROUNDINGS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("time_rate", list(TIME_RATES.values()), ids=list(TIME_RATES))
@pytest.mark.parametrize("cap", CAPS)
def test_every_rule_completes_with_the_fewest_heartbeats_in_bounded_time(
    played, cap, time_rate, mode, rounding
):
    result = played[(cap, time_rate, mode, rounding)]
    if isinstance(result, BaseException):
        raise result
    vtu, took = result.vtu, result.took_s
    durations = video_durations(vtu, SMALL)
    fewest = minimum_heartbeats(durations, cap)
    assert result.finished
    assert_completed_within_tolerance(vtu)
    assert vtu.stats(EMAIL).heartbeats <= 1.10 * fewest
    lectures = len(vtu.catalog.course(SMALL).lectures)
    bound = (1 + lectures + fewest) / RATE
    if time_rate is not None:
        bound = max(bound, max(durations.values()) / (time_rate * TIME_SCALE))
    assert took <= 1.5 * bound, (took, bound)
