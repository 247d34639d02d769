"""Core's one progress renderer: percent of the watch time, lectures, notes, a steady ETA."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from core.conversation import render_run, status_text
from core.engine import (
    Progress,
    format_watch_time,
    render_line,
    render_lines,
    steady_finish,
)
from core.runs.record import RunRecord, RunState

RUNNING = Progress(
    course="Maths",
    done=12,
    total=115,
    skipped=2,
    current="Lecture 13",
    eta_s=547,
    credited_s=37 * 60,
    needed_s=100 * 60,
)


def test_the_percent_is_credited_watch_time_not_finished_lectures():
    assert RUNNING.percent == 37
    assert dataclasses.replace(RUNNING, done=0).percent == 37


def test_the_percent_says_100_only_once_finished():
    nearly = dataclasses.replace(RUNNING, credited_s=RUNNING.needed_s)
    assert nearly.percent == 99
    assert dataclasses.replace(nearly, finished=True).percent == 100


def test_before_any_duration_is_known_the_percent_counts_lectures():
    unknown = dataclasses.replace(RUNNING, credited_s=0, needed_s=0, done=45, total=92)
    assert unknown.percent == 50
    assert "credited" not in render_lines(unknown)[0]


def test_chat_lines_show_percent_credited_time_lectures_current_and_eta():
    lines = render_lines(RUNNING)
    assert lines[0].endswith("37 % · 37 min of 1 h 40 min credited")
    assert lines[0].startswith("███████░")  # 37 % of 20 cells is 7
    assert "Lectures: 12/113 done" in lines
    assert lines[-2:] == ["Now: Lecture 13", "ETA: 9 min 07 s"]
    assert not any("Resumed" in line or "⚠" in line for line in lines)


def test_a_resumed_run_says_what_was_already_credited():
    resumed = dataclasses.replace(RUNNING, resumed_s=23 * 60)
    assert "Resumed: 23 min of 1 h 40 min already credited" in render_lines(resumed)


def test_a_stuck_run_says_what_the_platform_answered_and_what_comes_next():
    note = "VTU credited nothing for 4 heartbeats; slowing to real-time playback."
    lines = render_lines(dataclasses.replace(RUNNING, stuck=note))
    assert f"⚠ Not progressing: {note}" in lines
    finished = dataclasses.replace(RUNNING, stuck=note, finished=True, done=113)
    assert not any("⚠" in line for line in render_lines(finished))


def test_the_terminal_line_is_the_same_figures_on_one_line():
    line = render_line(RUNNING)
    assert "37 %" in line and "12/113 lectures" in line and "ETA 9 min 07 s" in line
    assert line.endswith("· Lecture 13")
    done = render_line(dataclasses.replace(RUNNING, finished=True, done=113))
    assert "100 %" in done and "ETA 0 s" in done and "Lecture 13" not in done


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (45, "45 s"), (60, "1 min"), (23 * 60 + 20, "23 min"), (6000, "1 h 40 min")],
)
def test_watch_time_reads_in_whole_minutes(seconds, text):
    assert format_watch_time(seconds) == text


def test_the_eta_counts_down_through_noisy_estimates():
    """Estimates scattered ±50 % around the truth, every 10 s: the ETA shown moves by under
    a seventh of that between updates (beyond the 10 s that passed) and stays near the truth."""
    true_finish, finish_at, shown = 1000.0, None, []
    for step, noise in enumerate([1.0, 1.5, 0.5, 1.4, 0.6, 1.3, 0.7, 1.0] * 3):
        now = step * 10.0
        finish_at = steady_finish(finish_at, (true_finish - now) * noise, now)
        shown.append(finish_at - now)
    for earlier, later in itertools.pairwise(shown):
        assert abs(later - (earlier - 10.0)) < earlier / 7
    assert shown[-1] < shown[0] - 150  # 230 s passed
    assert abs(finish_at - true_finish) < 0.15 * true_finish


def test_the_eta_takes_a_fresh_estimate_once_the_old_finish_has_passed():
    assert steady_finish(100.0, 60.0, now=150.0) == 210.0
    assert steady_finish(None, 30.0, now=10.0) == 40.0
    assert steady_finish(100.0, None, now=50.0) == 100.0
    assert steady_finish(100.0, None, now=150.0) is None


def test_the_run_message_uses_the_same_lines_and_counts_down_from_the_finish_time():
    record = RunRecord(
        id="0123456789abcdef",
        student="telegram:1",
        course="c",
        course_title="Maths",
        state=RunState.RUNNING,
        done=12,
        total=115,
        skipped=2,
        current="Lecture 13",
        credited_s=37 * 60,
        needed_s=100 * 60,
        resumed_s=23 * 60,
    )
    text = render_run(record)
    for line in render_lines(dataclasses.replace(record.progress, eta_s=None)):
        if not line.startswith("ETA"):
            assert line in text
    assert "Resumed: 23 min of 1 h 40 min already credited" in text
    assert "12/113 · 37 %" in status_text([record])


def test_run_records_keep_the_new_fields_and_old_records_stay_readable():
    record = RunRecord(
        id="r", student="s", course="c", credited_s=12.5, needed_s=100.0, resumed_s=3.0
    )
    record.eta_at, record.stuck = 1234.5, "VTU refuses progress"
    again = RunRecord.from_redis(record.to_redis())
    assert again == record
    old = {k: v for k, v in record.to_redis().items() if k not in NEW_FIELDS}
    old_record = RunRecord.from_redis(old)
    assert (old_record.credited_s, old_record.eta_at, old_record.stuck) == (0.0, None, "")
    assert Progress.from_json({"course": "c", "done": 1, "total": 2}).needed_s == 0.0


NEW_FIELDS = {"eta_at", "credited_s", "needed_s", "resumed_s", "stuck"}
