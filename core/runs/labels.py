"""What the dashboard, `autopilot dlq` and the logs call a run and its jobs.

RQ shows a job's `description` in the dashboard and its own log lines, so it names the run by
what an admin knows it by: the course slug and the student id (`telegram:1001`), both ids.
An email, password, cookie or token never goes in one.
"""

from __future__ import annotations


def run_label(student: str, course: str) -> str:
    """A run by its course and student, e.g. `course 1-social-networks for telegram:1001`."""
    return f"course {course} for {student}"


def job_description(work: str, run_id: str, student: str = "", course: str = "") -> str:
    """A run's job: `course C for S: <work> (run ID)`; only `<work> of run ID` when the
    caller does not know the course and student."""
    if student and course:
        return f"{run_label(student, course)}: {work} (run {run_id})"
    return f"{work} of run {run_id}"
