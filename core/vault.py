"""The credential vault: platform logins and session cookies, only ever as ciphertext.

Values are Fernet tokens under `AUTOPILOT_SECRET_KEYS` (MultiFernet: the first key encrypts,
every key decrypts), so an old key can be retired after `rotate()`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from config import ConfigError
from core import keys
from core.vtu import Credentials

if TYPE_CHECKING:
    from redis import Redis

_CREDENTIALS = "credentials"
_SESSION = "session"
_SECRET_FIELDS = (_CREDENTIALS, _SESSION)


class VaultError(RuntimeError):
    """A stored secret cannot be decrypted with any configured key."""


def new_key() -> str:
    return Fernet.generate_key().decode()


class SecretBox:
    """Encrypts with the first key, decrypts with any."""

    def __init__(self, secret_keys: Sequence[str]) -> None:
        if not secret_keys:
            raise ConfigError(
                "AUTOPILOT_SECRET_KEYS is not set: make a key with `autopilot keys new` and "
                "set AUTOPILOT_SECRET_KEYS=<key> (comma-separate older keys after it)"
            )
        fernets = []
        for position, key in enumerate(secret_keys, start=1):
            try:
                fernets.append(Fernet(key.encode()))
            except (ValueError, TypeError):
                raise ConfigError(
                    f"AUTOPILOT_SECRET_KEYS: key {position} is not a Fernet key (32 url-safe "
                    "base64 bytes); make one with `autopilot keys new`"
                ) from None
        self._fernet = MultiFernet(fernets)

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise VaultError(
                "a stored secret matches none of AUTOPILOT_SECRET_KEYS (was a key dropped "
                "before `autopilot keys rotate`?)"
            ) from None

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)


class Vault:
    """Per-student secrets in Redis: `autopilot:vault:<student>`, fields encrypted."""

    def __init__(self, redis: Redis, box: SecretBox) -> None:
        self.redis = redis
        self.box = box

    def save_credentials(self, student: str, credentials: Credentials) -> None:
        plain = json.dumps({"email": credentials.email, "password": credentials.password})
        self.redis.hset(
            keys.vault(student), mapping={_CREDENTIALS: self.box.encrypt(plain.encode())}
        )
        self.redis.hdel(keys.vault(student), _SESSION)

    def has_credentials(self, student: str) -> bool:
        return bool(self.redis.hexists(keys.vault(student), _CREDENTIALS))

    def credentials(self, student: str) -> Credentials | None:
        token = self.redis.hget(keys.vault(student), _CREDENTIALS)
        if token is None:
            return None
        data = json.loads(self.box.decrypt(token))
        return Credentials(email=data["email"], password=data["password"])

    def save_session(self, student: str, cookies: dict[str, str]) -> None:
        token = self.box.encrypt(json.dumps(cookies).encode())
        self.redis.hset(keys.vault(student), _SESSION, token)

    def session(self, student: str) -> dict[str, str]:
        token = self.redis.hget(keys.vault(student), _SESSION)
        if token is None:
            return {}
        try:
            return dict(json.loads(self.box.decrypt(token)))
        except VaultError:
            return {}

    def forget(self, student: str) -> None:
        self.redis.delete(keys.vault(student))

    def rotate(self) -> int:
        """Re-encrypt every stored secret under the first key; returns how many."""
        rotated = 0
        for key in self.redis.scan_iter(match=keys.vault("*"), count=500):
            values = self.redis.hmget(key, _SECRET_FIELDS)
            mapping = {
                name: self.box.rotate(value)
                for name, value in zip(_SECRET_FIELDS, values, strict=True)
                if value is not None
            }
            if mapping:
                self.redis.hset(key, mapping=mapping)
                rotated += len(mapping)
        return rotated
