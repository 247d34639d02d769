"""The credential vault: platform logins and session cookies, only ever as ciphertext.

Values are Fernet tokens under `AUTOPILOT_SECRET_KEYS` (MultiFernet: the first key encrypts,
every key decrypts), so an old key can be retired after `rotate()`. Next to each value the
vault keeps the fingerprint of the key that encrypted it, so a missing key can be named
without ever being shown.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
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
FINGERPRINT_CHARS = 8


_REPLACE_IF_UNCHANGED_LUA = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3], ARGV[4], ARGV[5])
return 1
"""
"""Rotation's write: a secret re-saved meanwhile (already under the first key) is left."""


def fingerprint_field(field: str) -> str:
    """The hash field naming the key that encrypted `field`."""
    return f"key:{field}"


class VaultError(RuntimeError):
    """A stored secret cannot be decrypted with any configured key."""


@dataclass(frozen=True)
class UnreadableSecret:
    """A stored secret none of the configured keys decrypts."""

    owner: str
    """Whose it is: a student id such as `telegram:42` (a pending login ends in
    `:pending-login`)."""
    field: str
    """`credentials` or `session`."""
    key_fingerprint: str | None
    """The fingerprint of the key that encrypted it, when the vault recorded one."""
    encrypted_at: datetime | None
    """When it was encrypted (Fernet tokens carry it in clear), None if it is no token."""

    def describe(self) -> str:
        key = f"key {self.key_fingerprint}" if self.key_fingerprint else "an unrecorded key"
        when = (
            f"on {self.encrypted_at:%Y-%m-%d %H:%M} UTC"
            if self.encrypted_at
            else "not a Fernet token"
        )
        return f"{self.owner} {self.field} (encrypted {when}, under {key})"


class RotationBlocked(VaultError):
    """`rotate` changed nothing: some stored secrets match none of the configured keys."""

    SHOWN = 20
    """At most this many unreadable secrets are listed one by one."""

    def __init__(self, unreadable: Sequence[UnreadableSecret], configured: Sequence[str]) -> None:
        self.unreadable = tuple(unreadable)
        self.configured = tuple(configured)
        self.missing_keys = sorted({s.key_fingerprint for s in unreadable if s.key_fingerprint})
        super().__init__(self._explain())

    def _explain(self) -> str:
        lines = [
            f"nothing was changed: {len(self.unreadable)} stored secret(s) cannot be decrypted "
            "with any key in AUTOPILOT_SECRET_KEYS (configured: "
            f"{', '.join(self.configured)}):"
        ]
        lines += [f"  {secret.describe()}" for secret in self.unreadable[: self.SHOWN]]
        if len(self.unreadable) > self.SHOWN:
            lines.append(f"  … and {len(self.unreadable) - self.SHOWN} more")
        wanted = (
            f"the key with fingerprint {', '.join(self.missing_keys)}"
            if self.missing_keys
            else "the key that encrypted them"
        )
        lines.append(
            f"Add {wanted} to AUTOPILOT_SECRET_KEYS (after the first key; "
            "`autopilot keys list` shows the fingerprints of the configured keys), then run "
            "`autopilot keys rotate` again."
        )
        return "\n".join(lines)


def new_key() -> str:
    return Fernet.generate_key().decode()


def fingerprint(key: str) -> str:
    """A short name for a key that is safe to print or store: 32 bits of a SHA-256 over it
    (nothing about a random 256-bit key can be learnt from them)."""
    digest = hashlib.sha256(b"autopilot-key-fingerprint:" + key.strip().encode()).hexdigest()
    return digest[:FINGERPRINT_CHARS]


class SecretBox:
    """Encrypts with the first key, decrypts with any."""

    def __init__(self, secret_keys: Sequence[str]) -> None:
        if not secret_keys:
            raise ConfigError(
                "AUTOPILOT_SECRET_KEYS is not set: make a key with `autopilot keys new` and "
                "set AUTOPILOT_SECRET_KEYS=<key> (comma-separate older keys after it)"
            )
        fernets = []
        self.fingerprints = tuple(fingerprint(key) for key in secret_keys)
        """Of every configured key, the encrypting one first."""
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

    @property
    def encrypting_fingerprint(self) -> str:
        return self.fingerprints[0]


