"""Runs in Redis: atomic dedup on submit, state changes, the per-student index.

Submitting and finishing are Lua scripts so that twenty concurrent `/run`s of one course make
exactly one run, and the active-run counters (capacity, fair shares) never drift.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from config.settings import DAY_S, DEFAULT_RETENTION_DAYS
from core import keys
from core.metrics.events import run_finished
from core.runs.record import ACTIVE_STATES, PENDING_STATES, RunRecord, RunState

if TYPE_CHECKING:
    from redis import Redis
    from redis.client import Pipeline

RETENTION_S = DEFAULT_RETENTION_DAYS * DAY_S
"""How long a finished run's record stays visible to its student, unless told otherwise
(`AUTOPILOT_RETENTION_DAYS`)."""
EXPIRY_GRACE_S = DAY_S
"""A finished record's own TTL outlasts the retention period by this much: the hourly
clean-up (`core.runs.retention`) deletes it on time together with everything that refers to
it, and the TTL only bounds what is kept when no clean-up runs."""

ACTIVE_CSV = ",".join(sorted(s.value for s in ACTIVE_STATES))
PENDING_CSV = ",".join(sorted(s.value for s in PENDING_STATES))
"""The states as Lua scripts test them: `string.find(',' .. CSV .. ',', ',' .. state .. ',')`."""

FRESH_PROGRESS = """'last_error', '', 'done', '0', 'total', '0', 'skipped', '0', 'current', '',
  'eta_s', '', 'eta_at', '', 'credited_s', '0', 'needed_s', '0', 'resumed_s', '0', 'stuck', '',
  'skipped_titles', '[]', 'locked_titles', '[]', 'target', ''"""
"""HSET arguments (Lua) that give a new generation of a run an empty progress."""

_SUBMIT = f"""
if redis.call('HEXISTS', KEYS[5], 'credentials') == 0 then return {{'no-login', '0'}} end
local state = redis.call('HGET', KEYS[1], 'state')
if state and string.find(',{PENDING_CSV},', ',' .. state .. ',', 1, true) then
  return {{'exists', redis.call('HGET', KEYS[1], 'generation')}}
end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[5]) then return {{'capacity', '0'}} end
local mine = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
if mine >= tonumber(ARGV[6]) then return {{'student-capacity', '0'}} end
local generation = redis.call('HINCRBY', KEYS[1], 'generation', 1)
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'student', ARGV[2], 'course', ARGV[3],
  'state', 'queued', 'created_at', ARGV[4], 'updated_at', ARGV[4], 'job_id', ARGV[7],
  {FRESH_PROGRESS}, 'start_at', '0', 'start_zone', '')
redis.call('PERSIST', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
redis.call('SADD', KEYS[4], ARGV[1])
return {{'created', tostring(generation)}}
"""

_FINISH = f"""
local state = redis.call('HGET', KEYS[1], 'state')
if not state or not string.find(',{ACTIVE_CSV},', ',' .. state .. ',', 1, true) then return 0 end
if ARGV[4] ~= '' and redis.call('HGET', KEYS[1], 'generation') ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updated_at', ARGV[2], 'last_error', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SREM', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
local student = redis.call('HGET', KEYS[1], 'student')
if tonumber(redis.call('HINCRBY', KEYS[3], student, -1)) <= 0 then
  redis.call('HDEL', KEYS[3], student)
end
return 1
"""

_TRANSITION = f"""
local state = redis.call('HGET', KEYS[1], 'state')
if not state or not string.find(',{ACTIVE_CSV},', ',' .. state .. ',', 1, true) then return 0 end
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'updated_at', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'last_error', ARGV[4]) end
return 1
"""

_REOPEN = f"""
local state = redis.call('HGET', KEYS[1], 'state')
if not state or string.find(',{ACTIVE_CSV},', ',' .. state .. ',', 1, true) then return 0 end
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'queued', 'job_id', ARGV[2], 'last_error', '',
  'updated_at', ARGV[3])
