"""Every job the workers run, by the dotted path RQ stores in Redis: the one registry.

`core` and the bots enqueue by these names (so `core` never imports `workers`), and the
workers run nothing else: a job naming any other function fails without being imported.
"""

from __future__ import annotations

ADVANCE_RUN = "workers.jobs.runs.advance_run"
"""Advance one run by a slice (runs queue)."""
CHECK_LOGIN = "workers.jobs.account.check_login"
"""Check a student's pending login on the platform (fast queue)."""
LIST_COURSES = "workers.jobs.account.list_courses"
"""Fetch a student's enrolled courses into the picker (fast queue)."""
REFRESH_PROGRESS = "workers.jobs.notify.refresh"
"""Redraw a run's progress message (fast queue)."""
WATCHDOG = "workers.jobs.watchdog.revive_stalled_runs"
"""Revive runs whose worker died (periodic, on the scheduler)."""

REGISTERED = frozenset({ADVANCE_RUN, CHECK_LOGIN, LIST_COURSES, REFRESH_PROGRESS, WATCHDOG})
"""The only functions a worker will import and call."""
