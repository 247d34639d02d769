"""Pointing the real discord.py at the stand-in, and running a client in a thread of its own
so a synchronous test can drive users while the bot answers. discord.py is imported only
when these are used: the stand-in itself does not need it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import warnings
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    import discord

START_TIMEOUT_S = 10.0
READY_POLL_S = 0.02


def import_discord() -> None:
    """Import discord.py without its import-time DeprecationWarning ('audioop' is deprecated,
    from its voice support), which a suite running with ``-W error`` would turn into a
    failure."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
        import discord  # noqa: F401


@contextlib.contextmanager
def pointed_at(api_base_url: str, gateway_url: str) -> Iterator[None]:
    """discord.py's REST root (``Route.BASE``, read at each request) and gateway
    (``DiscordWebSocket.DEFAULT_GATEWAY``) set to the stand-in, restored afterwards."""
    import_discord()
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


class ClientThread:
    """Run ``client.start(token)`` on an event loop in a background thread; ``__enter__``
    returns once the client is ready (``on_ready``), ``__exit__`` closes it."""

    def __init__(self, client: discord.Client, token: str) -> None:
        self.client = client
        self.token = token
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="discord-client", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._error is not None:
            self.__exit__(None, None, None)
            raise RuntimeError(f"the discord.py client did not become ready: {self._error!r}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                asyncio.run_coroutine_threadsafe(self.client.close(), self.loop)
            self._thread.join(START_TIMEOUT_S)

    def run(self, coroutine: object, timeout: float = START_TIMEOUT_S) -> object:
        """Run a coroutine on the client's loop and wait for its result."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)  # type: ignore[arg-type]
        return future.result(timeout)

    async def _main(self) -> None:
        watcher = asyncio.create_task(self._watch_ready())
        try:
            await self.client.start(self.token)
        finally:
            watcher.cancel()
            await self.client.close()
            await _cancel_other_tasks()

    async def _watch_ready(self) -> None:
        while not self.client.is_ready():
            await asyncio.sleep(READY_POLL_S)
        self._ready.set()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._main())
        except BaseException as error:
            self._error = error
        finally:
            self._ready.set()
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()


async def _cancel_other_tasks() -> None:
    """Cancel what the client left running (views' timeout tasks), as ``asyncio.run`` does."""
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
