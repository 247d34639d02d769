"""Fast-queue jobs for the chat bots: check a login, list a student's courses.

Both talk to the platform (so never inside a bot's handler) and answer by editing the bot's
"working on it" message, whose `ChatTarget` (as JSON) is the job's `answer_at` argument.
Arguments are ids only: the credentials wait in the vault.

Every way a job can end edits that message: with the answer, with "trying again" while the
platform is down (the job re-queues itself, `RETRY_DELAYS_S`), or with what went wrong. A fault
on AutoPilot's side (a stored login no configured key decrypts, a bug) is told to the student in
plain words and then re-raised, so it also lands in the dead-letter queue for the admin.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx

from core import activity
from core.chat import ChatTarget
from core.conversation import CoursePicker, PickedCourse, texts
from core.conversation.backend import ACCOUNT_JOB_FAILURE_TTL_S
from core.jobs import CHECK_LOGIN, LIST_COURSES
from core.keys import pending_login
from core.limits.messages import OverMessageBudget
from core.runs.queues import FAST_QUEUE, queue
from core.runs.sessions import VaultSessionStore
from core.vault import VaultError
from core.vtu import RetryPolicy, VTUClient, VTUError
from workers import context
from workers.notify.errors import SendRefused
from workers.notify.senders import chat_sender

log = logging.getLogger(__name__)

INTERACTIVE_RETRY = RetryPolicy(attempts=2, base_s=0.5, cap_s=1.0)
"""A student is waiting: one quick retry inside a job, then the job's own retries."""
RETRY_DELAYS_S: tuple[float, ...] = (10.0, 30.0, 60.0)
"""Waits before the job tries the platform again when it is down; after the last, the
student is told to try later (all told about 2 minutes, as long as anyone waits on a chat)."""


def check_login(student: str, answer_at: dict[str, Any], attempt: int = 1) -> str:
    """Log in with the student's pending credentials; keep them only if the platform agrees."""
    ctx = context.current()
    target = ChatTarget.from_json(answer_at)
    pending = pending_login(student)
    try:
        return _check_login(ctx, student, target, attempt)
    except Exception as exc:
        unreadable = isinstance(exc, VaultError)
        text = texts.LOGIN_UNREADABLE if unreadable else texts.LOGIN_BROKE
        _answer(ctx, target, text)
        ctx.vault.forget(pending)
        raise


def list_courses(student: str, answer_at: dict[str, Any], attempt: int = 1) -> str:
    """Fetch the student's enrollments and turn the waiting message into the course picker."""
    ctx = context.current()
    target = ChatTarget.from_json(answer_at)
    try:
        return _list_courses(ctx, student, target, attempt)
    except Exception as exc:
        unreadable = isinstance(exc, VaultError)
        text = texts.COURSES_LOGIN_UNREADABLE if unreadable else texts.COURSES_BROKE
        _answer(ctx, target, text)
        raise


def _check_login(
    ctx: context.WorkerContext, student: str, target: ChatTarget | None, attempt: int
) -> str:
    pending = pending_login(student)
    credentials = ctx.vault.credentials(pending)
    if credentials is None:
        return _answer(ctx, target, texts.LOGIN_EXPIRED)
    client = VTUClient(
        ctx.settings.vtu_base_url, credentials, http=ctx.http, retry=INTERACTIVE_RETRY
    )
    try:
        ctx.run(client.login())
    except VTUError as exc:
        if exc.retryable:
            if _try_again_later(ctx, CHECK_LOGIN, student, target, attempt):
                return _answer(ctx, target, _retrying(texts.LOGIN_CHECKING, attempt))
            activity.login_checked(student, f"platform down after {attempt} attempts; given up")
            ctx.vault.forget(pending)
            return _answer(ctx, target, _gave_up(texts.LOGIN_PLATFORM_DOWN))
        activity.login_checked(student, f"refused ({type(exc).__name__}, {exc.status})")
        ctx.vault.forget(pending)
        return _answer(ctx, target, texts.LOGIN_FAILED.format(reason=exc.user_message))
    activity.login_checked(student, "ok")
    ctx.vault.save_credentials(student, credentials)
    ctx.vault.save_session(student, client.session)
    ctx.vault.forget(pending)
    email = texts.mask_email(credentials.email)
    return _answer(ctx, target, texts.LOGIN_OK.format(email=email))


