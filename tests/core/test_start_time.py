"""Start times as students type them after /run, read in their time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.conversation.start_time import (
    MAX_AHEAD_S,
    PastTime,
    TooFarAhead,
    UnreadableTime,
    describe,
    parse_start,
)

KOLKATA = "Asia/Kolkata"
NOW = datetime(2026, 12, 2, 15, 10, 30, tzinfo=ZoneInfo(KOLKATA)).timestamp()
"""Wednesday 2 December 2026, 15:10:30 in India."""


def local(text: str, now: float = NOW, zone: str = KOLKATA) -> str:
    start = parse_start(text, now, zone)
    assert start is not None
    assert start.at == start.local.timestamp() and start.at > now
    return f"{start.local:%a %d %H:%M}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tonight", "Thu 03 02:00"),
        ("Tonight", "Thu 03 02:00"),
        ("at 02:00", "Thu 03 02:00"),
        ("02:00", "Thu 03 02:00"),
        ("2:30", "Thu 03 02:30"),
        ("at 23:45", "Wed 02 23:45"),
        ("2am", "Thu 03 02:00"),
        ("at 2 AM", "Thu 03 02:00"),
        ("11:30 pm", "Wed 02 23:30"),
        ("11 p.m.", "Wed 02 23:00"),
        ("12 am", "Thu 03 00:00"),
        ("12 pm", "Thu 03 12:00"),
        ("at 14", "Thu 03 14:00"),
        ("midnight", "Thu 03 00:00"),
        ("noon", "Thu 03 12:00"),
        ("today 23:00", "Wed 02 23:00"),
        ("tomorrow at 06:00", "Thu 03 06:00"),
        ("tomorrow 6am", "Thu 03 06:00"),
        ("in 2 hours", "Wed 02 17:10"),
        ("in 90 minutes", "Wed 02 16:40"),
        ("in an hour", "Wed 02 16:10"),
        ("in 1h30m", "Wed 02 16:40"),
        ("2026-12-04 02:00", "Fri 04 02:00"),
        ("  at   02:00  ", "Thu 03 02:00"),
    ],
)
def test_what_it_reads(text, expected):
    assert local(text) == expected


def test_now_means_at_once():
    assert parse_start("now", NOW, KOLKATA) is None
    assert parse_start("right now", NOW, KOLKATA) is None


def test_tonight_in_the_small_hours_is_the_coming_two_oclock():
    one_am = datetime(2026, 12, 3, 1, 0, tzinfo=ZoneInfo(KOLKATA)).timestamp()
    assert local("tonight", one_am) == "Thu 03 02:00"


def test_times_are_the_students_own():
    london = parse_start("at 02:00", NOW, "Europe/London")
    assert london is not None and london.local.utcoffset().total_seconds() == 0
    assert describe(london.local) == "Thu 3 Dec, 02:00 (Europe/London)"


def test_start_is_whole_seconds_and_never_early():
    start = parse_start("in 1 minute", NOW, KOLKATA)
    assert start is not None and isinstance(start.at, int) and start.at >= NOW + 60


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("whenever", "could not read that as a time"),
        ("tomorrow", "could not read that as a time"),
        ("at 2", "could be 02:00 or 14:00"),
        ("at 25:00", "there is no 25:00 on a clock"),
        ("12:75", "there is no 12:75 on a clock"),
        ("13 pm", "there is no 13 pm"),
        ("2026-02-30 02:00", "no such date"),
        ("in 0 minutes", "not a time ahead"),
        ("x" * 100, "longer than any start time"),
    ],
)
def test_what_it_refuses_to_guess(text, problem):
    with pytest.raises(UnreadableTime) as refused:
        parse_start(text, NOW, KOLKATA)
    assert problem in refused.value.problem


@pytest.mark.parametrize("text", ["today 01:00", "today at 15:10", "2026-12-01 02:00"])
def test_a_time_in_the_past(text):
    with pytest.raises(PastTime, match="has already passed"):
        parse_start(text, NOW, KOLKATA)


@pytest.mark.parametrize("text", ["in 200 hours", "2026-12-31 02:00"])
def test_more_than_a_week_ahead(text):
    with pytest.raises(TooFarAhead):
        parse_start(text, NOW, KOLKATA)
    assert MAX_AHEAD_S == 7 * 24 * 3600


def test_a_time_skipped_by_the_clocks_going_forward():
    london = "Europe/London"
    day_before = datetime(2027, 3, 27, 12, 0, tzinfo=ZoneInfo(london)).timestamp()
    with pytest.raises(UnreadableTime, match="does not exist on 2027-03-28"):
        parse_start("at 01:30", day_before, london)
    assert local("tonight", day_before, london) == "Sun 28 02:00"  # 02:00 exists (BST)


def test_a_time_repeated_by_the_clocks_going_back_is_the_first_one():
    london = "Europe/London"
    day_before = datetime(2027, 10, 30, 12, 0, tzinfo=ZoneInfo(london)).timestamp()
    start = parse_start("at 01:30", day_before, london)
    assert start is not None and start.local.utcoffset().total_seconds() == 3600
