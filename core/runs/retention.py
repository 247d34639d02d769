"""Retention: finished runs, their events and failed jobs are kept for a period, then deleted.

The period is `AUTOPILOT_RETENTION_DAYS`. A finished run (completed, failed, cancelled) is
old once its last change (`updated_at`) is older than the period; it goes with its checkpoint,
lease and "announced" flags, and out of its student's run set. Events older than the period
are trimmed off the stream. Failed jobs (the dead-letter queue: RQ's failed-job registries,
and the results stream that holds the reason `autopilot dlq list` shows) are old once they
ended longer ago than the period. Active and scheduled runs are never touched.

RQ gives a failed job the TTL its enqueuer chose. Every pass re-times each failed job to
end + retention (the registry's score, the job's and its results' key expiry), so the period
is the setting's whatever the job was enqueued with.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rq.exceptions import NoSuchJobError
from rq.results import Result

from core import keys
from core.engine.checkpoint import CHECKPOINT_PREFIX
from core.runs.dead_letters import registries
from core.runs.queues import JSONJob
from core.runs.record import FINAL_STATES

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)

SCAN_COUNT = 500
"""Keys asked for per SCAN step: a pass over a large keyspace stays many small steps."""
RETIME_SLACK_S = 60
"""A failed job whose expiry is this close to the wanted one is left as it is."""

_FINAL_NAMES = frozenset(s.value for s in FINAL_STATES)
_FINAL = ",".join(sorted(_FINAL_NAMES))

_DELETE_IF_OLD = f"""
local state = redis.call('HGET', KEYS[1], 'state')
if not state or not string.find(',{_FINAL},', ',' .. state .. ',', 1, true) then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'updated_at') or '0') >= tonumber(ARGV[1]) then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
"""


@dataclass
class Swept:
    """What one clean-up pass deleted or changed."""

    runs: int = 0
    """Finished runs deleted."""
    dangling: int = 0
    """Index entries (a student's run set, the scheduled runs) that named no run any more."""
    events: int = 0
    """Stream entries trimmed."""
    failed_jobs: int = 0
    """Failed jobs deleted."""
    retimed: int = 0
    """Failed jobs whose expiry was moved to end + retention."""


def clean_up(redis: Redis, retention_s: int, now: float | None = None) -> Swept:
    """Delete what is older than `retention_s` seconds as of `now` (default: the clock)."""
    now = time.time() if now is None else now
    cutoff = now - retention_s
    swept = Swept()
    swept.runs = _delete_old_runs(redis, cutoff)
    swept.dangling = _drop_dangling(redis)
    swept.events = int(redis.xtrim(keys.EVENTS, minid=f"{int(cutoff * 1000)}-0", approximate=False))
    swept.failed_jobs, swept.retimed = _expire_failed_jobs(redis, retention_s, now)
    return swept


def _delete_old_runs(redis: Redis, cutoff: float) -> int:
    delete_if_old = redis.register_script(_DELETE_IF_OLD)
    deleted = 0
    for key in redis.scan_iter(match=keys.run("*"), count=SCAN_COUNT):
        fields = redis.hmget(key, ["id", "state", "updated_at", "student", "generation"])
        run_id, state, updated_at, student, generation = (
            value.decode() if value else "" for value in fields
        )
        if not run_id or state not in _FINAL_NAMES or float(updated_at or 0) >= cutoff:
            continue
        if not delete_if_old(
            keys=[
                keys.run(run_id),
                keys.student_runs(student),
                CHECKPOINT_PREFIX + run_id,
                keys.lease(run_id),
            ],
            args=[cutoff, run_id],
        ):
            continue  # resubmitted meanwhile
        flags = [
            keys.announced(run_id, number, kind)
            for number in range(1, int(generation or 0) + 1)
            for kind in keys.ANNOUNCEMENTS
        ]
        if flags:
            redis.delete(*flags)
        deleted += 1
    return deleted


def _drop_dangling(redis: Redis) -> int:
    """Remove run ids that name no run (a record gone by its own TTL) from every index."""
    dropped = 0
    for key in redis.scan_iter(match=keys.student_runs("*"), count=SCAN_COUNT):
        members = [m.decode() for m in redis.smembers(key)]
        missing = _missing(redis, members)
        if missing:
            dropped += int(redis.srem(key, *missing))
    scheduled = [m.decode() for m in redis.zrange(keys.SCHEDULED_RUNS, 0, -1)]
    with redis.pipeline(transaction=False) as pipe:
        for run_id in scheduled:
            pipe.hget(keys.run(run_id), "state")
        states = pipe.execute()
    stale = [
        run_id for run_id, state in zip(scheduled, states, strict=True) if state != b"scheduled"
    ]
    if stale:
        dropped += int(redis.zrem(keys.SCHEDULED_RUNS, *stale))
    return dropped


def _missing(redis: Redis, run_ids: list[str]) -> list[str]:
    with redis.pipeline(transaction=False) as pipe:
        for run_id in run_ids:
            pipe.exists(keys.run(run_id))
        found = pipe.execute()
    return [run_id for run_id, exists in zip(run_ids, found, strict=True) if not exists]


def _expire_failed_jobs(redis: Redis, retention_s: int, now: float) -> tuple[int, int]:
    """Delete failed jobs that ended longer than `retention_s` ago; re-time the others to
    expire then. Returns (deleted, retimed)."""
    deleted = retimed = 0
    for registry in registries(redis):
        for job_id_raw, score in redis.zrange(registry.key, 0, -1, withscores=True):
            job_id = job_id_raw.decode()
            try:
                job = JSONJob.fetch(job_id, connection=redis)
            except NoSuchJobError:
                redis.zrem(registry.key, job_id)
                continue
            except Exception as exc:  # a malformed job written by someone else: skip it
                log.warning("retention: cannot read failed job %s: %s", job_id, type(exc).__name__)
                continue
            ended = job.ended_at or job.created_at
            keep_until = ended.timestamp() + retention_s
            if keep_until <= now:
                job.delete()
                deleted += 1
            elif abs(score - keep_until) > RETIME_SLACK_S:
                with redis.pipeline() as pipe:
                    pipe.zadd(registry.key, {job_id: keep_until}, xx=True)
                    pipe.expireat(job.key, int(keep_until) + 1)
                    pipe.expireat(Result.get_key(job_id), int(keep_until) + 1)
                    pipe.execute()
                retimed += 1
    if deleted:
        log.info("deleted %d failed job(s) older than the retention period", deleted)
    return deleted, retimed