def _list_courses(
    ctx: context.WorkerContext, student: str, target: ChatTarget | None, attempt: int
) -> str:
    credentials = ctx.vault.credentials(student)
    if credentials is None:
        return _answer(ctx, target, texts.NOT_LOGGED_IN)
    client = VTUClient(
        ctx.settings.vtu_base_url,
        credentials,
        http=ctx.http,
        retry=INTERACTIVE_RETRY,
        sessions=VaultSessionStore(ctx.vault, student),
    )
    try:
        enrollments = ctx.run(client.enrollments())
    except VTUError as exc:
        if not exc.retryable:
            reason = texts.COURSES_FAILED.format(reason=exc.user_message)
            return _answer(ctx, target, reason)
        if _try_again_later(ctx, LIST_COURSES, student, target, attempt):
            return _answer(ctx, target, _retrying(texts.COURSES_LOADING, attempt))
        return _answer(ctx, target, _gave_up(texts.COURSES_PLATFORM_DOWN))
    if not enrollments:
        return _answer(ctx, target, texts.COURSES_NONE)
    picker = CoursePicker(ctx.redis)
    picker.save(student, [PickedCourse(e.slug, e.title, e.progress_percent) for e in enrollments])
    text, keyboard = picker.render(student)
    return _answer(ctx, target, text, keyboard)


def _try_again_later(
    ctx: context.WorkerContext,
    function: str,
    student: str,
    target: ChatTarget | None,
    attempt: int,
) -> bool:
    """Queue the same job for its next attempt; False once the attempts are used up."""
    if attempt > len(RETRY_DELAYS_S):
        return False
    delay = RETRY_DELAYS_S[attempt - 1]
    queue(ctx.redis, FAST_QUEUE).enqueue_in(
        timedelta(seconds=delay),
        function,
        student,
        target.to_json() if target is not None else {},
        attempt + 1,
        result_ttl=0,
        failure_ttl=ACCOUNT_JOB_FAILURE_TTL_S,
        description=f"{function.rpartition('.')[2].replace('_', ' ')} of {student}, "
        f"attempt {attempt + 1}",
    )
    log.info("platform down for %s; attempt %d in %.0f s", student, attempt + 1, delay)
    return True


def _retrying(doing: str, attempt: int) -> str:
    return texts.PLATFORM_RETRYING.format(
        doing=doing.rstrip("…"),
        seconds=round(RETRY_DELAYS_S[attempt - 1]),
        attempt=attempt + 1,
        attempts=len(RETRY_DELAYS_S) + 1,
    )


def _gave_up(text: str) -> str:
    minutes = max(1, round(sum(RETRY_DELAYS_S) / 60))
    return text.format(attempts=len(RETRY_DELAYS_S) + 1, minutes=minutes)


def _answer(
    ctx: context.WorkerContext,
    target: ChatTarget | None,
    text: str,
    keyboard: texts.Keyboard | None = None,
) -> str:
    """Edit the waiting message; returns whether that worked (never the text: it is the
    job's result, and RQ may log or keep results)."""
    sender = chat_sender(ctx, target.platform) if target is not None else None
    if target is None or sender is None:
        return "no chat to answer"
    try:
        ctx.run(sender.edit(target, text, keyboard))
    except (SendRefused, OverMessageBudget, httpx.HTTPError) as exc:
        log.warning(
            "could not answer in %s chat %s: %s: %s",
            target.platform,
            target.chat_id,
            type(exc).__name__,
            exc,
        )
        return "not answered"
    return "answered"