class Vault:
    """Per-student secrets in Redis: `autopilot:vault:<student>`, fields encrypted."""

    def __init__(self, redis: Redis, box: SecretBox) -> None:
        self.redis = redis
        self.box = box
        self._replace_if_unchanged = redis.register_script(_REPLACE_IF_UNCHANGED_LUA)

    def save_credentials(self, student: str, credentials: Credentials) -> None:
        plain = json.dumps({"email": credentials.email, "password": credentials.password})
        self.redis.hset(keys.vault(student), mapping=self._sealed(_CREDENTIALS, plain.encode()))
        self.redis.hdel(keys.vault(student), _SESSION, fingerprint_field(_SESSION))

    def has_credentials(self, student: str) -> bool:
        return bool(self.redis.hexists(keys.vault(student), _CREDENTIALS))

    def login_version(self, student: str) -> str | None:
        """An id of the stored login (a digest of its ciphertext, never of the secret): it
        changes whenever a login is stored anew (or the keys are rotated). None when no login
        is stored."""
        token = self.redis.hget(keys.vault(student), _CREDENTIALS)
        return hashlib.sha256(token).hexdigest()[:16] if token is not None else None

    def credentials(self, student: str) -> Credentials | None:
        token = self.redis.hget(keys.vault(student), _CREDENTIALS)
        if token is None:
            return None
        data = json.loads(self.box.decrypt(token))
        return Credentials(email=data["email"], password=data["password"])

    def save_session(self, student: str, cookies: dict[str, str]) -> None:
        sealed = self._sealed(_SESSION, json.dumps(cookies).encode())
        self.redis.hset(keys.vault(student), mapping=sealed)

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
        """Re-encrypt every stored secret under the first key; returns how many.

        Every secret is decrypted first: if any cannot be, nothing changes and
        `RotationBlocked` says which, and which keys could have encrypted them."""
        pending: list[tuple[str, str, bytes]] = []
        unreadable: list[UnreadableSecret] = []
        for key in self.redis.scan_iter(match=keys.vault("*"), count=500):
            vault_key = key.decode() if isinstance(key, bytes) else str(key)
            names = [*_SECRET_FIELDS, *map(fingerprint_field, _SECRET_FIELDS)]
            values = dict(zip(names, self.redis.hmget(vault_key, names), strict=True))
            for field in _SECRET_FIELDS:
                token = values[field]
                if token is None:
                    continue
                try:
                    self.box.decrypt(token)
                except VaultError:
                    recorded = values[fingerprint_field(field)]
                    unreadable.append(
                        UnreadableSecret(
                            owner=vault_key.removeprefix(keys.vault("")),
                            field=field,
                            key_fingerprint=recorded.decode() if recorded else None,
                            encrypted_at=_fernet_time(token),
                        )
                    )
                    continue
                pending.append((vault_key, field, token))
        if unreadable:
            raise RotationBlocked(unreadable, self.box.fingerprints)
        rotated = 0
        for vault_key, field, token in pending:
            rotated += int(
                self._replace_if_unchanged(
                    keys=[vault_key],
                    args=[
                        field,
                        token,
                        self.box.rotate(token),
                        fingerprint_field(field),
                        self.box.encrypting_fingerprint,
                    ],
                )
            )
        return rotated

    def _sealed(self, field: str, plaintext: bytes) -> dict[str, bytes | str]:
        return {
            field: self.box.encrypt(plaintext),
            fingerprint_field(field): self.box.encrypting_fingerprint,
        }


def _fernet_time(token: bytes) -> datetime | None:
    """When a Fernet token was made: bytes 1-8 of it, in clear by the format's design."""
    try:
        raw = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 9 or raw[0] != 0x80:
        return None
    return datetime.fromtimestamp(int.from_bytes(raw[1:9], "big"), UTC)
