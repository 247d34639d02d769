"""Importable functions no worker may run: importing this module leaves a trace.

The registry tests enqueue these by dotted path; a worker or scheduler that imported this
module would set `IMPORTED` (visible through `sys.modules`) and a call would write a file.
"""

from pathlib import Path

IMPORTED = True


def run(path: str) -> None:
    Path(path).write_text("ran")


def on_failure(*_args: object) -> None:
    raise AssertionError("a callback named in a job ran")
