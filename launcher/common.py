"""What several subcommands need: settings that must be there, and the Redis they use."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse

from redis import Redis
from redis.exceptions import AuthenticationError, RedisError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config import ConfigError, Settings
from config.logging import redact
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


def require_redis(
    settings: Settings, socket_timeout_s: float | None = None, *, ride_out_restarts: bool = True
) -> Redis:
    """A client of the service's Redis, checked with a PING; `socket_timeout_s` overrides
    redis-py's default of 5 s (too short for a command that blocks longer). A wrong address
    or password raises `ConfigError` naming it. `ride_out_restarts=False` for a command a
    person waits on: its client does not retry for seconds before saying what is wrong."""
    if not settings.redis_url:
        raise ConfigError(
            f"REDIS_URL is not set and no `autopilot up` is running from here (none answers "
            f"at the address kept in {DEFAULT_DATA_DIR}/redis): point REDIS_URL at Redis or "
            "Valkey, or start `autopilot up`, which runs an embedded one"
        )
    options = {} if socket_timeout_s is None else {"socket_timeout": socket_timeout_s}
    if ride_out_restarts:
        redis = sync_redis(settings.redis_url, **options)
    else:
        redis = Redis.from_url(settings.redis_url, **options)
    try:
        redis.ping()
    except RedisError as exc:
        redis.close()
        raise ConfigError(redis_problem(settings.redis_url, exc)) from None
    return redis


def redis_problem(url: str, exc: RedisError) -> str:
    """What went wrong with the Redis at `url`, naming its address but never its password."""
    where = f"Redis at {redis_address(url)} (REDIS_URL)" if url else "Redis"
    if isinstance(exc, AuthenticationError) or "NOAUTH" in str(exc) or "WRONGPASS" in str(exc):
        return (
            f"{where} refused the login: put its password in the URL "
            "(redis://:PASSWORD@host:port/0, or redis://USER:PASSWORD@… for an ACL user)"
        )
    if isinstance(exc, (RedisConnectionError, RedisTimeoutError)):
        return f"{where} is not answering ({_reason(exc)}): start it, or fix the address"
    return f"{where} failed: {_reason(exc)}"


def redis_address(url: str) -> str:
    """host:port/db of a Redis URL (or a socket path): what a message may show of it."""
    parsed = urlparse(url)
    if parsed.scheme == "unix":
        return parsed.path
    host = parsed.hostname or "localhost"
    port = parsed.port or 6379
    database = parsed.path.strip("/") or "0"
    return f"{host}:{port}/{database}"


def _reason(exc: RedisError) -> str:
    text = redact(str(exc).strip().rstrip(".")) or type(exc).__name__
    return text[:160]


def require_secret_box(settings: Settings) -> SecretBox:
    """Refuses to go on without valid `AUTOPILOT_SECRET_KEYS` (raises `ConfigError`)."""
    return SecretBox(settings.secret_keys)
