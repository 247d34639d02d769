"""The bot's calls into `core` run off the event loop: a slow Redis stalls no other update."""

from __future__ import annotations

import asyncio
import threading
import time

from bot.telegram.offload import AsyncPicker, AsyncRuns, AsyncVault
from core.conversation import CoursePicker
from core.runs import Runs
from core.vault import SecretBox, Vault, new_key
from tests.workers.conftest import STUDENT

SLOW_S = 0.3


def test_a_slow_core_call_leaves_the_loop_free(settings, redis, monkeypatch):
    runs = Runs(redis, Vault(redis, SecretBox((new_key(),))), settings)
    callers: list[threading.Thread] = []

    def slow_status(student: str) -> list:
        callers.append(threading.current_thread())
        time.sleep(SLOW_S)
        return []

    monkeypatch.setattr(runs, "status", slow_status)

    async def main() -> int:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.create_task(tick())
        assert await AsyncRuns(runs).status(STUDENT) == []
        ticker.cancel()
        return ticks

    assert asyncio.run(main()) >= 10  # the loop kept running while Redis "answered"
    assert callers and callers[0] is not threading.main_thread()


def test_facades_answer_like_core(settings, redis):
    vault = Vault(redis, SecretBox(settings.secret_keys))
    picker = AsyncPicker(CoursePicker(redis))

    async def main() -> None:
        assert await AsyncVault(vault).has_credentials(STUDENT) is False
        assert await picker.begin_start(STUDENT) == []  # nothing picked: nothing held
        assert await AsyncRuns(Runs(redis, vault, settings)).status(STUDENT) == []

    asyncio.run(main())
