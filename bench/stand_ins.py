"""The VTU stand-in as a separate process, so benchmarks measure client and server apart."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class StandIn:
    """A running `python -m emulators.vtu` and its control endpoints."""

    base_url: str

    @property
    def control_url(self) -> str:
        return self.base_url.removesuffix("/api/v1") + "/__emulator__"

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.control_url}/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def stats(self) -> dict[str, Any]:
        return self._control("GET", "stats")  # type: ignore[no-any-return]

    def catalog(self) -> dict[str, Any]:
        return self._control("GET", "catalog")  # type: ignore[no-any-return]

    def configure(self, **settings: Any) -> None:
        self._control("PATCH", "settings", settings)

    def reset(self) -> None:
        self._control("POST", "reset")


@contextmanager
def vtu_stand_in(*args: str) -> Iterator[StandIn]:
    """Start the stand-in on a free loopback port with `args` (its CLI flags)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.vtu", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline().strip()
        base_url = first_line.split()[-1]
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the VTU stand-in did not start: {first_line!r}")
        # Keep reading what it prints (a login per student), or a full pipe blocks it.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield StandIn(base_url)
    finally:
        process.terminate()
        process.wait(timeout=10)
