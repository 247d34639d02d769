"""A reader for the plain subset of YAML that docker-compose.yml keeps to, because no YAML
library is a dependency: block mappings and lists, `[a, b]` flow lists, quoted and plain
scalars, comments. Anything else (anchors, multi-line strings, lists of mappings) is refused,
so the compose file stays within what this reader can check."""

from __future__ import annotations

import json
import re
from typing import Any

_KEY = re.compile(r"^([A-Za-z0-9_.-]+):(?:\s+(.*))?$")


class UnsupportedYAML(ValueError):
    pass


def load(text: str) -> Any:
    lines = [_logical(raw) for raw in text.splitlines()]
    rows = [(len(line) - len(line.lstrip(" ")), line.strip()) for line in lines if line.strip()]
    value, end = _block(rows, 0, rows[0][0] if rows else 0)
    if end != len(rows):
        raise UnsupportedYAML(f"unexpected indentation at {rows[end][1]!r}")
    return value


def _logical(raw: str) -> str:
    """The line without its comment (a `#` outside quotes, at the start or after a space)."""
    quote = None
    for index, char in enumerate(raw):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or raw[index - 1] == " "):
            return raw[:index].rstrip()
        elif char in "&*|>" and (index == 0 or raw[index - 1] == " "):
            raise UnsupportedYAML(f"anchors, aliases and block scalars are not used: {raw!r}")
    return raw.rstrip()


def _block(rows: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    if rows[i][1].startswith("- "):
        items = []
        while i < len(rows) and rows[i][0] == indent and rows[i][1].startswith("- "):
            item = rows[i][1][2:].strip()
            if _KEY.match(item):
                raise UnsupportedYAML(f"lists of mappings are not used: {item!r}")
            items.append(_scalar(item))
            i += 1
        return items, i
    mapping: dict[str, Any] = {}
    while i < len(rows) and rows[i][0] == indent:
        match = _KEY.match(rows[i][1])
        if not match:
            raise UnsupportedYAML(f"expected `key: value`, got {rows[i][1]!r}")
        key, value = match.group(1), match.group(2)
        if key in mapping:
            raise UnsupportedYAML(f"duplicate key {key!r}")
        i += 1
        if value is not None:
            mapping[key] = _scalar(value)
        elif i < len(rows) and rows[i][0] > indent:
            mapping[key], i = _block(rows, i, rows[i][0])
        else:
            mapping[key] = None
    return mapping, i


def _scalar(text: str) -> Any:
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [_scalar(part.strip()) for part in _split_flow(inner)] if inner else []
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        return json.loads(text)
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        return text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return text == "true"
    if text in ("null", "~"):
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text[0] in "{[":
        raise UnsupportedYAML(f"flow mappings are not used: {text!r}")
    return text


def _split_flow(inner: str) -> list[str]:
    parts, current, quote = [], "", None
    for char in inner:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ",":
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]
