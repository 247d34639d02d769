"""A run never stalls silently: rules that change mid-run, a platform that credits nothing,
progress a student can believe, locked lectures."""

import asyncio
import threading
import time
from itertools import pairwise

from core.engine import CourseRun, MemoryCheckpoint
from core.limits import LocalRateLimiter
from emulators.vtu.server import VTUEmulator

from .conftest import EMAIL, SMALL, make_client
from .test_engine import assert_completed_exactly, video_durations


def change_when(vtu: VTUEmulator, heartbeats: int, **changes: object) -> threading.Thread:
    """Change the platform's rule once it has answered `heartbeats` heartbeats."""

    def watch() -> None:
        deadline = time.monotonic() + 30
        while vtu.stats(EMAIL).heartbeats < heartbeats and time.monotonic() < deadline:
            time.sleep(0.005)
        vtu.settings.update(changes)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


async def complete(vtu: VTUEmulator, **kwargs: object):
    async with make_client(vtu, limiter=LocalRateLimiter(50)) as client:
        return await asyncio.wait_for(CourseRun(client, SMALL, rate_limit=50, **kwargs).run(), 90)


def test_a_chunk_cap_that_drops_mid_run_is_relearned_and_the_run_completes(vtu):
    vtu.settings.update({"time_scale": 600.0})
    watcher = change_when(vtu, 8, chunk_cap_s=45.0)
    outcome = asyncio.run(complete(vtu))
    watcher.join()
    assert outcome.finished and outcome.model_contradicted
    assert all(vtu.progress(EMAIL, i).is_completed for i in video_durations(vtu, SMALL))


def test_a_time_cap_that_appears_mid_run_is_learned_and_the_run_completes(vtu):
    vtu.settings.update({"time_scale": 600.0})
    watcher = change_when(vtu, 6, wallclock_cap=True, wallclock_rate=0.5)
    outcome = asyncio.run(complete(vtu))
    watcher.join()
    assert outcome.finished
    assert all(vtu.progress(EMAIL, i).is_completed for i in video_durations(vtu, SMALL))


def test_a_platform_that_credits_nothing_is_reported_and_the_run_does_not_spin(vtu):
    vtu.settings.update({"chunk_cap_s": 0.0})
    seen = []

    async def scenario():
        async with make_client(vtu, limiter=LocalRateLimiter(50)) as client:
            run = CourseRun(
                client, SMALL, rate_limit=50, stuck_after_s=1.0, on_progress=seen.append
            )
            until = time.time() + 4.0
            while time.time() < until:
                await run.run(until=min(until, time.time() + 1.5), refresh=False)
            return run

    run = asyncio.run(scenario())
    assert "credited nothing" in run.stuck_note and "real player" in run.stuck_note
    assert any(p.stuck for p in seen)
    assert vtu.stats(EMAIL).requests <= 1 + 10 + 20  # login, openings, a few spaced probes


def test_without_a_time_cap_lectures_complete_one_after_another_from_the_start(vtu):
    seen = []
    asyncio.run(complete(vtu, on_progress=seen.append))
    done = [p.done for p in seen]
    assert done == sorted(done)
    first_done = next(i for i, p in enumerate(seen) if p.done >= 1)
    assert first_done < len(seen) // 3  # lectures finish early, not all at the end


def test_under_a_time_cap_the_credited_share_rises_with_every_slice(vtu):
    vtu.settings.update({"wallclock_cap": True, "time_scale": 60.0})
    shares = []

    async def scenario():
        checkpoint = MemoryCheckpoint()
        async with make_client(vtu, limiter=LocalRateLimiter(50)) as client:
            for _ in range(12):
                run = CourseRun(client, SMALL, checkpoint=checkpoint, rate_limit=50)
                outcome = await run.run(until=time.time() + 1.5)
                shares.append(outcome.progress.credited_s)
                if outcome.finished:
                    return
                await asyncio.sleep(outcome.wake_in_s or 0.0)  # as the worker re-queues it

    asyncio.run(scenario())
    learned = next(i for i in range(1, len(shares)) if shares[i] > shares[i - 1])
    rising = shares[learned - 1 :]  # once the crediting is learned (a few probes)
    assert len(rising) >= 3
    assert all(b > a for a, b in pairwise(rising)), str(shares)


def test_a_locked_lecture_is_not_done_and_the_next_run_does_it(vtu):
    lecture_id = next(iter(video_durations(vtu, SMALL)))
    vtu.settings.update({"locked_lectures": str(lecture_id)})
    outcome = asyncio.run(complete(vtu))
    assert outcome.finished and len(outcome.locked) == 1
    assert not outcome.progress.finished and outcome.progress.percent < 100
    assert not vtu.progress(EMAIL, lecture_id).is_completed
    vtu.settings.update({"locked_lectures": ""})
    again = asyncio.run(complete(vtu))
    assert again.progress.finished and not again.locked
    assert_completed_exactly(vtu, SMALL)
