"""Start-up in one place: point discord.py at the configured endpoints, build the bot, run
it until told to stop (in this process's loop, or in a thread of its own)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from bot.discord.bot import AutopilotBot
from bot.discord.endpoints import point_at

if TYPE_CHECKING:
    from redis import Redis

    from config import Settings

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 30.0
CLOSE_GRACE_S = 3.0


def build_bot(settings: Settings, redis: Redis) -> AutopilotBot:
    """The bot, wired, talking to DISCORD_API_BASE_URL and DISCORD_GATEWAY_URL."""
    if not settings.discord_bot_token:
        raise ValueError("DISCORD_BOT_TOKEN is not set")
    point_at(settings)
    return AutopilotBot(settings, redis)


async def serve(
    bot: AutopilotBot, stop: asyncio.Event, ready: threading.Event | None = None
) -> None:
    """Log in, sync the commands, stay connected until `stop` is set; then close."""
    token = bot.settings.discord_bot_token
    assert token is not None
    async with bot:
        running = asyncio.create_task(bot.start(token))
        if ready is not None:
            waiting = asyncio.create_task(bot.wait_until_ready())
            await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if waiting.done():
                ready.set()
            waiting.cancel()
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        await bot.close()
        await _finish_handlers(CLOSE_GRACE_S)
        if running.done() and running.exception() is not None:
            raise running.exception()  # type: ignore[misc]
        running.cancel()


async def _finish_handlers(grace_s: float) -> None:
    """Let handlers still running (a press answered as the bot stops) finish, briefly; then
    cancel what is left, so no task dies with its loop."""
    current = asyncio.current_task()
    pending = {task for task in asyncio.all_tasks() if task is not current and not task.done()}
    if not pending:
        return
    _, late = await asyncio.wait(pending, timeout=grace_s)
    for task in late:
        task.cancel()
    if late:
        await asyncio.wait(late, timeout=grace_s)


@contextlib.contextmanager
def bot_in_thread(
    bot: AutopilotBot, name: str = "discord-bot", stop_timeout_s: float = 10.0
) -> Iterator[threading.Thread]:
    """The bot connected from a thread with its own event loop, ready, for as long as the
    block runs (tests, benchmarks, the demo); stopped and joined on the way out."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ready = threading.Event()
    thread = threading.Thread(
        target=loop.run_until_complete,
        args=(serve(bot, stop, ready),),
        name=name,
        daemon=True,
    )
    thread.start()
    try:
        if not ready.wait(READY_TIMEOUT_S) and thread.is_alive():
            raise TimeoutError("the Discord bot did not get ready in time")
        if not thread.is_alive() and not ready.is_set():
            raise RuntimeError("the Discord bot stopped before it was ready")
        yield thread
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(stop_timeout_s)
        if not thread.is_alive():
            loop.close()
