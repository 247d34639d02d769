"""The project's settings: one typed, validated object built from the environment.

Every entry point builds a `Settings` once (`Settings.from_env()`) and passes what is needed
down; nothing reads `os.environ` elsewhere. Names and defaults are the contract of
DESIGN.md's settings table.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlparse

from config.env_file import read_env_file

DEFAULT_VTU_BASE_URL = "https://online.vtu.ac.in/api/v1"
DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DISCORD_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"

# Laravel's default API throttle is 60 requests a minute per user: one request a second per
# student keeps a session under it with no 429s, like a person watching with the player open.
DEFAULT_VTU_RATE_LIMIT = 1.0
# All workers together: enough for many concurrent students (a lecture needs one heartbeat
# every two minutes), small enough that the platform never sees a burst from us.
DEFAULT_VTU_GLOBAL_RATE_LIMIT = 25.0
# Runs in progress at once: the benchmarked capacity of one 2-core machine (bench/README.md).
DEFAULT_MAX_ACTIVE_RUNS = 1000
# One student's courses at once: a semester's load, and a bound on what one account can queue.
DEFAULT_MAX_RUNS_PER_STUDENT = 10
# Telegram allows about one message a second per chat; a progress edit every few seconds
# leaves room for the bot's answers to commands in the same chat.
DEFAULT_TELEGRAM_EDIT_INTERVAL_S = 3.0
LOG_FORMATS = ("text", "json")
# Discord allows five messages (and five edits) per channel in five seconds; one progress
# edit every few seconds leaves the rest for the run's notifying message and the answers.
DEFAULT_DISCORD_EDIT_INTERVAL_S = 3.0
# Finished runs, their events and failed jobs: a month covers a semester's questions ("why did
# that run fail?") without keeping a student's history for ever.
DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650
DAY_S = 24 * 3600


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it and says how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Every setting of the project, validated.

    Rates are requests per second. `secret_keys` are Fernet keys (url-safe base64, 32 bytes):
    the first encrypts, all decrypt.
    """

    redis_url: str | None = None
    vtu_base_url: str = DEFAULT_VTU_BASE_URL
    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str = DEFAULT_TELEGRAM_API_BASE_URL
    discord_bot_token: str | None = field(default=None, repr=False)
    discord_api_base_url: str = DEFAULT_DISCORD_API_BASE_URL
    discord_gateway_url: str = DEFAULT_DISCORD_GATEWAY_URL
    vtu_rate_limit: float = DEFAULT_VTU_RATE_LIMIT
    vtu_global_rate_limit: float = DEFAULT_VTU_GLOBAL_RATE_LIMIT
    secret_keys: tuple[str, ...] = field(default=(), repr=False)
    max_active_runs: int = DEFAULT_MAX_ACTIVE_RUNS
    max_runs_per_student: int = DEFAULT_MAX_RUNS_PER_STUDENT
    dashboard_password: str | None = field(default=None, repr=False)
    telegram_webhook_url: str | None = None
    telegram_edit_interval_s: float = DEFAULT_TELEGRAM_EDIT_INTERVAL_S
    metrics_port: int | None = None
    log_format: str = "text"
    discord_guild_id: int | None = None
    discord_progress_channel_id: int | None = None
    discord_edit_interval_s: float = DEFAULT_DISCORD_EDIT_INTERVAL_S
    retention_days: int = DEFAULT_RETENTION_DAYS

    @property
    def retention_s(self) -> int:
        """The retention period in seconds."""
        return self.retention_days * DAY_S

    def __post_init__(self) -> None:
        for name, schemes in _URL_SCHEMES.items():
            value = getattr(self, name)
            if value is not None:
                _check_url(_ENV_NAMES[name], value, schemes)
        for name in ("vtu_rate_limit", "vtu_global_rate_limit"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{_ENV_NAMES[name]} must be a positive number of requests/s")
        for name in ("telegram_edit_interval_s", "discord_edit_interval_s"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{_ENV_NAMES[name]} must be a positive number of seconds")
        for name in ("max_active_runs", "max_runs_per_student"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{_ENV_NAMES[name]} must be at least 1")
        if self.metrics_port is not None and not 0 < self.metrics_port < 65536:
            raise ConfigError("AUTOPILOT_METRICS_PORT must be a port number (1-65535)")
        if not 1 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise ConfigError(
                f"AUTOPILOT_RETENTION_DAYS must be a whole number of days from 1 to "
                f"{MAX_RETENTION_DAYS}"
            )
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"AUTOPILOT_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")

    def to_env(self, names: Collection[str] | None = None) -> dict[str, str]:
        """These settings as the environment variables that would produce them; only the
        fields in `names` when given."""
        unknown = set(names or ()) - set(_ENV_NAMES)
        if unknown:
            raise ValueError(f"not settings: {', '.join(sorted(unknown))}")
        env = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == () or (names is not None and f.name not in names):
                continue
            env[_ENV_NAMES[f.name]] = ",".join(value) if isinstance(value, tuple) else str(value)
        return env

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None
    ) -> Settings:
        """Build settings from `environ` (default: the process environment) over an
        optional `.env` file; the environment wins over the file."""
        values = read_env_file(env_file) if env_file else {}
        values.update(os.environ if environ is None else environ)
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            raw = values.get(_ENV_NAMES[f.name], "").strip()
            if not raw:
                continue
            if f.name in ("vtu_rate_limit", "vtu_global_rate_limit"):
                kwargs[f.name] = _parse_rate(_ENV_NAMES[f.name], raw)
            elif f.name in ("telegram_edit_interval_s", "discord_edit_interval_s"):
                kwargs[f.name] = _parse_seconds(_ENV_NAMES[f.name], raw)
            elif f.name in ("discord_guild_id", "discord_progress_channel_id"):
                kwargs[f.name] = _parse_snowflake(_ENV_NAMES[f.name], raw)
            elif f.name in (
                "max_active_runs",
                "max_runs_per_student",
                "metrics_port",
                "retention_days",
            ):
                kwargs[f.name] = _parse_int(_ENV_NAMES[f.name], raw)
            elif f.name == "log_format":
                kwargs[f.name] = raw.lower()
            elif f.name == "secret_keys":
                kwargs[f.name] = tuple(k.strip() for k in raw.split(",") if k.strip())
            else:
                kwargs[f.name] = raw.rstrip("/") if f.name.endswith("base_url") else raw
        return cls(**kwargs)  # type: ignore[arg-type]


def child_environment(
    settings: Settings, base: Mapping[str, str], needs: Collection[str] | None = None
) -> dict[str, str]:
    """The environment of a child process: what any process needs from `base` (usually
    os.environ: search paths, home, locale, proxies, CA files, Python's own variables) and
    `settings`' values of the settings named in `needs` (`Settings` field names; default
    all). Nothing else of `base` passes: no setting of the machine's, and no secret of
    another program (or of `autopilot complete`'s VTU_PASSWORD) reaches the child."""
    env = {
        name: value
        for name, value in base.items()
        if name in PROCESS_VARIABLES or name.startswith(PROCESS_PREFIXES)
    }
    env.update(settings.to_env(needs))
    return env


PROCESS_VARIABLES = frozenset(
    {
        *("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TERM"),
        *("TMPDIR", "VIRTUAL_ENV", "LD_LIBRARY_PATH", "SSL_CERT_FILE", "SSL_CERT_DIR"),
        "PTB_TIMEDELTA",  # python-telegram-bot's switch to timedelta durations
        *("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"),
        *("http_proxy", "https_proxy", "no_proxy", "all_proxy"),
    }
)
"""What a child process may inherit from the launcher's environment besides settings."""
PROCESS_PREFIXES = ("LC_", "PYTHON")

_ENV_NAMES = {
    "redis_url": "REDIS_URL",
    "vtu_base_url": "VTU_BASE_URL",
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "telegram_api_base_url": "TELEGRAM_API_BASE_URL",
    "discord_bot_token": "DISCORD_BOT_TOKEN",
    "discord_api_base_url": "DISCORD_API_BASE_URL",
    "discord_gateway_url": "DISCORD_GATEWAY_URL",
    "vtu_rate_limit": "VTU_RATE_LIMIT",
    "vtu_global_rate_limit": "VTU_GLOBAL_RATE_LIMIT",
    "secret_keys": "AUTOPILOT_SECRET_KEYS",
    "max_active_runs": "AUTOPILOT_MAX_ACTIVE_RUNS",
    "max_runs_per_student": "AUTOPILOT_MAX_RUNS_PER_STUDENT",
    "dashboard_password": "AUTOPILOT_DASHBOARD_PASSWORD",
    "telegram_webhook_url": "TELEGRAM_WEBHOOK_URL",
    "telegram_edit_interval_s": "TELEGRAM_EDIT_INTERVAL_S",
    "metrics_port": "AUTOPILOT_METRICS_PORT",
    "log_format": "AUTOPILOT_LOG_FORMAT",
    "discord_guild_id": "DISCORD_GUILD_ID",
    "discord_progress_channel_id": "DISCORD_PROGRESS_CHANNEL_ID",
    "discord_edit_interval_s": "DISCORD_EDIT_INTERVAL_S",
    "retention_days": "AUTOPILOT_RETENTION_DAYS",
}

_URL_SCHEMES = {
    "redis_url": ("redis", "rediss", "unix", "valkey"),
    "vtu_base_url": ("http", "https"),
    "telegram_api_base_url": ("http", "https"),
    "discord_api_base_url": ("http", "https"),
    "discord_gateway_url": ("ws", "wss"),
    "telegram_webhook_url": ("http", "https"),
}


def _check_url(env: str, value: str, schemes: tuple[str, ...]) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ConfigError(f"{env}={value!r} is not a valid URL (expected one of {allowed})")


def _parse_rate(env: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{env}={raw!r} must be a number of requests per second") from None


def _parse_seconds(env: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{env}={raw!r} must be a number of seconds") from None


def _parse_int(env: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{env}={raw!r} must be a whole number") from None


def _parse_snowflake(env: str, raw: str) -> int:
    if not raw.isdigit() or int(raw) == 0:
        raise ConfigError(f"{env}={raw!r} must be a Discord id (digits; Developer Mode, Copy ID)")
    return int(raw)
