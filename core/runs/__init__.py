"""Runs on RQ: one student's completion of one course, deduplicated, retried, resumable."""

from core.runs.record import RunRecord, RunState, run_id_for
from core.runs.service import NotLoggedIn, RunError, RunNotFound, Runs, Submission

__all__ = [
    "NotLoggedIn",
    "RunError",
    "RunNotFound",
    "RunRecord",
    "RunState",
    "Runs",
    "Submission",
    "run_id_for",
]
