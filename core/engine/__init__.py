"""The course-completion engine: learns the platform's crediting and paces heartbeats."""

from core.engine.checkpoint import Checkpoint, MemoryCheckpoint, RedisCheckpoint, Saved
from core.engine.ledger import LectureLedger, LectureStatus
from core.engine.pacing import CreditModel
from core.engine.progress import Progress, format_duration, progress_bar, render_line
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
    "progress_bar",
    "render_line",
]
