"""What we know of one lecture's credited watch time, and how each answer updates it.

The platform reports progress only as a whole percent, so credited seconds are known as an
interval [`credited_lo`, `credited_hi`]. Heartbeats that earn full credit add exactly what was
sent, which keeps the interval narrow; the interval is what makes the last heartbeat exact
(no credit beyond the duration) and what tells a partly credited heartbeat from a full one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

# Whole-percent answers may be floored or rounded by the server: a percent p means the true
# value lies in [p - 0.5, p + 1) percent under either rule.
_BELOW, _ABOVE = 0.5, 1.0


class LectureStatus(StrEnum):
    UNOPENED = "unopened"
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"
    LOCKED = "locked"
    """Locked on the platform: set aside for this run, tried again by the next."""


@dataclass
class Credit:
    """What one heartbeat earned, as bounds in seconds."""

    sent_s: int
    low_s: float
    high_s: float

    @property
    def full(self) -> bool:
        return self.high_s >= self.sent_s


@dataclass
class LectureLedger:
    """One lecture's state in a run; plain data, saved in the checkpoint as JSON."""

    id: int
    title: str
    status: LectureStatus = LectureStatus.UNOPENED
    duration_s: int = 0
    credited_lo: float = 0.0
    credited_hi: float = 0.0
    last_touch: float | None = None
    """When the answer to the last request on this lecture arrived (wall clock): the
    platform's clock for it had started by then, so waits counted from here are certain."""
    touch_sent: float | None = None
    """When that request left: the platform's clock started no earlier."""
    heartbeats: int = 0
    in_flight_s: int = 0
    percent: int = 0
    skip_reason: str = ""

    @property
    def finished(self) -> bool:
        return self.status in (LectureStatus.DONE, LectureStatus.SKIPPED, LectureStatus.LOCKED)

    @property
    def remaining_s(self) -> int:
        """Seconds still to send: exact while the books are exact. A lecture probed with a
        chunk the platform clamped is known only to its whole percents, so it may end up to
        1.5 % of its duration (and a second) over; every other lands exactly."""
        return max(0, math.ceil(self.duration_s - self.credited_lo - 1e-6))

    def opened(
        self, duration_s: int | None, percent: int, completed: bool, sent: float, received: float
    ) -> None:
        """Record a lecture-detail answer (opening it also starts the platform's clock)."""
        self.touch_sent, self.last_touch = sent, received
        if completed:
            self.status = LectureStatus.DONE
            return
        if not duration_s:
            self.skip("no video")
            return
        self.duration_s = duration_s
        lo, hi = self._percent_bounds(percent)
        if self.status is LectureStatus.OPEN:
            lo, hi = self._resumed_bounds(lo, hi)
        self.credited_lo, self.credited_hi = lo, max(lo, hi)
        self.in_flight_s = 0
        self.percent = percent
        self.status = LectureStatus.OPEN

    def credited(
        self, sent_s: int, percent: int, completed: bool, sent: float, received: float
    ) -> Credit:
        """Record a heartbeat's answer and return what it earned.

        The books assume full credit whenever the percent allows it (pacing makes that the
        rule), which keeps them exact; the returned bounds use only the two percents, so
        the credit model never learns from an assumption.
        """
        self.heartbeats += 1
        self.in_flight_s = 0
        self.touch_sent, self.last_touch = sent, received
        before_lo, before_hi = self._percent_bounds(self.percent)
        p_lo, p_hi = self._percent_bounds(percent)
        if completed:
            p_lo = max(p_lo, float(self.duration_s))
        # A completed lecture may hold more than its duration: its percent caps nothing.
        credit_hi = math.inf if completed else p_hi - before_lo
        credit = Credit(
            sent_s=sent_s,
            low_s=max(0.0, p_lo - before_hi),
            high_s=min(float(sent_s), credit_hi),
        )
        full_lo, full_hi = self.credited_lo + sent_s, self.credited_hi + sent_s
        if full_lo <= p_hi and full_hi >= p_lo:
            new_lo, new_hi = max(full_lo, p_lo), min(full_hi, p_hi)
        else:
            new_lo, new_hi = max(self.credited_lo, p_lo), min(full_hi, p_hi)
        self.credited_lo, self.credited_hi = new_lo, max(new_lo, new_hi)
        self.percent = percent
        if completed:
            self.status = LectureStatus.DONE
        return credit

    def _resumed_bounds(self, p_lo: float, p_hi: float) -> tuple[float, float]:
        """Our books against the platform's percent after a restart. A heartbeat in flight
        when the run stopped either counted in full or not at all; assuming it counted when
        both fit errs towards one small extra heartbeat, never towards credit twice."""
        hypotheses = [(self.credited_lo, self.credited_hi)]
        if self.in_flight_s:
            s = self.in_flight_s
            hypotheses.insert(0, (self.credited_lo + s, self.credited_hi + s))
        for lo, hi in hypotheses:
            if lo <= p_hi and hi >= p_lo:
                return max(lo, p_lo), min(hi, p_hi)
        return p_lo, p_hi

    def lock(self) -> None:
        self.status = LectureStatus.LOCKED
        self.in_flight_s = 0

    def elapsed_s(self, sent: float, received: float) -> tuple[float, float]:
        """Bounds on the platform's time between the last touch and a request sent at `sent`
        and answered at `received`."""
        last_received = self.last_touch if self.last_touch is not None else sent
        last_sent = self.touch_sent if self.touch_sent is not None else last_received
        return max(0.0, sent - last_received), max(0.0, received - last_sent)

    def skip(self, reason: str) -> None:
        self.status = LectureStatus.SKIPPED
        self.skip_reason = reason

    def _percent_bounds(self, percent: int) -> tuple[float, float]:
        unit = self.duration_s / 100
        low = max(0.0, (percent - _BELOW) * unit)
        high = (percent + _ABOVE) * unit if percent < 100 else math.inf
        return low, min(float(self.duration_s), high)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LectureLedger:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        return cls(**{**values, "status": LectureStatus(data["status"])})
