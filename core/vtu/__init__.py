"""The VTU online course platform: its client, answers and errors."""

from core.vtu.client import Credentials, RetryPolicy, VTUClient
from core.vtu.errors import (
    CourseNotFound,
    LectureNotPlayable,
    LoginFailed,
    PlatformUnavailable,
    SessionRejected,
    UnexpectedResponse,
    VTUError,
)
from core.vtu.models import Account, Course, Enrollment, Lecture, LectureRef, ProgressAck

__all__ = [
    "Account",
    "Course",
    "CourseNotFound",
    "Credentials",
    "Enrollment",
    "Lecture",
    "LectureNotPlayable",
    "LectureRef",
    "LoginFailed",
    "PlatformUnavailable",
    "ProgressAck",
    "RetryPolicy",
    "SessionRejected",
    "UnexpectedResponse",
    "VTUClient",
    "VTUError",
]
