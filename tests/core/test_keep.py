"""What a nightly keep-complete check decides, and whose night it is."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.chat import ChatTarget, Platform
from core.keep import RECHECK_AFTER_S, KeepStore, added_lectures, worth_a_look
from core.runs import RunRecord, RunState
from core.timezones import StudentZones
from core.vtu import Course, LectureRef

HOME = ChatTarget(Platform.TELEGRAM, "1")


def course(*lectures: tuple[int, str, bool]) -> Course:
    refs = tuple(LectureRef(i, title, "Module 1", done) for i, title, done in lectures)
    return Course(1, "1-c", "C", refs, 0.0)


def completed(**fields) -> RunRecord:
    return RunRecord(id="r", student="s", course="1-c", state=RunState.COMPLETED, **fields)


def test_lectures_added_to_a_known_course():
    seen = course((1, "a", True), (2, "b", True), (3, "locked", False), (4, "new", False))
    assert added_lectures(seen, known={1, 2, 3}, last_run=None) == {4}


def test_nothing_added_to_a_known_course_starts_nothing():
    seen = course((1, "a", True), (3, "locked", False))
    assert added_lectures(seen, known={1, 3}, last_run=None) == set()


def test_a_course_completed_by_a_run_counts_what_that_run_did_not_report():
    seen = course((1, "a", True), (2, "no video", False), (3, "locked", False), (4, "new", False))
    run = completed(skipped_titles=["no video"], locked_titles=["locked"])
    assert added_lectures(seen, known=None, last_run=run) == {4}


def test_a_course_never_completed_is_not_kept():
    seen = course((1, "a", False))
    assert added_lectures(seen, known=None, last_run=None) == set()
    failed = RunRecord(id="r", student="s", course="1-c", state=RunState.FAILED)
    assert added_lectures(seen, known=None, last_run=failed) == set()


@pytest.mark.parametrize(
    ("percent", "known", "run", "look"),
    [
        (100.0, False, None, True),  # complete, not yet remembered
        (100.0, True, None, False),  # complete and remembered: nothing to fetch
        (90.0, True, None, True),  # a kept course no longer complete
        (90.0, False, completed(), True),  # completed by a run, not yet remembered
        (90.0, False, None, False),  # never completed: not kept
    ],
)
def test_which_courses_are_worth_a_look(percent, known, run, look):
    assert worth_a_look(percent, known, run) is look


def at(zone: str, hour: int) -> float:
    return datetime(2026, 12, 2, hour, 30, tzinfo=ZoneInfo(zone)).timestamp()


def test_due_in_the_students_night_once_a_night(redis):
    keep = KeepStore(redis)
    keep.enable("telegram:1", HOME)
    StudentZones(redis).set_zone("telegram:1", "Europe/London")
    assert keep.due(at("Europe/London", 12)) == []
    assert keep.due(at("Europe/London", 3)) == ["telegram:1"]
    assert keep.due(at("Asia/Kolkata", 3)) == []  # 21:30 in London
    keep.checked("telegram:1", at("Europe/London", 3))
    assert keep.due(at("Europe/London", 4)) == []
    assert keep.due(at("Europe/London", 3) + RECHECK_AFTER_S + 3600) == []  # 00:30 next day
    assert keep.due(at("Europe/London", 3) + 24 * 3600) == ["telegram:1"]


def test_a_claim_holds_one_check_at_a_time(redis):
    keep = KeepStore(redis)
    keep.enable("telegram:1", HOME)
    assert keep.claim("telegram:1") and not keep.claim("telegram:1")
    keep.checked("telegram:1", 0.0)
    assert keep.claim("telegram:1")


def test_off_forgets_what_was_known(redis):
    keep = KeepStore(redis)
    keep.enable("telegram:1", HOME)
    keep.remember("telegram:1", "1-c", {1, 2})
    assert keep.state("telegram:1").home == HOME and keep.known("telegram:1") == {"1-c": {1, 2}}
    keep.disable("telegram:1")
    assert not keep.state("telegram:1").enabled and keep.known("telegram:1") == {}
    keep.remember("telegram:1", "1-c", {1})  # a check finishing after /keep off
    assert keep.known("telegram:1") == {}
