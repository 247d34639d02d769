"""Shared fixtures: a real Redis-protocol server started by the suite, per-test isolation."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis as redis_lib

from config.settings import _ENV_NAMES
from core.embedded_redis import EmbeddedRedis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One embedded Valkey server (Redis protocol) for the whole session (each xdist worker
    runs a session of its own, so each has its own server and temporary folder)."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedRedis) -> str:
    """The embedded server's URL, emptied before each test."""
    client = redis_lib.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def redis(redis_url: str) -> Iterator[redis_lib.Redis]:
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the machine running the tests."""
    for name in [*_ENV_NAMES.values(), "VTU_EMAIL", "VTU_PASSWORD"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTOPILOT_ENV_FILE", os.devnull)  # never a developer's ./.env
