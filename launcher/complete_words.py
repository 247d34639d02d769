"""What `autopilot complete` tells the person at the terminal while it logs in, waits on the
platform or stops: the platform's host (from VTU_BASE_URL), never the password, and only a
masked email."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.conversation.texts import mask_email
from core.vtu import PlatformUnavailable, SessionRejected, UnexpectedResponse

if TYPE_CHECKING:
    from collections.abc import Sequence

    from core.vtu import Enrollment, RetryNotice, VTUError

QUIET_RETRY_S = 1.0
"""A first retry sooner than this passes without a word; any later or longer one is told."""
RESUME = "Run the same command again later to resume."


def logging_in(host: str, email: str) -> str:
    return f"Logging in to {host} as {mask_email(email)}…"


def retrying(notice: RetryNotice, host: str) -> str:
    """Said before a retry, so a wait on the platform is never silent ("" for a quick first
    retry, which nobody notices)."""
    if notice.attempt == 2 and notice.wait_s < QUIET_RETRY_S:
        return ""
    return (
        f"{host} {_trouble(notice.failure)}; trying again in {notice.wait_s:.1f} s "
        f"(attempt {notice.attempt} of {notice.attempts})…"
    )


def stopped(exc: VTUError, host: str, attempts: int, *, started: bool) -> str:
    """Why the run stopped, and what happens now: nothing, until the command is run again.
    `started`: whether the login had succeeded (so some credit may have been earned)."""
    if isinstance(exc, PlatformUnavailable):
        kept = (
            "what it credited so far stays credited. " + RESUME
            if started
            else "nothing was sent. Run the same command again when it answers."
        )
        cause = (
            "the platform is down, or VTU_BASE_URL names the wrong address"
            if exc.status is None
            else "the platform is down or overloaded"
        )
        return (
            f"Stopped: {host} (VTU_BASE_URL) {_trouble(exc)}, {attempts} times in a row: "
            f"{cause}. AutoPilot tries nothing more now; {kept}"
        )
    if isinstance(exc, SessionRejected):
        return f"Stopped: {host} ended the session and refused a fresh login. {RESUME}"
    if isinstance(exc, UnexpectedResponse):
        return (
            f"Stopped: {host} answered in a way AutoPilot does not understand ({_detail(exc)}). "
            "Check that VTU_BASE_URL is the platform's API root (…/api/v1); if it is, the "
            "platform may have changed."
        )
    return f"Stopped: {exc.user_message} ({_detail(exc)}). {RESUME}"


def enrolled(enrollments: Sequence[Enrollment]) -> str:
    if not enrollments:
        return "This account is not enrolled in any course on VTU."
    lines = ["Your enrolled courses (use the slug with --course):"]
    width = max(len(e.slug) for e in enrollments)
    for e in enrollments:
        lines.append(f"  {e.slug:<{width}}  {e.title} ({e.progress_percent:.0f} % watched)")
    return "\n".join(lines)


def _trouble(failure: PlatformUnavailable) -> str:
    if failure.status == 429:
        return "asks us to slow down (429)"
    if failure.status is not None:
        return f"answered {failure.status}"
    cause = type(failure.__cause__).__name__ if failure.__cause__ else "no answer"
    return f"could not be reached ({cause})"


def _detail(exc: VTUError) -> str:
    return (exc.detail or str(exc.status or type(exc).__name__)).rstrip(".")
