"""Typed access to one call's parameters.

Telegram accepts every value as a string (form and query encodings) or as a JSON value (JSON
bodies); python-telegram-bot sends strings verbatim and JSON-encodes everything else (numbers,
booleans, lists, objects). Each accessor below therefore takes either form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from emulators.telegram.errors import ApiError, bad_request


class Params:
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)

    def has(self, name: str) -> bool:
        value = self._raw.get(name)
        return value is not None and value != ""

    def get_str(self, name: str) -> str | None:
        value = self._raw.get(name)
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value) if isinstance(value, dict | list) else str(value)

    def require_str(self, name: str, missing: str | None = None) -> str:
        value = self.get_str(name)
        if value is None or value == "":
            raise _missing(name, missing)
        return value

    def get_int(self, name: str) -> int | None:
        if not self.has(name):
            return None
        value = self._raw[name]
        if isinstance(value, bool):
            raise _invalid(name)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError as exc:
            raise _invalid(name) from exc

    def require_int(self, name: str, missing: str | None = None) -> int:
        value = self.get_int(name)
        if value is None:
            raise _missing(name, missing)
        return value

    def get_float(self, name: str) -> float | None:
        if not self.has(name):
            return None
        value = self._raw[name]
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise _invalid(name) from exc

    def get_bool(self, name: str) -> bool:
        value = self._raw.get(name)
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        return str(value).strip().lower() in ("true", "1")

    def get_json(self, name: str, invalid: str | None = None) -> Any:
        """The decoded value of a JSON-typed parameter (None when absent)."""
        if not self.has(name):
            return None
        value = self._raw[name]
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError as exc:
            raise bad_request(invalid or f"can't parse {name} JSON object") from exc


def _missing(name: str, description: str | None) -> ApiError:
    return bad_request(description or f"parameter {name} is required")


def _invalid(name: str) -> ApiError:
    return bad_request(f"wrong parameter {name} in request")
