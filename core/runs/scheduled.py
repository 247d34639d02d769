"""Runs that start later (`/run tonight`): their records and the one-shot job that starts them.

A scheduled run's record holds its dedup key from the moment it is scheduled (a second /run
of the course finds it), but it is not active: it is not in `ACTIVE_RUNS` and does not count
against the caps until it starts, so the watchdog (which looks only at active runs) never
takes it for a stalled one. At its start time a one-shot rq-scheduler job (stored as JSON by
`JSONJob`) makes it active within the caps and queues its first slice.

The one-shot job's id is derived from the run id, its generation and the attempt, so a cancel
finds it from the record (`job_id`) and a retry after a full service never reuses the id of
the job that is running.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rq_scheduler import Scheduler

from core import jobs, keys
from core.runs.labels import job_description
from core.runs.queues import FAST_QUEUE, JSONJob, JSONQueue, cancel_job, queue
from core.runs.record import RunRecord, RunState
from core.runs.store import EXPIRY_GRACE_S, FRESH_PROGRESS, PENDING_CSV

if TYPE_CHECKING:
    from redis import Redis

START_JOB_PREFIX = "start-"


_SCHEDULE = f"""
if redis.call('HEXISTS', KEYS[4], 'credentials') == 0 then return {{'no-login', '0'}} end
local state = redis.call('HGET', KEYS[1], 'state')
if state and string.find(',{PENDING_CSV},', ',' .. state .. ',', 1, true) then
  return {{'exists', redis.call('HGET', KEYS[1], 'generation')}}
end
local mine = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
for _, other in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HGET', ARGV[8] .. other, 'state') == 'scheduled' then mine = mine + 1 end
end
if mine >= tonumber(ARGV[7]) then return {{'student-capacity', '0'}} end
local generation = redis.call('HINCRBY', KEYS[1], 'generation', 1)
local job_id = ARGV[9] .. ARGV[1] .. '-' .. generation .. '-0'
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'student', ARGV[2], 'course', ARGV[3],
  'state', 'scheduled', 'created_at', ARGV[4], 'updated_at', ARGV[4], 'job_id', job_id,
  {FRESH_PROGRESS},
  'start_at', ARGV[5], 'start_zone', ARGV[6], 'course_title', ARGV[10])
