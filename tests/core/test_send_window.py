"""A process's own sends: never more than the window allows, never closer than the gap."""

from __future__ import annotations

import asyncio
import itertools
import time

from core.limits.local import SendWindow


def test_concurrent_sends_keep_to_the_window_and_the_gap():
    window = SendWindow(4, window_s=0.2, min_gap_s=0.01)
    sent: list[float] = []

    async def send() -> None:
        await window.acquire()
        sent.append(time.monotonic())

    async def main() -> None:
        await asyncio.gather(*(send() for _ in range(12)))

    asyncio.run(main())
    sent.sort()
    slack = 0.001  # between the window noting a send and this test noting it
    assert all(b - a >= 0.01 - slack for a, b in itertools.pairwise(sent))
    assert all(sent[i + 4] - sent[i] >= 0.2 - slack for i in range(len(sent) - 4))
