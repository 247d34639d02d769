"""What several subcommands need: settings that must be there, and the Redis they use."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from redis import Redis

from config import ConfigError, Settings
from core.embedded_redis import find_running
from core.redis_clients import sync_redis
from core.vault import SecretBox

DEFAULT_DATA_DIR = Path(".autopilot")
"""Where `autopilot up` keeps its embedded Redis (password, port, append-only file)."""


def embedded_redis_dir(data_dir: Path = DEFAULT_DATA_DIR) -> Path:
    return (data_dir / "redis").resolve()


def service_settings() -> Settings:
    """The settings of a command that works on the service's Redis: `REDIS_URL`, or else the
    embedded server that `autopilot up` keeps in ./.autopilot, when one is running."""
    settings = Settings.from_env()
    if settings.redis_url:
        return settings
    url = find_running(embedded_redis_dir())
    return replace(settings, redis_url=url) if url else settings


def require_redis(settings: Settings, socket_timeout_s: float | None = None) -> Redis:
    """A client of the service's Redis, checked with a PING; `socket_timeout_s` overrides
    redis-py's default of 5 s (too short for a command that blocks longer)."""
    if not settings.redis_url:
        raise ConfigError(
            f"REDIS_URL is not set and no `autopilot up` is running from here (none answers "
            f"at the address kept in {DEFAULT_DATA_DIR}/redis): point REDIS_URL at Redis or "
            "Valkey, or start `autopilot up`, which runs an embedded one"
        )
    options = {} if socket_timeout_s is None else {"socket_timeout": socket_timeout_s}
    redis = sync_redis(settings.redis_url, **options)
    redis.ping()
    return redis


def require_secret_box(settings: Settings) -> SecretBox:
    """Refuses to go on without valid `AUTOPILOT_SECRET_KEYS` (raises `ConfigError`)."""
    return SecretBox(settings.secret_keys)