redis.call('PERSIST', KEYS[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
return {{'created', tostring(generation)}}
"""

_ACTIVATE = """
if redis.call('HGET', KEYS[1], 'state') ~= 'scheduled' then return 'stale' end
if redis.call('HGET', KEYS[1], 'generation') ~= ARGV[1] then return 'stale' end
if redis.call('HEXISTS', KEYS[5], 'credentials') == 0 then return 'no-login' end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 'capacity' end
local student = redis.call('HGET', KEYS[1], 'student')
local mine = tonumber(redis.call('HGET', KEYS[3], student) or '0')
if mine >= tonumber(ARGV[5]) then return 'student-capacity' end
local id = redis.call('HGET', KEYS[1], 'id')
redis.call('HSET', KEYS[1], 'state', 'queued', 'job_id', ARGV[2], 'created_at', ARGV[3],
  'updated_at', ARGV[3])
redis.call('SADD', KEYS[2], id)
redis.call('HINCRBY', KEYS[3], student, 1)
redis.call('ZREM', KEYS[4], id)
return 'started'
"""

_END = """
if redis.call('HGET', KEYS[1], 'state') ~= 'scheduled' then return 0 end
if ARGV[4] ~= '' and redis.call('HGET', KEYS[1], 'generation') ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'updated_at', ARGV[2], 'last_error', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZREM', KEYS[2], redis.call('HGET', KEYS[1], 'id'))
return 1
"""


class ScheduleRefused(Exception):
    """The run cannot be scheduled (no login, or the student has too many runs)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def start_job_id(run_id: str, generation: int, attempt: int = 0) -> str:
    """The one-shot job that starts generation `generation` of run `run_id` (its `attempt`-th
    try: a try that meets a full service schedules the next)."""
    return f"{START_JOB_PREFIX}{run_id}-{generation}-{attempt}"


def _scheduler(redis: Redis) -> Scheduler:
    """rq-scheduler writing JSON jobs (its own default would pickle them) for the fast queue."""
    return Scheduler(
        queue=queue(redis, FAST_QUEUE),
        connection=redis,
        job_class=JSONJob,
        queue_class=JSONQueue,
    )


def _naive_utc(unix_s: float) -> datetime:
    """What rq-scheduler takes: a naive datetime in UTC."""
    return datetime.fromtimestamp(unix_s, UTC).replace(tzinfo=None)


def write_start_job(
    redis: Redis,
    run_id: str,
    generation: int,
    at: float,
    attempt: int = 0,
    *,
    student: str = "",
    course: str = "",
) -> str:
    """Schedule the one-shot job that starts the run at `at` (unix seconds); returns its id.
    Its arguments are ids only; `student` and `course` only name it in the dashboard."""
    job_id = start_job_id(run_id, generation, attempt)
    _scheduler(redis).enqueue_at(
        _naive_utc(at),
        jobs.START_SCHEDULED_RUN,
        run_id,
        generation,
        attempt,
        job_id=job_id,
        job_description=job_description("scheduled start", run_id, student, course),
        job_result_ttl=0,
        queue_name=FAST_QUEUE,
    )
    return job_id


def remove_start_job(redis: Redis, job_id: str) -> None:
    """Take a one-shot start job out of rq-scheduler and delete it (already queued: out of
    its queue too)."""
    if not job_id.startswith(START_JOB_PREFIX):
        return
    _scheduler(redis).cancel(job_id)
    cancel_job(redis, job_id)


def start_job_pending(redis: Redis, job_id: str) -> bool:
    """Whether the start job is still waiting in rq-scheduler or in its queue."""
    if redis.zscore(Scheduler.scheduled_jobs_key, job_id) is not None:
        return True
    return job_id in queue(redis, FAST_QUEUE).get_job_ids()


class ScheduledRuns:
    """The state changes of scheduled runs, each one Lua script (atomic with the caps)."""

    def __init__(self, redis: Redis, retention_s: int) -> None:
        self.redis = redis
        self.retention_s = retention_s
        self._schedule = redis.register_script(_SCHEDULE)
        self._activate = redis.register_script(_ACTIVATE)
        self._end = redis.register_script(_END)

    def create(self, record: RunRecord, *, max_per_student: int) -> tuple[bool, int]:
        """Store `record` (its `start_at`, `start_zone`, `course_title`) as a new scheduled
        generation of its run and write its start job; returns (created, generation). Not
        created when the run is already active or scheduled. A student's scheduled and active
        runs together stay within `max_per_student`."""
        outcome, generation = self._schedule(
            keys=[
                keys.run(record.id),
                keys.ACTIVE_STUDENTS,
                keys.student_runs(record.student),
                keys.vault(record.student),
                keys.SCHEDULED_RUNS,
            ],
            args=[
                record.id,
                record.student,
                record.course,
                record.created_at,
                int(record.start_at),
                record.start_zone,
                max_per_student,
                keys.run(""),
                START_JOB_PREFIX,
                record.course_title,
            ],
        )
        outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
        if outcome in ("no-login", "student-capacity"):
            raise ScheduleRefused(outcome)
        if outcome != "created":
            return False, int(generation)
        write_start_job(
            self.redis,
            record.id,
            int(generation),
            record.start_at,
            student=record.student,
            course=record.course,
        )
        return True, int(generation)

    def activate(
        self,
        run_id: str,
        generation: int,
        slice_job_id: str,
        *,
        max_active: int,
        max_per_student: int,
    ) -> str:
        """Make a scheduled run active now, within the caps: "started" (its first slice is
        the caller's to queue, as `slice_job_id`), "stale" (cancelled, or a newer generation),
        "no-login", "capacity" or "student-capacity"."""
        outcome = self._activate(
            keys=[
                keys.run(run_id),
                keys.ACTIVE_RUNS,
                keys.ACTIVE_STUDENTS,
                keys.SCHEDULED_RUNS,
                keys.vault(self._student(run_id)),
            ],
            args=[generation, slice_job_id, time.time(), max_active, max_per_student],
        )
        return outcome.decode() if isinstance(outcome, bytes) else str(outcome)

    def end(
        self, run_id: str, state: RunState, error: str = "", generation: int | None = None
    ) -> bool:
        """Move a scheduled (never started) run to a final state; False when it is not
        scheduled (any more, or in that generation)."""
        return bool(
            self._end(
                keys=[keys.run(run_id), keys.SCHEDULED_RUNS],
                args=[
                    state.value,
                    time.time(),
                    error,
                    "" if generation is None else str(generation),
                    self.retention_s + EXPIRY_GRACE_S,
                ],
            )
        )

    def overdue(self, now: float, late_s: float) -> list[str]:
        """Scheduled runs whose start time passed more than `late_s` seconds ago."""
        return [m.decode() for m in self.redis.zrangebyscore(keys.SCHEDULED_RUNS, 0, now - late_s)]

    def _student(self, run_id: str) -> str:
        student = self.redis.hget(keys.run(run_id), "student")
        return student.decode() if student else ""
