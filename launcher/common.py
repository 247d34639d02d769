"""What several subcommands need: settings that must be there, and the Redis they use."""

from __future__ import annotations

from redis import Redis

from config import ConfigError, Settings
from core.vault import SecretBox


def require_redis(settings: Settings) -> Redis:
    if not settings.redis_url:
        raise ConfigError(
            "REDIS_URL is not set: point it at Redis or Valkey, or use `autopilot up`, which "
            "starts an embedded one"
        )
    redis = Redis.from_url(settings.redis_url)
    redis.ping()
    return redis


def require_secret_box(settings: Settings) -> SecretBox:
    """Refuses to go on without valid `AUTOPILOT_SECRET_KEYS` (raises `ConfigError`)."""
    return SecretBox(settings.secret_keys)
