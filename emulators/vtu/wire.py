"""The platform's wire format: PHP-style JSON, the response envelope and value formats."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

IST = timezone(timedelta(hours=5, minutes=30), "IST")
JSON_TYPE = "application/json"


@dataclass
class Response:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = JSON_TYPE


def php_json(value: Any) -> str:
    """Compact JSON as PHP's json_encode writes it: non-ASCII as \\uXXXX and "/" as "\\/"."""
    # A "/" can only occur inside a JSON string, so a plain replace is a correct escape.
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/")


def server_time() -> str:
    return datetime.now(IST).isoformat(timespec="seconds")


def envelope(
    success: bool, code: str, message: str, data: Any, errors: list[str] | None = None
) -> dict[str, Any]:
    return {
        "success": success,
        "code": code,
        "message": message,
        "data": data,
        "errors": errors or [],
        "meta": {"version": "v1", "server_time": server_time()},
    }


def json_response(status: int, payload: Any) -> Response:
    return Response(status, php_json(payload).encode("ascii"))


def ok(code: str, message: str, data: Any) -> Response:
    return json_response(200, envelope(True, code, message, data))


def failure(status: int, code: str, message: str, errors: list[str] | None = None) -> Response:
    return json_response(status, envelope(False, code, message, None, errors or [message]))


def bare_message(status: int, message: str) -> Response:
    """Laravel's framework-level error body, without the app's envelope."""
    return json_response(status, {"message": message})


def format_duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d} mins"


def format_percent(value: float) -> str:
    return f"{value:.2f}"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    """Lower-case names."""
    body: bytes = b""
    client: str = "127.0.0.1"
    query: str = ""

    def bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None

    def cookie(self, name: str) -> str | None:
        for pair in self.headers.get("cookie", "").split(";"):
            key, _, value = pair.strip().partition("=")
            if key == name:
                return value.strip('"') or None
        return None

    def fields(self) -> dict[str, Any]:
        """The body as a JSON object or an urlencoded form; {} when it is neither."""
        if "application/x-www-form-urlencoded" in self.headers.get("content-type", ""):
            form = parse_qs(self.body.decode("utf-8", "replace"))
            return {key: values[-1] for key, values in form.items()}
        try:
            decoded = json.loads(self.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return {}
        return decoded if isinstance(decoded, dict) else {}
