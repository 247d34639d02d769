"""The course-completion engine: learns the platform's crediting and paces heartbeats."""

from core.engine.checkpoint import Checkpoint, MemoryCheckpoint, RedisCheckpoint, Saved
from core.engine.ledger import LectureLedger, LectureStatus
from core.engine.pacing import CreditModel
from core.engine.progress import (
    Progress,
    format_duration,
    format_watch_time,
    progress_bar,
    render_line,
    render_lines,
    resumed_note,
    steady_finish,
    stuck_note,
)
from core.engine.run import CourseRun, RunOutcome

__all__ = [
    "Checkpoint",
    "CourseRun",
    "CreditModel",
    "LectureLedger",
    "LectureStatus",
    "MemoryCheckpoint",
    "Progress",
    "RedisCheckpoint",
    "RunOutcome",
    "Saved",
    "format_duration",
    "format_watch_time",
    "progress_bar",
    "render_line",
    "render_lines",
    "resumed_note",
    "steady_finish",
    "stuck_note",
]
