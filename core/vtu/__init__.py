"""The VTU online course platform: its client, answers and errors."""

from core.vtu.client import Credentials, RetryNotice, RetryPolicy, VTUClient
from core.vtu.errors import (
    AccountLocked,
    CourseNotFound,
    LectureNotPlayable,
    LoginFailed,
    PlatformUnavailable,
    SessionRejected,
    UnexpectedResponse,
    VTUError,
)
from core.vtu.models import Account, Course, Enrollment, Lecture, LectureRef, ProgressAck
from core.vtu.sessions import SessionStore

__all__ = [
    "Account",
    "AccountLocked",
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
    "RetryNotice",
    "RetryPolicy",
    "SessionRejected",
    "SessionStore",
    "UnexpectedResponse",
    "VTUClient",
    "VTUError",
]
