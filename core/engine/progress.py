"""A run's progress as plain data, and its text: one renderer for the terminal and every chat.

The percent is credited watch time over the watch time the course's playable lectures need,
not finished lectures: the engine spreads credit over many lectures, and a count of finished
ones can sit at 0 for minutes while the run works. It shows 100 only once the run finished.
The ETA is steadied across updates (`steady_finish`), so it counts down instead of jumping.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

BAR_WIDTH = 20
ETA_WEIGHT = 0.2
"""Share of a fresh estimate taken into the expected finish time at each update."""


@dataclass(frozen=True)
class Progress:
    """Lectures `done` of `total` (lectures without video count as `skipped`, not done).

    `credited_s` of `needed_s` is the watch time the platform has credited of what the course's
    playable lectures need (seconds); `resumed_s` is what was already credited when this run
    started. `stuck` is empty while the run progresses, else one plain sentence: what the
    platform answered and what the run does next.
    """

    course: str
    done: int
    total: int
    skipped: int = 0
    current: str = ""
    eta_s: float | None = None
    heartbeats: int = 0
    finished: bool = False
    credited_s: float = 0.0
    needed_s: float = 0.0
    resumed_s: float = 0.0
    stuck: str = ""

    @property
    def countable(self) -> int:
        """Lectures that can be completed (those without video or locked are skipped)."""
        return max(0, self.total - self.skipped)

    @property
    def fraction(self) -> float:
        """Share of the watch time credited (of the lectures done while durations are
        unknown); below 1 until the run has finished."""
        if self.finished:
            return 1.0
        if self.needed_s > 0:
            share = self.credited_s / self.needed_s
        else:
            share = self.done / self.countable if self.countable else 0.0
        return max(0.0, min(share, 0.999))

    @property
    def percent(self) -> int:
        """`fraction` as a whole percent, rounded down (99 at most until finished)."""
        return math.floor(self.fraction * 100)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


def format_duration(seconds: float | None) -> str:
    """An ETA: to the second under an hour."""
    if seconds is None:
        return "estimating…"
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def format_watch_time(seconds: float) -> str:
    """An amount of watch time: whole minutes from one minute on ("1 h 40 min", "23 min")."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(round(seconds / 60), 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def steady_finish(previous_at: float | None, eta_s: float | None, now: float) -> float | None:
    """The expected finish time (wall clock), moved part of the way towards a fresh estimate
    `eta_s` at each update, so the ETA shown counts down instead of jumping with every
    estimate. A finish time already past (or none yet) takes the fresh estimate whole."""
    if eta_s is None:
        return previous_at if previous_at is not None and previous_at > now else None
    target = now + max(0.0, eta_s)
    if previous_at is None or previous_at <= now:
        return target
    return previous_at + ETA_WEIGHT * (target - previous_at)


def credited_note(progress: Progress) -> str:
    """ "37 min of 1 h 40 min credited", or "" while no lecture's duration is known."""
    if progress.needed_s <= 0:
        return ""
    return (
        f"{format_watch_time(progress.credited_s)} of "
        f"{format_watch_time(progress.needed_s)} credited"
    )


def resumed_note(progress: Progress) -> str:
    """What a resumed run had already: "Resumed: 23 min of 1 h 40 min already credited"."""
    if progress.resumed_s <= 0 or progress.needed_s <= 0:
        return ""
    return (
        f"Resumed: {format_watch_time(progress.resumed_s)} of "
        f"{format_watch_time(progress.needed_s)} already credited"
    )


def stuck_note(progress: Progress) -> str:
    """The engine's note when the run has not progressed: what the platform answered and
    what the run does next."""
    return "" if progress.finished or not progress.stuck else f"⚠ Not progressing: {progress.stuck}"


def eta_text(progress: Progress) -> str:
    return format_duration(0 if progress.finished else progress.eta_s)


def render_lines(progress: Progress) -> list[str]:
    """The progress part of a chat message: bar and percent with the credited watch time,
    lectures done, what a resumed run had, the stuck note, the current lecture and the ETA."""
    bar = f"{progress_bar(progress.fraction)} {progress.percent} %"
    credited = credited_note(progress)
    lines = [f"{bar} · {credited}" if credited else bar]
    lines.append(f"Lectures: {progress.done}/{progress.countable} done")
    if not progress.finished:
        lines += [note for note in (resumed_note(progress), stuck_note(progress)) if note]
        if progress.current:
            lines.append(f"Now: {progress.current}")
        lines.append(f"ETA: {eta_text(progress)}")
    return lines


def render_line(progress: Progress) -> str:
    """One line for a terminal: bar, percent, lectures, ETA and the current lecture."""
    line = (
        f"{progress_bar(progress.fraction)} {progress.percent:>2} %"
        f" · {progress.done}/{progress.countable} lectures · ETA {eta_text(progress)}"
    )
    if progress.current and not progress.finished:
        line += f" · {progress.current}"
    return line