redis.call('PERSIST', KEYS[1])
redis.call('SADD', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
redis.call('HINCRBY', KEYS[3], redis.call('HGET', KEYS[1], 'student'), 1)
return 1
"""

_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
"""


class SubmitRefused(Exception):
    """The service is at capacity (all runs, or this student's)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RunStore:
    def __init__(self, redis: Redis, retention_s: int = RETENTION_S) -> None:
        self.redis = redis
        self.retention_s = retention_s
        self._submit = redis.register_script(_SUBMIT)
        self._finish = redis.register_script(_FINISH)
        self._update = redis.register_script(_UPDATE)
        self._transition = redis.register_script(_TRANSITION)
        self._reopen = redis.register_script(_REOPEN)

    def create(
        self,
        record: RunRecord,
        *,
        max_active: int,
        max_per_student: int,
    ) -> tuple[bool, RunRecord]:
        """Store `record` as a new generation of its run unless the run is already active or
        scheduled (then that one is returned) or the student has no login stored."""
        outcome, generation = self._submit(
            keys=[
                keys.run(record.id),
                keys.ACTIVE_RUNS,
                keys.ACTIVE_STUDENTS,
                keys.student_runs(record.student),
                keys.vault(record.student),
            ],
            args=[
                record.id,
                record.student,
                record.course,
                record.created_at,
                max_active,
                max_per_student,
                record.job_id,
            ],
        )
        outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
        if outcome in ("capacity", "student-capacity", "no-login"):
            raise SubmitRefused(outcome)
        if outcome == "created":
            record.generation = int(generation)
            return True, record
        existing = self.get(record.id)
        assert existing is not None
        return False, existing

    def get(self, run_id: str) -> RunRecord | None:
        raw = self.redis.hgetall(keys.run(run_id))
        return RunRecord.from_redis(raw) if raw else None

    def update(self, run_id: str, *, pipeline: Pipeline | None = None, **values: object) -> None:
        """Set fields of a run that still exists (never resurrects a deleted one); inside
        `pipeline`'s transaction when given."""
        probe = RunRecord(id=run_id, student="", course="")
        for name, value in values.items():
            setattr(probe, name, value)
        mapping = {name: probe.to_redis()[name] for name in values}
        mapping["updated_at"] = str(time.time())
        flat = [item for pair in mapping.items() for item in pair]
        self._update(keys=[keys.run(run_id)], args=flat, client=pipeline)

    def transition(self, run_id: str, generation: int, state: RunState, error: str = "") -> bool:
        """Move an active run between active states (never out of a final one)."""
        return bool(
            self._transition(
                keys=[keys.run(run_id)], args=[generation, state.value, time.time(), error]
            )
        )

    def finish(
        self, run_id: str, state: RunState, error: str = "", generation: int | None = None
    ) -> bool:
        """Move an active run to a final state; False if it was not active (or has moved
        on to another generation)."""
        done = self._finish(
            keys=[keys.run(run_id), keys.ACTIVE_RUNS, keys.ACTIVE_STUDENTS],
            args=[
                state.value,
                time.time(),
                error,
                "" if generation is None else str(generation),
                self.retention_s + EXPIRY_GRACE_S,
            ],
        )
        if done:
            run_finished(self.redis, run_id, state.value, error)
        return bool(done)

    def reopen(self, run_id: str, generation: int, job_id: str) -> bool:
        """Make a finished run active again for a retried job of its latest generation."""
        return bool(
            self._reopen(
                keys=[keys.run(run_id), keys.ACTIVE_RUNS, keys.ACTIVE_STUDENTS],
                args=[generation, job_id, time.time()],
            )
        )

    def for_student(self, student: str) -> list[RunRecord]:
        ids = sorted(m.decode() for m in self.redis.smembers(keys.student_runs(student)))
        records = []
        for run_id in ids:
            record = self.get(run_id)
            if record is None:
                self.redis.srem(keys.student_runs(student), run_id)
            else:
                records.append(record)
        return sorted(records, key=lambda r: r.created_at)

    def active_ids(self) -> list[str]:
        return sorted(m.decode() for m in self.redis.smembers(keys.ACTIVE_RUNS))

    def delete(self, record: RunRecord) -> None:
        """Remove a run entirely, releasing its active slot if it held one."""
        self.finish(record.id, RunState.CANCELLED)
        with self.redis.pipeline() as pipe:
            pipe.delete(keys.run(record.id), keys.lease(record.id))
            pipe.srem(keys.student_runs(record.student), record.id)
            pipe.execute()
