"""Where clients acting for one student share that student's platform session.

Slices of several runs, in several workers, act for the same student. When one of them meets
an expired session, the others will too, and one login is enough for all of them: the client
first looks in the store for a session newer than the one it was refused with, and only if
there is none does it take the store's login lock, log in, and save the new session at once.
Whoever fails to get the lock waits for the holder's session instead of logging in too.
"""

from __future__ import annotations

from typing import Protocol


class SessionStore(Protocol):
    """One student's shared session cookies, and a short lock for logging in."""

    lock_ttl_s: float
    """How long a login lock lives: a holder that dies frees it after this long, and a waiter
    gives up waiting for another's login (and logs in itself) after this long."""

    async def load(self) -> dict[str, str]:
        """The newest session saved, or {} when none is."""

    async def save(self, cookies: dict[str, str]) -> None:
        """Share a fresh session with the student's other clients."""

    async def try_lock(self) -> bool:
        """Take the login lock if it is free; True when this client is to log in."""

    async def unlock(self) -> None:
        """Free the login lock, if this client still holds it."""
