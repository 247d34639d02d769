"""A worker's name in RQ's registry: free it from a dead process before taking it.

RQ keeps a worker's registration until its key expires (`worker_ttl` + 60 s after the last
heartbeat) and refuses a new worker under a registered name. A worker killed with SIGKILL and
restarted under the same name (as `autopilot up` does) would be refused for minutes, and the
dashboard would list the dead one meanwhile. At start, a worker therefore deregisters
registrations of this host whose process is gone: its own name at once, others once their
heartbeat is also overdue (a host's pid namespace may not be the only one behind a hostname).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from typing import TYPE_CHECKING

from rq import Worker
from rq.serializers import JSONSerializer
from rq.utils import now

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)

WORKER_TTL_S = 30
"""A registration outlives its last heartbeat by this plus RQ's 60 s; RQ's default is 420.
Idle workers heartbeat every `WORKER_TTL_S - 15` seconds."""


class NameTaken(Exception):
    """A live worker already holds the name."""

    def __init__(self, name: str, pid: int, hostname: str) -> None:
        super().__init__(
            f"a worker named {name!r} is running already (pid {pid} on {hostname}); "
            "stop it or give this one another --name"
        )


def clear_dead_registrations(redis: Redis, name: str | None) -> list[str]:
    """Deregister workers of this host whose process is gone; returns their names. Raises
    `NameTaken` when `name` belongs to a live worker."""
    hostname = socket.gethostname()
    overdue = now() - timedelta(seconds=WORKER_TTL_S)
    cleared = []
    for worker in Worker.all(connection=redis, serializer=JSONSerializer):
        if worker.hostname != hostname:
            continue
        mine = worker.name == name
        alive = worker.pid != os.getpid() and _alive(worker.pid)
        if mine and alive:
            raise NameTaken(worker.name, worker.pid, hostname)
        heartbeat = worker.last_heartbeat
        stale = heartbeat is None or heartbeat.replace(tzinfo=overdue.tzinfo) < overdue
        if not alive and (mine or stale):
            worker.register_death()
            cleared.append(worker.name)
    if cleared:
        log.info("deregistered dead workers: %s", ", ".join(cleared))
    return cleared


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
