"""The one registry of job functions: every RQ job the project enqueues, and all a worker runs.

RQ names a job's function by dotted path, and its worker imports and calls whatever a job
names; anyone who can write to Redis could make a worker run `os.system`. Submitters take
their names from here (so `core` never imports `workers`), and the job class every worker
and scheduler uses (`core.runs.queues.JSONJob`) refuses any other name without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rq.job import Job

ADVANCE_RUN = "workers.jobs.runs.advance_run"
"""One slice of a course run: `(run_id, generation)`; re-enqueues itself."""
CHECK_LOGIN = "workers.jobs.account.check_login"
"""Check a student's stored login against the platform: `(student, answer_at, attempt)`."""
LIST_COURSES = "workers.jobs.account.list_courses"
"""Fetch a student's courses and show them as buttons: `(student, answer_at, attempt)`."""
REFRESH_PROGRESS = "workers.jobs.notify.refresh"
"""Redraw a run's progress message: `(run_id,)`."""
REVIVE_STALLED_RUNS = "workers.jobs.watchdog.revive_stalled_runs"
"""The periodic watchdog (rq-scheduler): no arguments."""
START_SCHEDULED_RUN = "workers.jobs.scheduled.start_scheduled_run"
"""A one-shot rq-scheduler job: start a run at the time the student asked for:
`(run_id, generation, attempt)`."""
START_OVERDUE_RUNS = "workers.jobs.scheduled.start_overdue_runs"
"""Periodic: start scheduled runs whose start job was lost (deleted from the dashboard)."""
CLEAN_UP = "workers.jobs.retention.clean_up"
"""Periodic: delete finished runs, their events and failed jobs past the retention period."""
KEEP_COMPLETE_NIGHT = "workers.jobs.keep.queue_nightly_checks"
"""Periodic: queue a check of the courses of every keep-complete student whose night it is."""
CHECK_KEPT_COURSES = "workers.jobs.keep.check_kept_courses"
"""One student's nightly check of their completed courses: `(student,)`."""

REGISTERED: frozenset[str] = frozenset(
    {
        ADVANCE_RUN,
        CHECK_LOGIN,
        LIST_COURSES,
        REFRESH_PROGRESS,
        REVIVE_STALLED_RUNS,
        START_SCHEDULED_RUN,
        START_OVERDUE_RUNS,
        CLEAN_UP,
        KEEP_COMPLETE_NIGHT,
        CHECK_KEPT_COURSES,
    }
)


@dataclass(frozen=True)
class PeriodicJob:
    """A job without arguments that rq-scheduler runs every `interval_s` seconds. Whatever
    schedules (workers, `autopilot scheduler`) keeps each one scheduled, restoring it within
    a pass if anything deletes it."""

    job_id: str
    func: str
    interval_s: int
    description: str


WATCHDOG = PeriodicJob("autopilot-watchdog", REVIVE_STALLED_RUNS, 10, "revive stalled runs")
OVERDUE_STARTS = PeriodicJob(
    "autopilot-overdue-starts", START_OVERDUE_RUNS, 60, "start scheduled runs left behind"
)
RETENTION = PeriodicJob(
    "autopilot-retention", CLEAN_UP, 3600, "delete finished runs and failed jobs past retention"
)
KEEP_COMPLETE = PeriodicJob(
    "autopilot-keep-complete", KEEP_COMPLETE_NIGHT, 900, "queue the nightly keep-complete checks"
)
PERIODIC: tuple[PeriodicJob, ...] = (WATCHDOG, OVERDUE_STARTS, RETENTION, KEEP_COMPLETE)
"""Every periodic job of the project; each names a registered function."""


class UnregisteredJobError(Exception):
    """A job names something other than a registered job function; it was not imported."""


def refusal(job: Job) -> str | None:
    """Why a worker must not run `job`, or None when it may. Reads only the job's stored
    names: nothing is imported."""
    try:
        name = job.func_name
    except Exception:  # RQ raises DeserializationError and others for data that is not JSON
        return "refused: its data is not a JSON job; nothing was imported or run"
    if name not in REGISTERED:
        return (
            f"refused: {name!r} is not one of the project's registered job functions "
            "(core/jobs.py); it was not imported or run"
        )
    if job.instance is not None:
        return f"refused: {name!r} is registered as a function, not a method of a stored object"
    hooks = [
        f"a {kind} callback"
        for kind, callback in (
            ("success", job._success_callback_name),
            ("failure", job._failure_callback_name),
            ("stopped", job._stopped_callback_name),
        )
        if callback
    ]
    if job.webhooks:
        hooks.append("webhooks")
    if hooks:
        return f"refused: {name!r} carries {', '.join(hooks)}, which no project job uses"
    return None
