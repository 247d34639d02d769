"""Moving due jobs to their queues, safe with any number of movers at once.

Two kinds of jobs wait for a time: RQ's delayed jobs (a run's next slice, `Retry` intervals),
in each queue's scheduled-job registry, and rq-scheduler's jobs (the periodic ones of
`core.jobs.PERIODIC`, and one-shot jobs at a time). RQ and rq-scheduler each move theirs
under one lock, and a holder that dies blocks everyone until the lock expires (a minute for
RQ's). Here there is no lock: every worker moves due jobs, and so does `autopilot scheduler`
when one runs.

A mover claims each due job on its own, in one Lua script on the server's clock: the job's
due time is pushed `CLAIM_S` ahead, so no other mover sees it as due, and the script answers
with the claim. The mover then saves the job as queued with RQ's own code and, in the same
transaction, a second script pushes its id onto the queue only if the claim still stands (and
removes it from the schedule, or sets its next time if it repeats). A mover that dies after
claiming leaves the job due again `CLAIM_S` later, for another mover: nothing is lost, and
nothing is moved twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq_scheduler import Scheduler
from rq_scheduler.utils import get_next_scheduled_time

from core import jobs
from core.runs.queues import QUEUES, JSONJob, JSONQueue, fail_without_running, queue

if TYPE_CHECKING:
    from redis import Redis
    from redis.client import Pipeline

log = logging.getLogger(__name__)

CLAIM_S = 15
"""How long a claimed job stays invisible to other movers: far longer than a move takes."""
BATCH = 500
"""Most jobs one claim takes from one schedule."""
PASS_INTERVAL_S = 0.5
"""Between two passes of one mover; with several workers the passes interleave."""

_CLAIM = """
local now = tonumber(redis.call('TIME')[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local claim = now + tonumber(ARGV[2])
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', claim, id) end
return {claim, due}
"""

_SETTLE = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
end
if KEYS[2] ~= '' then
  if ARGV[4] == '1' then redis.call('LPUSH', KEYS[2], ARGV[1])
  else redis.call('RPUSH', KEYS[2], ARGV[1]) end
end
return 1
"""
"""Only the claim's holder moves the job: push its id (unless KEYS[2] is empty), and remove it
from the schedule or give it its next time (ARGV[3])."""


@dataclass(frozen=True)
class Claim:
    """Due jobs one mover now holds, and the score that proves it."""

    score: int
    job_ids: list[str]


class ServiceScheduler(Scheduler):  # type: ignore[misc]
    """rq-scheduler's API over the project's JSON jobs and queues: `schedule`, `enqueue_at`,
    `cancel`, and whether a job is scheduled. Moving is `DueJobMover`'s, not `run()`'s."""

    def __init__(self, redis: Redis) -> None:
        super().__init__(
            queue=queue(redis, QUEUES[0]),
            connection=redis,
            job_class=JSONJob,
            queue_class=JSONQueue,
        )

    def ensure_periodic(self) -> None:
        """Schedule each periodic job now unless it is scheduled and its job exists: a
        dashboard delete or an emptied queue removes the job, and rq-scheduler would then
        drop it for good. Movers racing here write the same job id: one job remains."""
        for periodic in jobs.PERIODIC:
            job_id = periodic.job_id
            if job_id in self and self.connection.exists(JSONJob.key_for(job_id)):
                continue
            self.cancel(job_id)
            self.schedule(
                scheduled_time=datetime.now(UTC).replace(tzinfo=None),
                func=periodic.func,
                interval=periodic.interval_s,
                repeat=None,
                id=job_id,
                description=periodic.description,
            )
            log.info("%s scheduled every %s s", periodic.description, periodic.interval_s)


class DueJobMover:
    """One pass moves every due job of the project's queues and of rq-scheduler to its queue,
    and restores missing periodic jobs. Any number may run at once (see the module)."""

    def __init__(self, redis: Redis, *, keep_periodic: bool = True) -> None:
        self.redis = redis
        self.keep_periodic = keep_periodic
        """Whether passes restore missing periodic jobs (off for tests that run jobs by hand)."""
        self.scheduler = ServiceScheduler(redis)
        self._claim = redis.register_script(_CLAIM)
        self._settle = redis.register_script(_SETTLE)

    def run_pass(self) -> int:
        """Move what is due now; returns how many jobs went to their queues."""
        moved = sum(self._move_delayed(queue(self.redis, name)) for name in QUEUES)
        moved += self._move_rq_scheduler_jobs()
        if self.keep_periodic:
            self.scheduler.ensure_periodic()
        return moved

    def _claim_due(self, schedule_key: str) -> Claim:
        score, job_ids = self._claim(keys=[schedule_key], args=[BATCH, CLAIM_S])
        return Claim(int(score), [job_id.decode() for job_id in job_ids])

    def _move_delayed(self, target: JSONQueue) -> int:
        """RQ's delayed jobs of `target` (run slices, retries)."""
        registry = target.scheduled_job_registry
        claim = self._claim_due(registry.key)
        moved = 0
        for job_id, job in zip(
            claim.job_ids, JSONJob.fetch_many(claim.job_ids, connection=self.redis), strict=True
        ):
            if job is None or self._refused(job, registry.key, claim):
                self._drop(registry.key, job_id, claim)
                continue
            with self.redis.pipeline() as pipeline:
                target._prepare_for_queue(job)
                target._persist_job(job, pipeline)
                self._settle_in(pipeline, registry.key, target.key, job, claim)
                moved += int(pipeline.execute()[-1])
        return moved

    def _move_rq_scheduler_jobs(self) -> int:
        """rq-scheduler's due jobs: periodic ones get their next time in the same step."""
        schedule_key = self.scheduler.scheduled_jobs_key
        claim = self._claim_due(schedule_key)
        moved = 0
        for job_id in claim.job_ids:
            job = JSONJob.fetch_many([job_id], connection=self.redis)[0]
            if job is None or self._refused(job, schedule_key, claim):
                self._drop(schedule_key, job_id, claim)
                continue
            target = queue(self.redis, job.origin)
            next_at = _next_time(job, claim.score)
            with self.redis.pipeline() as pipeline:
                target._prepare_for_queue(job)
                target._persist_job(job, pipeline)
                self._settle_in(pipeline, schedule_key, target.key, job, claim, next_at)
                moved += int(pipeline.execute()[-1])
        return moved

    def _settle_in(
        self,
        pipeline: Pipeline,
        schedule_key: str,
        queue_key: str,
        job: JSONJob,
        claim: Claim,
        next_at: int | None = None,
    ) -> None:
        front = "1" if job.enqueue_at_front else "0"
        args = [job.id, claim.score, "" if next_at is None else next_at, front]
        self._settle(keys=[schedule_key, queue_key], args=args, client=pipeline)

    def _drop(self, schedule_key: str, job_id: str, claim: Claim) -> None:
        """Take a job that must not move (missing, or refused) off the schedule."""
        self._settle(keys=[schedule_key, ""], args=[job_id, claim.score, "", "0"])

    def _refused(self, job: JSONJob, schedule_key: str, claim: Claim) -> bool:
        """Fail a job that names an unregistered function or a foreign queue into the
        dead-letter queue, unrun and unimported; True when it was refused."""
        reason = jobs.refusal(job)
        if reason is None and job.origin not in QUEUES:
            reason = f"refused: queue {job.origin!r} is not one of the project's queues"
        if reason is None:
            return False
        fail_without_running(job, reason)
        log.warning("scheduled job %s %s", job.id, reason)
        return True


def _next_time(job: JSONJob, now: int) -> int | None:
    """When a repeating rq-scheduler job runs next (None: it does not), counting down its
    `repeat` the way rq-scheduler does."""
    interval, cron = job.meta.get("interval"), job.meta.get("cron_string")
    repeat = job.meta.get("repeat")
    if repeat is not None:
        job.meta["repeat"] = int(repeat) - 1
        if job.meta["repeat"] <= 0:
            return None
    if interval:
        return now - CLAIM_S + int(interval)
    if cron:
        local = bool(job.meta.get("use_local_timezone"))
        return int(get_next_scheduled_time(cron, use_local_timezone=local).timestamp())
    return None


class SchedulingLoop:
    """Passes of a `DueJobMover` until stopped, riding out Redis restarts (logged once per
    outage). Workers run one in a thread; `autopilot scheduler` runs one in the foreground."""

    def __init__(self, redis: Redis, interval_s: float = PASS_INTERVAL_S) -> None:
        self.mover = DueJobMover(redis)
        self.interval_s = interval_s
        self.stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        lost = False
        while not self.stopped.is_set():
            try:
                self.mover.run_pass()
                if lost:
                    log.warning("Redis is back: moving due jobs again")
                lost = False
            except (RedisConnectionError, RedisTimeoutError) as exc:
                if not lost:
                    log.warning("lost Redis (%s); due jobs wait until it is back", exc)
                lost = True
            except Exception:
                log.exception("moving due jobs failed; trying again")
            self.stopped.wait(self.interval_s)

    def start_in_thread(self) -> SchedulingLoop:
        self._thread = threading.Thread(target=self.run, name="due-job-mover", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
