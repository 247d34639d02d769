"""Errors of the VTU platform client.

Every error carries `user_message`, a sentence a student understands, and is raised
`from` the low-level cause. The tree:

    VTUError
    ├── LoginFailed            wrong email or password (retrying cannot help)
    ├── AccountLocked          the platform has locked the account (403 at login)
    ├── CourseNotFound         unknown slug, or the student is not enrolled
    ├── LectureNotPlayable     the platform refuses watch progress for a lecture
    ├── SessionRejected        fresh logins' sessions were refused too (401/403/419)
    ├── PlatformUnavailable    overloaded, down or unreachable after bounded retries
    └── UnexpectedResponse     an answer whose shape the client does not know
"""

from __future__ import annotations


class VTUError(Exception):
    """Base of the client's errors; `retryable` says whether trying later may help."""

    retryable = False
    user_message = "The VTU platform refused the request."

    def __init__(self, detail: str = "", *, status: int | None = None) -> None:
        super().__init__(detail or self.user_message)
        self.detail = detail
        self.status = status


class LoginFailed(VTUError):
    user_message = (
        "VTU did not accept that email and password. Check them on online.vtu.ac.in "
        "and log in again."
    )


class AccountLocked(VTUError):
    """Not a wrong password: the platform refuses this account until it is unlocked there."""

    user_message = (
        "VTU has locked your account, so AutoPilot cannot log in. Unlock it on "
        "online.vtu.ac.in (follow its instructions, or reset your password there), then "
        "log in here again."
    )


class CourseNotFound(VTUError):
    user_message = "That course is not among your VTU enrollments. Check the course name."


class LectureNotPlayable(VTUError):
    user_message = "VTU does not accept watch progress for this lecture (it has no video)."


class SessionRejected(VTUError):
    retryable = True
    user_message = "VTU ended the session and refused a fresh login. It will be retried."


class PlatformUnavailable(VTUError):
    retryable = True
    user_message = "The VTU platform is down or overloaded right now. It will be retried."

    def __init__(
        self, detail: str = "", *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail, status=status)
        self.retry_after = retry_after


class UnexpectedResponse(VTUError):
    user_message = (
        "The VTU platform answered in a way AutoPilot does not understand; it may have "
        "changed. The team has been told."
    )
