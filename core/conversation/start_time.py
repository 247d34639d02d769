"""Reading a start time the way a student types it after `/run`, in their time zone.

Accepted (any case, "at" optional): `now`; `tonight` (the next 02:00, off-peak); `midnight`,
`noon`; `02:00`, `2:30`, `23:45` (24-hour); `2am`, `2:30 pm`, `11 pm`; `today 23:00`,
`tomorrow 6am`, `tomorrow at 06:00`; `in 2 hours`, `in 90 minutes`, `in an hour`, `in 1h30m`;
`2026-12-03 02:00`. A bare time means its next occurrence. Anything else, a time that does not
exist (`25:00`, a time skipped by a daylight-saving change) or has passed (`today 01:00` at
03:00), or one more than `MAX_AHEAD_S` away is refused with a sentence for the student.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TONIGHT = time(2, 0)
""""Tonight" is off-peak: the small hours, when the platform and the service are quiet."""
MAX_AHEAD_S = 7 * 24 * 3600
MAX_INPUT_CHARS = 60

_CLOCK = re.compile(r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?")
_IN = re.compile(
    r"in\s+(?:(?P<an>an?)\s+(?P<an_unit>hour|minute)|"
    r"(?:(?P<hours>\d{1,3})\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<minutes>\d{1,4})\s*(?:m|min|mins|minute|minutes))?)"
)
_DATE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")
_WORDS = {"midnight": time(0, 0), "noon": time(12, 0), "midday": time(12, 0)}


class StartTimeError(ValueError):
    """The text is not a start time this module reads; `problem` says why, for the student."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class UnreadableTime(StartTimeError):
    pass


class PastTime(StartTimeError):
    pass


class TooFarAhead(StartTimeError):
    pass


@dataclass(frozen=True)
class StartTime:
    """When to start: `at` in unix seconds (whole: rq-scheduler keeps seconds), and the same
    moment on the student's clock, in time zone `zone`."""

    at: int
    local: datetime

    @property
    def zone(self) -> str:
        return str(getattr(self.local.tzinfo, "key", "UTC"))


def parse_start(text: str, now: float, zone: str) -> StartTime | None:
    """The start time `text` names, in time zone `zone` as of `now` (unix seconds); None
    for "now". Raises a `StartTimeError` saying what is wrong."""
    words = " ".join(text.casefold().split())
    if len(words) > MAX_INPUT_CHARS:
        raise UnreadableTime("that is longer than any start time")
    words = words.removeprefix("at ").strip()
    tz = ZoneInfo(zone)
    here = datetime.fromtimestamp(now, tz)
    if words in ("now", "right now", "immediately"):
        return None
    if words in ("tonight", "later tonight", "at night", "overnight"):
        return _checked(_next(here, TONIGHT), now)
    if (found := _IN.fullmatch(words)) and (found["an"] or found["hours"] or found["minutes"]):
        return _checked(_after(found, now, tz), now)
    day, _, rest = words.partition(" ")
    if day in ("today", "tomorrow"):
        clock = _clock(rest.removeprefix("at ").strip())
        on = here.date() + timedelta(days=1 if day == "tomorrow" else 0)
        return _checked(_on(on, clock, tz), now, said=f"{day} at {_shown(clock)}")
    if found := _DATE.fullmatch(day):
        clock = _clock(rest.removeprefix("at ").strip())
        on = _date(found)
        return _checked(_on(on, clock, tz), now, said=f"{on.isoformat()} {_shown(clock)}")
    return _checked(_next(here, _clock(words)), now)


def _clock(text: str) -> time:
    if text in _WORDS:
        return _WORDS[text]
    found = _CLOCK.fullmatch(text)
    if found is None:
        raise UnreadableTime("I could not read that as a time")
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    half = (found["half"] or "").replace(".", "")
    if not half and found["minute"] is None and 1 <= hour <= 12:
        raise UnreadableTime(f"“{text}” could be {hour:02d}:00 or {hour + 12}:00")
    if half:
        if not 1 <= hour <= 12:
            raise UnreadableTime(f"there is no {hour} {half}")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise UnreadableTime(f"there is no {text} on a clock")
    return time(hour, minute)


def _date(found: re.Match[str]) -> date:
    try:
        return date(int(found["year"]), int(found["month"]), int(found["day"]))
    except ValueError:
        raise UnreadableTime("there is no such date") from None


def _on(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """`clock` on `day` in `tz`; refused when a daylight-saving change skips it that day."""
    local = datetime.combine(day, clock, tzinfo=tz)
    there_and_back = local.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if there_and_back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise UnreadableTime(
            f"{_shown(clock)} does not exist on {day.isoformat()} in {tz.key}: the clocks "
            "skip it that night"
        )
    return local


def _next(here: datetime, clock: time) -> datetime:
    """The next `clock` after `here`: today if it is still to come, else tomorrow (a clock
    skipped tomorrow by a daylight-saving change is refused)."""
    today = _on_or_none(here.date(), clock, here.tzinfo)  # type: ignore[arg-type]
    if today is not None and today > here:
        return today
    return _on(here.date() + timedelta(days=1), clock, here.tzinfo)  # type: ignore[arg-type]


def _on_or_none(day: date, clock: time, tz: ZoneInfo) -> datetime | None:
    try:
        return _on(day, clock, tz)
    except UnreadableTime:
        return None


def _after(found: re.Match[str], now: float, tz: ZoneInfo) -> datetime:
    if found["an"]:
        seconds = 3600 if found["an_unit"] == "hour" else 60
    else:
        seconds = int(found["hours"] or 0) * 3600 + int(found["minutes"] or 0) * 60
    if seconds <= 0:
        raise UnreadableTime("that is not a time ahead")
    return datetime.fromtimestamp(now + seconds, tz)


def _checked(local: datetime, now: float, said: str = "") -> StartTime:
    at = math.ceil(local.timestamp())
    if at <= now:
        raise PastTime(f"{said or _shown(local.timetz())} has already passed")
    if at - now > MAX_AHEAD_S:
        raise TooFarAhead("that is more than a week ahead")
    return StartTime(at=at, local=local)


def _shown(clock: time) -> str:
    return f"{clock.hour:02d}:{clock.minute:02d}"


def describe(local: datetime) -> str:
    """A start time as the student reads it: `Tue 3 Dec, 02:00 (Asia/Kolkata)`."""
    zone = getattr(local.tzinfo, "key", local.tzname() or "UTC")
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} ({zone})"
