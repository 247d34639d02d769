"""A run's progress as plain data, and its text for a terminal or a chat message."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

BAR_WIDTH = 20


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
    def fraction(self) -> float:
        countable = self.total - self.skipped
        return self.done / countable if countable else 1.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        return cls(**data)


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


def format_duration(seconds: float | None) -> str:
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


def render_line(progress: Progress) -> str:
    """One line for a terminal: bar, counts, ETA and the current lecture."""
    countable = progress.total - progress.skipped
    line = (
        f"{progress_bar(progress.fraction)} {progress.done}/{countable} lectures"
        f" · ETA {format_duration(0 if progress.finished else progress.eta_s)}"
    )
    if progress.current and not progress.finished:
        line += f" · {progress.current}"
    return line
