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
METRICS_COUNTERS = PREFIX + "metrics:counters"
METRICS_HISTOGRAMS = PREFIX + "metrics:histograms"
METRICS_ERRORS = PREFIX + "metrics:errors"
"""The latest errors (JSON, newest first) for `autopilot status`; see `core.metrics.store`."""
SCHEDULED_RUNS = PREFIX + "scheduled-runs"
"""Sorted set: run id -> when it is to start (unix seconds), for runs waiting for their start
time (`/run tonight`). They are not in `ACTIVE_RUNS` until they start."""
KEEP_STUDENTS = PREFIX + "keep-students"
"""Set of student ids who asked to keep their courses complete (`/keep on`)."""


def vault(student: str) -> str:
    return f"{PREFIX}vault:{student}"


def run(run_id: str) -> str:
    return f"{PREFIX}run:{run_id}"


def student_runs(student: str) -> str:
    return f"{PREFIX}student-runs:{student}"


def lease(run_id: str) -> str:
    return f"{PREFIX}lease:{run_id}"


ANNOUNCEMENTS = ("completed", "failed", "stuck")
"""The kinds of notifying message a run's generation may get, each at most once."""


def announced(run_id: str, generation: int, kind: str) -> str:
    """Set once the notifying message `kind` (completed, failed, stuck) of one generation of a
    run has been sent, so it is sent once."""
    return f"{PREFIX}announced:{run_id}:{generation}:{kind}"


def student_prefs(student: str) -> str:
    """Hash of the student's preferences: `tz`, their IANA time zone."""
    return f"{PREFIX}student:{student}"


def keep(student: str) -> str:
    """Hash of the student's "keep my courses complete" state: where to tell them (`home`),
    when their courses were last checked (`checked_at`), and which stored login the platform
    refused (`refused_login`)."""
    return f"{PREFIX}keep:{student}"


def keep_known(student: str) -> str:
    """Hash: course slug -> JSON list of the lecture ids it had when last known complete."""
    return f"{PREFIX}keep-known:{student}"


def keep_claim(student: str) -> str:
    """Held while one nightly check of the student's courses is queued or under way."""
    return f"{PREFIX}keep-claim:{student}"


def student_budget(student: str) -> str:
    return f"{PREFIX}budget:student:{student}"


def picker_courses(student: str) -> str:
    """The student's enrolled courses as last listed (the picker's buttons index into it)."""
    return f"{PREFIX}picker:courses:{student}"


def picker_picked(student: str) -> str:
    """Set of the picker's selected indexes."""
    return f"{PREFIX}picker:picked:{student}"


def picker_starting(student: str) -> str:
    """Held while one /run or Start press turns the selection into runs."""
    return f"{PREFIX}picker:starting:{student}"


def pending_login(student: str) -> str:
    """The vault id holding `student`'s not-yet-checked credentials, so a typo never
    replaces a good login."""
    return student + ":pending-login"


def metrics_recent(minute: int) -> str:
    """Counters of one wall-clock minute (`unix time // 60`), kept an hour."""
    return f"{PREFIX}metrics:recent:{minute}"


def login_lock(student: str) -> str:
    """Held (seconds) by the one client logging in for a student whose session expired."""
    return f"{PREFIX}login-lock:{student}"


def discord_answer(nonce: str) -> str:
    """List where a worker leaves its answer (text and buttons, no secret) to an ephemeral
    Discord message that only the bot can edit; `nonce` is the bot's random address for it."""
    return f"{PREFIX}discord:answer:{nonce}"
