"""Where a login waits while the platform checks it, so a typo never replaces a good login."""

from __future__ import annotations

PENDING_SUFFIX = ":pending-login"


def pending_login(student: str) -> str:
    """The vault id holding `student`'s not-yet-checked credentials."""
    return student + PENDING_SUFFIX
