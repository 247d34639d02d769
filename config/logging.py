"""Logging for every entry point: readable lines or JSON, and no secret in any of them.

By default only warnings and errors are logged, and the activity log (`core.activity`: a
line per login checked and per run started or ended); `-v` logs everything at INFO. HTTP
libraries log at DEBUG the raw headers (cookies, the login body) and at INFO the URLs,
which for the Telegram Bot API contain the bot token; they are held at WARNING whatever the
verbosity. A filter also masks anything shaped like a token that slips through elsewhere,
in text and JSON output alike.

`log_context(run_id=...)` tags every line written inside it (threads and asyncio tasks started
inside inherit the tags), so one run's lines can be picked out of many workers' logs.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from config.settings import LOG_FORMATS, ConfigError

QUIET_LIBRARIES = ("httpx", "httpcore", "hpack", "telegram.request", "discord.http")
ACTIVITY_LOGGER = "core.activity"
"""Logins checked and runs started or ended (`core.activity`): INFO at every verbosity."""

_SECRET_SHAPES = re.compile(
    r"eyJ[\w-]+\.[\w-]+\.[\w-]+"  # JWTs (platform session cookies)
    r"|\b\d{6,12}:[\w-]{30,}"  # Telegram bot tokens
    r"|gAAAAA[\w=-]{20,}"  # Fernet ciphertexts
    r"|(?<=bot)[\w:-]{30,}"  # a token inside a Bot API URL
)

_context: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar(
    "autopilot_log_context", default=()
)


@contextmanager
def log_context(**tags: str) -> Iterator[None]:
    """Tag every log line written inside this block (ids only, never a secret)."""
    token = _context.set(tuple({**dict(_context.get()), **tags}.items()))
    try:
        yield
    finally:
        _context.reset(token)


def redact(text: str) -> str:
    return _SECRET_SHAPES.sub("[redacted]", text)


class RedactSecrets(logging.Filter):
    """Masks token-shaped text in a record's final message and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class AddContext(logging.Filter):
    """Puts the `log_context` tags on each record (as `record.context`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.context = dict(_context.get())
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        tags = getattr(record, "context", None)
        if tags:
            first, newline, rest = line.partition("\n")
            suffix = " ".join(f"{k}={v}" for k, v in tags.items())
            line = f"{first} [{suffix}]{newline}{rest}"
        return line


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the context
    tags, and the traceback (already redacted) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "context", None) or {})
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False))


def configure_logging(verbose: bool = False, log_format: str = "text") -> None:
    """Log to stderr in `log_format` (`text` or `json`; raises `ConfigError` otherwise)."""
    log_format = (log_format or "text").strip().lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"AUTOPILOT_LOG_FORMAT={log_format!r} must be one of {LOG_FORMATS}")
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RedactSecrets())
    handler.addFilter(AddContext())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger(ACTIVITY_LOGGER).setLevel(logging.INFO)
