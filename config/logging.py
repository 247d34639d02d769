"""Logging for every entry point: readable lines, and no secret in any of them.

HTTP libraries log at DEBUG the raw headers (cookies, the login body) and at INFO the URLs,
which for the Telegram Bot API contain the bot token; they are held at WARNING whatever the
verbosity. A filter also masks anything shaped like a token that slips through elsewhere.
"""

from __future__ import annotations

import logging
import re

QUIET_LIBRARIES = ("httpx", "httpcore", "hpack", "telegram.request", "discord.http")

_SECRET_SHAPES = re.compile(
    r"eyJ[\w-]+\.[\w-]+\.[\w-]+"  # JWTs (platform session cookies)
    r"|\b\d{6,12}:[\w-]{30,}"  # Telegram bot tokens
    r"|gAAAAA[\w=-]{20,}"  # Fernet ciphertexts
    r"|(?<=bot)[\w:-]{30,}"  # a token inside a Bot API URL
)


class RedactSecrets(logging.Filter):
    """Masks token-shaped text in a record's final message and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET_SHAPES.sub("[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _SECRET_SHAPES.sub("[redacted]", record.exc_text)
        return True


def configure_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
