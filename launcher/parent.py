"""A child of `autopilot up` stops itself when `up` is gone, even after a SIGKILL of `up`
(which no signal handler sees): a thread watches the parent's pid."""

from __future__ import annotations

import os
import signal
import threading

PARENT_PID_ENV = "AUTOPILOT_PARENT_PID"
"""Set by `up` for its children: the pid whose death they follow."""
CHECK_S = 1.0
GRACE_S = 20.0
"""After asking itself to stop (SIGTERM, as `up` would), a child gets this long to do so."""


def follow_parent(environ: dict[str, str] | os._Environ[str] = os.environ) -> None:
    """When `PARENT_PID_ENV` names a process, stop this one once that process is gone."""
    try:
        parent = int(environ.get(PARENT_PID_ENV, ""))
    except ValueError:
        return
    threading.Thread(target=_watch, args=(parent,), name="follow-parent", daemon=True).start()


def _watch(parent: int) -> None:
    stopped = threading.Event()
    while os.getppid() == parent:
        stopped.wait(CHECK_S)
    os.kill(os.getpid(), signal.SIGTERM)
    stopped.wait(GRACE_S)
    os._exit(1)
