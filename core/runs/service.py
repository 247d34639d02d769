"""What the bots and the command line ask of runs: submit, status, cancel, forget.

Nothing here waits on the platform: submitting writes a record and enqueues a job.
A student only ever sees and cancels their own runs: every call takes the student id and
checks ownership, so a forged run id from a chat button reaches nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core import activity, keys
from core.engine.checkpoint import CHECKPOINT_PREFIX
from core.runs import queues
from core.runs.events import publish
from core.runs.record import RunRecord, RunState, run_id_for
from core.runs.scheduled import ScheduledRuns, ScheduleRefused, remove_start_job
from core.runs.store import RunStore, SubmitRefused

if TYPE_CHECKING:
    from redis import Redis

    from config import Settings
    from core.chat import ChatTarget
    from core.vault import Vault


class RunError(Exception):
    """A request about runs that cannot be done; `message` is for the student."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotLoggedIn(RunError):
    """The student has no platform login stored."""


class RunNotFound(RunError):
    """No run with that id, or not this student's: the two look the same on purpose."""


def _refusal(reason: str, settings: Settings, *, scheduling: bool = False) -> RunError:
    if reason == "no-login":
        return NotLoggedIn("Log in first with /login; then start a run.")
    if reason == "student-capacity":
        going = "going or scheduled" if scheduling else "going"
        return RunError(
            f"You already have {settings.max_runs_per_student} runs {going}; "
            "start more when one finishes."
        )
    return RunError("AutoPilot is at capacity right now; try again in a while.")


def refusal_message(reason: str, settings: Settings) -> str:
    """What the student is told when a run cannot start for `reason` (a store refusal)."""
    return _refusal(reason, settings).message


@dataclass(frozen=True)
class Submission:
    run: RunRecord
    created: bool

    @property
    def message(self) -> str:
        if self.created:
            return f"Started: {self.run.course}. Progress will show here."
        if self.run.state is RunState.SCHEDULED:
            return f"{self.run.course} is already scheduled to start later; not started now."
        done = self.run.progress.done
        return f"{self.run.course} is already running ({done} done); not started again."


class Runs:
    def __init__(self, redis: Redis, vault: Vault, settings: Settings) -> None:
        self.redis = redis
        self.vault = vault
        self.settings = settings
        self.store = RunStore(redis, settings.retention_s)
        self.scheduled = ScheduledRuns(redis, settings.retention_s)

    def submit(self, student: str, course: str) -> Submission:
        """Start a run of `course`, or return the one already queued or running."""
        run_id = run_id_for(student, course)
        now = time.time()
        record = RunRecord(
            id=run_id,
            student=student,
            course=course,
            created_at=now,
            updated_at=now,
            job_id=queues.new_slice_id(run_id),
        )
        try:
            created, record = self.store.create(
                record,
                max_active=self.settings.max_active_runs,
                max_per_student=self.settings.max_runs_per_student,
            )
        except SubmitRefused as refused:
            raise _refusal(refused.reason, self.settings) from None
        if created:
            with self.redis.pipeline(transaction=False) as pipe:
                queues.enqueue_slice(
                    self.redis,
                    run_id,
                    record.generation,
                    job_id=record.job_id,
                    pipeline=pipe,
                    student=student,
                    course=course,
                )
                publish(pipe, record)
                pipe.execute()
        return Submission(run=record, created=created)

    def schedule(
        self, student: str, course: str, start_at: int, zone: str, title: str = ""
    ) -> Submission:
        """Schedule a run of `course` (called `title`) to start at `start_at` (unix seconds),
        as the student said it in time zone `zone`; or return the run already active or
        scheduled."""
        now = time.time()
        record = RunRecord(
            id=run_id_for(student, course),
            student=student,
            course=course,
            state=RunState.SCHEDULED,
            created_at=now,
            updated_at=now,
            start_at=float(start_at),
            start_zone=zone,
            course_title=title,
        )
        try:
            created, _ = self.scheduled.create(
                record, max_per_student=self.settings.max_runs_per_student
            )
        except ScheduleRefused as refused:
            raise _refusal(refused.reason, self.settings, scheduling=True) from None
        stored = self.store.get(record.id)
        if stored is None:  # forgotten (/forget) in the meantime
            raise RunNotFound("No such run of yours.")
        return Submission(run=stored, created=created)

    def status(self, student: str) -> list[RunRecord]:
        return self.store.for_student(student)

    def get(self, student: str, run_id: str) -> RunRecord:
        record = self.store.get(run_id)
        if record is None or record.student != student:
            raise RunNotFound("No such run of yours.")
        return record

    def show_in(self, student: str, run_id: str, target: ChatTarget) -> None:
        """Record the message that shows the run's progress (the workers edit it)."""
        self.get(student, run_id)
        self.store.update(run_id, target=target)

    def cancel(self, student: str, run_id: str) -> RunRecord:
        """Stop a queued or running run, or one scheduled to start later (with the job that
        would start it); the progress made stays on the platform and in the checkpoint, so a
        later run continues from there."""
        record = self.get(student, run_id)
        if record.state is RunState.SCHEDULED:
            if not self.scheduled.end(run_id, RunState.CANCELLED, "cancelled by you"):
                return self.cancel(student, run_id)  # it started meanwhile
            remove_start_job(self.redis, record.job_id)
            by_this_call = True
        elif not record.state.active:
            raise RunError(f"That run is already {record.state.value}.")
        else:
            by_this_call = self.store.finish(run_id, RunState.CANCELLED, "cancelled by you")
            queues.cancel_job(self.redis, record.job_id)
        cancelled = self.get(student, run_id)
        publish(self.redis, cancelled)
        if by_this_call:
            activity.run_cancelled(cancelled)
        return cancelled

    def forget(self, student: str) -> int:
        """Delete everything stored about a student: runs (scheduled ones with the jobs that
        would start them), checkpoints, queued jobs, budget, the course picker, preferences,
        "keep my courses complete", the stored and the pending login. Returns how many runs
        went."""
        records = self.store.for_student(student)
        for record in records:
            if record.state is RunState.SCHEDULED:
                self.scheduled.end(record.id, RunState.CANCELLED)
                remove_start_job(self.redis, record.job_id)
            queues.cancel_job(self.redis, record.job_id)
            self.store.delete(record)
            self.redis.delete(CHECKPOINT_PREFIX + record.id)
        self.redis.srem(keys.KEEP_STUDENTS, student)
        self.redis.delete(
            keys.student_runs(student),
            keys.student_budget(student),
            keys.picker_courses(student),
            keys.picker_picked(student),
            keys.picker_starting(student),
            keys.student_prefs(student),
            keys.keep(student),
            keys.keep_known(student),
            keys.keep_claim(student),
        )
        self.vault.forget(student)
        self.vault.forget(keys.pending_login(student))
        return len(records)
