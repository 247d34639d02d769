"""A student's platform session shared by all their runs' clients: the vault's encrypted
session, and a short Redis lock so that only one of them logs in when it expires."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from core import keys

if TYPE_CHECKING:
    from core.vault import Vault

LOGIN_LOCK_S = 20.0
"""Outlives one login with its overload retries; a dead holder frees it after this long."""

_UNLOCK_IF_MINE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class VaultSessionStore:
    """The `SessionStore` of one student over the vault (synchronous Redis calls: each is one
    round trip to a nearby server, as elsewhere in a slice)."""

    def __init__(self, vault: Vault, student: str, *, lock_ttl_s: float = LOGIN_LOCK_S) -> None:
        self._vault = vault
        self._student = student
        self._lock_key = keys.login_lock(student)
        self._holder = secrets.token_hex(8)
        self.lock_ttl_s = lock_ttl_s

    async def load(self) -> dict[str, str]:
        return self._vault.session(self._student)

    async def save(self, cookies: dict[str, str]) -> None:
        self._vault.save_session(self._student, cookies)

    async def try_lock(self) -> bool:
        ttl_ms = int(self.lock_ttl_s * 1000)
        return bool(self._vault.redis.set(self._lock_key, self._holder, nx=True, px=ttl_ms))

    async def unlock(self) -> None:
        self._vault.redis.eval(_UNLOCK_IF_MINE, 1, self._lock_key, self._holder)
