"""Discord's identifiers and timestamps: snowflakes carry their creation time in milliseconds
since Discord's epoch (2015), which discord.py reads back (``created_at``)."""

from __future__ import annotations

import base64
import datetime
import itertools
import secrets
import threading
import time

DISCORD_EPOCH_MS = 1_420_070_400_000
_counter = itertools.count()
_lock = threading.Lock()


def new_snowflake() -> int:
    """A fresh id, unique in this process, ordered by creation time."""
    with _lock:
        increment = next(_counter) & 0xFFF
    milliseconds = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (milliseconds << 22) | (1 << 17) | increment


def iso_now() -> str:
    """The current time as Discord writes timestamps (ISO 8601 with microseconds and offset)."""
    return datetime.datetime.now(datetime.UTC).isoformat()


def interaction_token(interaction_id: int) -> str:
    """An opaque token shaped like Discord's (``aW50ZXJhY3Rpb246...``), safe in a URL path."""
    head = base64.urlsafe_b64encode(f"interaction:{interaction_id}".encode()).decode()
    return f"{head.rstrip('=')}{secrets.token_urlsafe(48)}"


def session_id() -> str:
    return secrets.token_hex(16)
