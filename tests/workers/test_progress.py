"""Progress a student believes, end to end: worker slices on RQ against the VTU stand-in."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from core import keys
from core.conversation import render_run
from core.engine import Progress, format_watch_time
from core.runs import RunState
from emulators.vtu.catalog import Catalog
from emulators.vtu.server import VTUEmulator
from emulators.vtu.settings import EmulatorSettings
from tests.core.conftest import EMAIL, PASSWORD
from workers.jobs.runs import _save_progress

from .conftest import STUDENT

LONG = "1-long-lectures"
LONG_LESSONS = [[600, 600], [600, 600]]
"""Every lecture needs five 120 s heartbeats: none completes in the first rounds."""


@pytest.fixture
def vtu() -> Iterator[VTUEmulator]:
    """A time-capped platform (a minute of platform time per real second)."""
    catalog = Catalog()
    catalog.add_course(LONG, "Long Lectures", LONG_LESSONS)
    catalog.add_student(EMAIL, PASSWORD, "1VT23CS001", [LONG])
    settings = EmulatorSettings(rate_limit_requests=None, wallclock_cap=True, time_scale=60.0)
    with VTUEmulator(catalog, settings) as emulator:
        yield emulator


def published(redis, run_id: str) -> list[Progress]:
    """The progress of every event published for the run, oldest first."""
    events = redis.xrange(keys.EVENTS)
    return [
        Progress.from_json(json.loads(fields[b"progress"]))
        for _, fields in events
        if fields[b"run"].decode() == run_id
    ]


def test_the_percent_rises_and_is_published_before_any_lecture_completes(
    ctx, logged_in, redis, vtu, drain
):
    run_id = ctx.runs.submit(STUDENT, LONG).run.id

    def two_rises_before_a_lecture_is_done() -> bool:
        record = ctx.runs.get(STUDENT, run_id)
        shown = {p.percent for p in published(redis, run_id) if p.done == 0 and p.percent > 0}
        return record.done > 0 or len(shown) >= 2

    drain(two_rises_before_a_lecture_is_done, timeout=60)
    record = ctx.runs.get(STUDENT, run_id)
    assert record.done == 0, "a lecture completed before the percent rose twice"
    assert record.needed_s == 4 * 600
    text = render_run(record)
    assert f"{record.progress.percent} % · " in text and "Lectures: 0/4 done" in text
    ctx.runs.cancel(STUDENT, run_id)


def test_a_resumed_run_says_how_much_was_already_credited(ctx, logged_in, redis, vtu, drain):
    run_id = ctx.runs.submit(STUDENT, LONG).run.id
    drain(lambda: ctx.runs.get(STUDENT, run_id).credited_s >= 240, timeout=60)
    ctx.runs.cancel(STUDENT, run_id)
    drain.until_idle()
    credited = ctx.runs.get(STUDENT, run_id).credited_s

    ctx.runs.submit(STUDENT, LONG)
    drain(lambda: ctx.runs.get(STUDENT, run_id).total > 0, timeout=30)
    record = ctx.runs.get(STUDENT, run_id)
    assert record.state.active and record.resumed_s >= credited
    resumed = format_watch_time(record.resumed_s)
    assert f"Resumed: {resumed} of 40 min already credited" in render_run(record)
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active, timeout=60)
    record = ctx.runs.get(STUDENT, run_id)
    assert record.state is RunState.COMPLETED and record.resumed_s == pytest.approx(credited)
    assert "Resumed" not in render_run(record)


def test_a_stuck_note_is_logged_published_and_shown(ctx, logged_in, redis, caplog):
    record = ctx.runs.submit(STUDENT, LONG).run
    note = "VTU credited nothing for 3 minutes; sending at real-time pace from now on."
    progress = Progress(
        course="Long Lectures", done=0, total=4, credited_s=300, needed_s=2400, stuck=note
    )
    before = len(published(redis, record.id))
    with caplog.at_level(logging.WARNING, logger="workers.jobs.runs"):
        _save_progress(ctx, record, progress, first_slice=True)
        _save_progress(ctx, record, progress, first_slice=False)  # said once, not twice
    assert caplog.text.count(note) == 1
    assert [p.stuck for p in published(redis, record.id)[before:]] == [note]
    assert f"⚠ Not progressing: {note}" in render_run(ctx.runs.get(STUDENT, record.id))
