"""Every Redis key the project writes, in one place. All start with `autopilot:`.

Keys hold ids only (`telegram:123`, run ids); emails, passwords and cookies live solely as
ciphertext inside the vault's values.
"""

from __future__ import annotations

PREFIX = "autopilot:"

ACTIVE_RUNS = PREFIX + "active-runs"
"""Set of run ids queued or in progress (what the watchdog looks after)."""
ACTIVE_STUDENTS = PREFIX + "active-students"
"""Hash: student id -> number of their active runs (the fair-share divisor)."""
EVENTS = PREFIX + "events"
"""Stream of run progress events for the chat notifiers."""
GLOBAL_BUDGET = PREFIX + "budget:global"
CREDIT_MODEL = PREFIX + "credit-model"
"""How the platform credits watching, as learned by runs: new runs start from it."""
PROBE_LOCK = PREFIX + "credit-probe"
"""Held by the one run allowed to probe while no model is known yet."""


def vault(student: str) -> str:
    return f"{PREFIX}vault:{student}"


def run(run_id: str) -> str:
    return f"{PREFIX}run:{run_id}"


def student_runs(student: str) -> str:
    return f"{PREFIX}student-runs:{student}"


def lease(run_id: str) -> str:
    return f"{PREFIX}lease:{run_id}"


def student_budget(student: str) -> str:
    return f"{PREFIX}budget:student:{student}"


def login_lock(student: str) -> str:
    """Held (seconds) by the one client logging in for a student whose session expired."""
    return f"{PREFIX}login-lock:{student}"
