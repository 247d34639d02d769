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
"""

import asyncio
import time

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


@pytest.mark.parametrize("rounding", ["floor", "round"])
@pytest.mark.parametrize("mode", ["clamp", "refuse"])
@pytest.mark.parametrize("time_rate", [None, 1.0, 0.5], ids=["no-time-cap", "rate-1", "rate-0.5"])
@pytest.mark.parametrize("cap", [30, 60, 90, 120])
def test_every_rule_completes_with_the_fewest_heartbeats_in_bounded_time(
    cap, time_rate, mode, rounding
):
    with VTUEmulator(small_catalog(), matrix_settings(cap, time_rate, mode, rounding)) as vtu:
        finished, took = asyncio.run(complete_small(vtu))
        durations = video_durations(vtu, SMALL)
        fewest = minimum_heartbeats(durations, cap)
        assert finished
        assert_completed_within_tolerance(vtu)
        assert vtu.stats(EMAIL).heartbeats <= 1.10 * fewest
        lectures = len(vtu.catalog.course(SMALL).lectures)
        bound = (1 + lectures + fewest) / RATE
        if time_rate is not None:
            bound = max(bound, max(durations.values()) / (time_rate * TIME_SCALE))
        assert took <= 1.5 * bound, (took, bound)
