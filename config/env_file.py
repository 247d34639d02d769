"""The optional `.env` file: `KEY=value` lines that fill in settings the environment lacks.

The `autopilot` entry point reads `./.env`, or the file `AUTOPILOT_ENV_FILE` names, before
anything else, so every subcommand and every child process it starts sees the same settings.
A variable already in the environment always wins over the file.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path

ENV_FILE_VARIABLE = "AUTOPILOT_ENV_FILE"
DEFAULT_ENV_FILE = Path(".env")


class EnvFileError(ValueError):
    """The env file named by `AUTOPILOT_ENV_FILE` is missing or has a malformed line."""


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of a `.env` file (`KEY=value`, optional `export `, quotes and `#`
    comments); an absent file reads as empty."""
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.removeprefix("export ").partition("=")
        key = key.strip()
        if not equals or not key.replace("_", "").isalnum():
            raise EnvFileError(f"{path}:{number}: expected KEY=value")
        values[key] = _value(value.strip())
    return values


def load_env_file(environ: MutableMapping[str, str]) -> Path | None:
    """Add the env file's variables to `environ` where it has none; returns the file read
    (None when there was none to read)."""
    named = environ.get(ENV_FILE_VARIABLE, "").strip()
    path = Path(named) if named else DEFAULT_ENV_FILE
    if named and not path.exists():
        raise EnvFileError(f"{ENV_FILE_VARIABLE}={named!r}: no such file")
    if not path.exists() or path.is_dir():
        return None
    for key, value in read_env_file(path).items():
        environ.setdefault(key, value)
    return path


def _value(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw.split(" #", 1)[0].strip()
