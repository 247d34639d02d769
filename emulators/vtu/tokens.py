"""HS256 JSON Web Tokens shaped like the ones tymon/jwt-auth issues."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from emulators.vtu.wire import php_json

TOKEN_TTL_S = 3600
# tymon/jwt-auth puts sha1(model class name) in "prv" to bind a token to the user model.
PRV = hashlib.sha1(b"App\\Models\\Student").hexdigest()
_HEADER = {"typ": "JWT", "alg": "HS256"}


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, signing_input: str) -> str:
    return _b64url(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())


def claims_for(subject: int, jti: str, issuer: str, issued_at: int) -> dict[str, Any]:
    return {
        "iss": issuer,
        "iat": issued_at,
        "exp": issued_at + TOKEN_TTL_S,
        "nbf": issued_at,
        "jti": jti,
        "sub": str(subject),
        "prv": PRV,
    }


def encode(secret: bytes, claims: dict[str, Any]) -> str:
    head = _b64url(php_json(_HEADER).encode("ascii"))
    body = _b64url(php_json(claims).encode("ascii"))
    signing_input = f"{head}.{body}"
    return f"{signing_input}.{_sign(secret, signing_input)}"


def decode(secret: bytes, token: str) -> dict[str, Any] | None:
    """The claims of a token signed with `secret`, or None if malformed or forged."""
    parts = token.split(".")
    if len(parts) != 3 or not token.isascii():
        return None
    head, body, signature = parts
    if not hmac.compare_digest(_sign(secret, f"{head}.{body}"), signature):
        return None
    try:
        header = json.loads(_b64url_decode(head))
        claims = json.loads(_b64url_decode(body))
    except ValueError:
        return None
    if header.get("alg") != "HS256" or not isinstance(claims, dict):
        return None
    return claims
