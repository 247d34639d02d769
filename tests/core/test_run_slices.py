"""A run worked in slices (`run(until=...)`): where a slice leaves it, and when it comes back."""

from __future__ import annotations

import asyncio
import time

from core.engine import CourseRun

from .conftest import SMALL, make_client


def test_a_slice_stopped_at_its_deadline_with_work_due_comes_back_at_once(vtu):
    """Not after the idle poll: a lone student would get about half the rate."""

    async def scenario():
        async with make_client(vtu) as client:
            return await CourseRun(client, SMALL).run(until=time.time())

    outcome = asyncio.run(scenario())
    assert not outcome.finished
    assert outcome.wake_in_s == 0.0
