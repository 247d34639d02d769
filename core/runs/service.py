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


def _refusal(reason: str, settings: Settings) -> RunError:
    if reason == "no-login":
        return NotLoggedIn("Log in first with /login; then start a run.")
    if reason == "student-capacity":
        return RunError(
            f"You already have {settings.max_runs_per_student} runs going; "
            "start more when one finishes."
        )
    return RunError("AutoPilot is at capacity right now; try again in a while.")


@dataclass(frozen=True)
class Submission:
    run: RunRecord
    created: bool

    @property
    def message(self) -> str:
        if self.created:
            return f"Started: {self.run.course}. Progress will show here."
        done = self.run.progress.done
        return f"{self.run.course} is already running ({done} done); not started again."


class Runs:
    def __init__(self, redis: Redis, vault: Vault, settings: Settings) -> None:
        self.redis = redis
        self.vault = vault
        self.settings = settings
        self.store = RunStore(redis)

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
        """Stop a queued or running run; the progress made stays on the platform and in
        the checkpoint, so a later run continues from there."""
        record = self.get(student, run_id)
        if not record.state.active:
            raise RunError(f"That run is already {record.state.value}.")
        by_this_call = self.store.finish(run_id, RunState.CANCELLED, "cancelled by you")
        queues.cancel_job(self.redis, record.job_id)
        cancelled = self.get(student, run_id)
        publish(self.redis, cancelled)
        if by_this_call:
            activity.run_cancelled(cancelled)
        return cancelled

    def forget(self, student: str) -> int:
        """Delete everything stored about a student: runs, checkpoints, queued jobs, budget,
        the course picker, the stored and the pending login. Returns how many runs went."""
        records = self.store.for_student(student)
        for record in records:
            queues.cancel_job(self.redis, record.job_id)
            self.store.delete(record)
            self.redis.delete(CHECKPOINT_PREFIX + record.id)
        self.redis.delete(
            keys.student_runs(student),
            keys.student_budget(student),
            keys.picker_courses(student),
            keys.picker_picked(student),
            keys.picker_starting(student),
        )
        self.vault.forget(student)
        self.vault.forget(keys.pending_login(student))
        return len(records)
