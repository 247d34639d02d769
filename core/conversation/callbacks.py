"""Button data: what a pressed button asks for, encoded in at most 64 bytes and validated.

Data comes back from the chat platform and may be forged or stale, so `decode` accepts only
known actions with well-formed arguments; the handlers still check that a run id belongs to
the student pressing the button.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MAX_BYTES = 64
"""Telegram's limit on callback data."""


class Action(StrEnum):
    PICK = "pick"
    """Toggle one course of the picker (argument: its index in the list)."""
    PICK_UNFINISHED = "unfinished"
    """Select every course not yet at 100 %."""
    START = "start"
    """Start runs of the selected courses."""
    CANCEL = "cancel"
    """Cancel a run (argument: run id)."""
    REFRESH = "refresh"
    """Redraw a run's progress message now (argument: run id)."""
    FORGET = "forget"
    """Confirm deleting everything stored ("yes") or keep it ("no")."""


_ARGUMENT = {
    Action.PICK: re.compile(r"[0-9]{1,3}"),
    Action.PICK_UNFINISHED: re.compile(r""),
    Action.START: re.compile(r""),
    Action.CANCEL: re.compile(r"[0-9a-f]{16}"),
    Action.REFRESH: re.compile(r"[0-9a-f]{16}"),
    Action.FORGET: re.compile(r"yes|no"),
}


class CallbackError(ValueError):
    """Button data this conversation never produced (forged, or from an older version)."""


@dataclass(frozen=True)
class Callback:
    action: Action
    argument: str = ""


def encode(action: Action, argument: str | int = "") -> str:
    data = f"{action.value}:{argument}"
    if not _ARGUMENT[action].fullmatch(str(argument)) or len(data.encode()) > MAX_BYTES:
        raise ValueError(f"bad argument {argument!r} for button action {action.value}")
    return data


def decode(data: object) -> Callback:
    """The button's request, or `CallbackError` for anything else: not text, empty,
    oversized, not encodable (a lone surrogate), unknown or malformed."""
    if not isinstance(data, str) or not data:
        raise CallbackError("empty button data, or not text")
    try:
        size = len(data.encode())
    except UnicodeEncodeError:
        raise CallbackError("button data that is not valid text") from None
    if size > MAX_BYTES:
        raise CallbackError("oversized button data")
    name, separator, argument = data.partition(":")
    try:
        action = Action(name)
    except ValueError:
        raise CallbackError(f"unknown button action {name!r}") from None
    if not separator or not _ARGUMENT[action].fullmatch(argument):
        raise CallbackError(f"malformed argument for button action {name!r}")
    return Callback(action, argument)
