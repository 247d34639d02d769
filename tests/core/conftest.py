"""Fixtures for the platform side: the VTU stand-in serving small, known courses."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from core.vtu import Credentials, RetryPolicy, VTUClient
from emulators.vtu.catalog import Catalog, benchmark_course
from emulators.vtu.server import VTUEmulator
from emulators.vtu.settings import EmulatorSettings

EMAIL, PASSWORD = "student@vtu.test", "correct horse battery"
SMALL = "1-small-course"
# Durations in seconds per lesson; 0 is a lecture without video.
SMALL_LESSONS = [[200, 130, 0], [240, 480, 95], [360, 181, 119, 600]]


def small_catalog() -> Catalog:
    catalog = Catalog()
    catalog.add_course(SMALL, "Control Systems: Ve / -Ve feedback", SMALL_LESSONS)
    benchmark_course(catalog, "1-benchmark-166")
    catalog.add_student(EMAIL, PASSWORD, "1VT23CS001", [SMALL, "1-benchmark-166"])
    return catalog


@pytest.fixture
def vtu() -> Iterator[VTUEmulator]:
    """The stand-in with no throttle and no time cap: tests switch faults on as needed."""
    settings = EmulatorSettings(rate_limit_requests=None, wallclock_cap=False)
    with VTUEmulator(small_catalog(), settings) as emulator:
        yield emulator


async def _no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


def make_client(emulator: VTUEmulator, password: str = PASSWORD, **kwargs: object) -> VTUClient:
    """A client with instant retries, so fault tests take no wall-clock time."""
    kwargs.setdefault("sleep", _no_sleep)
    kwargs.setdefault("retry", RetryPolicy(attempts=8, base_s=0.0))
    return VTUClient(emulator.base_url, Credentials(EMAIL, password), **kwargs)  # type: ignore[arg-type]
