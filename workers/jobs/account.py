"""Fast-queue jobs for the chat bots: check a login, list a student's courses.

Both talk to the platform (so never inside a bot's handler) and answer by editing the bot's
"working on it" message. Arguments are ids only: the credentials wait in the vault.

Every way a job can end edits that message: with the answer, with "trying again" while the
platform is down (the job re-queues itself, `RETRY_DELAYS_S`), or with what went wrong. A fault
on AutoPilot's side (a stored login no configured key decrypts, a bug) is told to the student in
plain words and then re-raised, so it also lands in the dead-letter queue for the admin.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from core.conversation import CoursePicker, PickedCourse, texts
from core.conversation.login import pending_login
from core.limits.messages import OverMessageBudget
from core.runs.queues import FAST_QUEUE, queue
from core.vault import VaultError
from core.vtu import RetryPolicy, VTUClient, VTUError
from workers import context
from workers.notify.sender import telegram_sender
from workers.notify.telegram_api import TelegramError

log = logging.getLogger(__name__)

INTERACTIVE_RETRY = RetryPolicy(attempts=2, base_s=0.5, cap_s=1.0)
"""A student is waiting: one quick retry inside a job, then the job's own retries."""
RETRY_DELAYS_S: tuple[float, ...] = (10.0, 30.0, 60.0)
"""Waits before the job tries the platform again when it is down; after the last, the
student is told to try later (all told about 2 minutes, as long as anyone waits on a chat)."""
FAILURE_TTL_S = 3600
"""How long a failed login check or course listing stays in the dead-letter queue."""

CHECK_LOGIN = f"{__name__}.check_login"
LIST_COURSES = f"{__name__}.list_courses"


def check_login(student: str, chat_id: int, message_id: int, attempt: int = 1) -> str:
    """Log in with the student's pending credentials; keep them only if the platform agrees."""
    ctx = context.current()
    pending = pending_login(student)
    try:
        return _check_login(ctx, student, chat_id, message_id, attempt)
    except Exception as exc:
        unreadable = isinstance(exc, VaultError)
        text = texts.LOGIN_UNREADABLE if unreadable else texts.LOGIN_BROKE
        _answer(ctx, chat_id, message_id, text)
        ctx.vault.forget(pending)
        raise


def list_courses(student: str, chat_id: int, message_id: int, attempt: int = 1) -> str:
    """Fetch the student's enrollments and turn the waiting message into the course picker."""
    ctx = context.current()
    try:
        return _list_courses(ctx, student, chat_id, message_id, attempt)
    except Exception as exc:
        unreadable = isinstance(exc, VaultError)
        text = texts.COURSES_LOGIN_UNREADABLE if unreadable else texts.COURSES_BROKE
        _answer(ctx, chat_id, message_id, text)
        raise


def _check_login(
    ctx: context.WorkerContext, student: str, chat_id: int, message_id: int, attempt: int
) -> str:
    pending = pending_login(student)
    credentials = ctx.vault.credentials(pending)
    if credentials is None:
        return _answer(ctx, chat_id, message_id, texts.LOGIN_EXPIRED)
    client = VTUClient(
        ctx.settings.vtu_base_url, credentials, http=ctx.http, retry=INTERACTIVE_RETRY
    )
    try:
        ctx.run(client.login())
    except VTUError as exc:
        if exc.retryable:
            if _try_again_later(ctx, CHECK_LOGIN, student, chat_id, message_id, attempt):
                return _answer(ctx, chat_id, message_id, _retrying(texts.LOGIN_CHECKING, attempt))
            ctx.vault.forget(pending)
            return _answer(ctx, chat_id, message_id, _gave_up(texts.LOGIN_PLATFORM_DOWN))
        ctx.vault.forget(pending)
        return _answer(ctx, chat_id, message_id, texts.LOGIN_FAILED.format(reason=exc.user_message))
    ctx.vault.save_credentials(student, credentials)
    ctx.vault.save_session(student, client.session)
    ctx.vault.forget(pending)
    email = texts.mask_email(credentials.email)
    return _answer(ctx, chat_id, message_id, texts.LOGIN_OK.format(email=email))


def _list_courses(
    ctx: context.WorkerContext, student: str, chat_id: int, message_id: int, attempt: int
) -> str:
    credentials = ctx.vault.credentials(student)
    if credentials is None:
        return _answer(ctx, chat_id, message_id, texts.NOT_LOGGED_IN)
    client = VTUClient(
        ctx.settings.vtu_base_url, credentials, http=ctx.http, retry=INTERACTIVE_RETRY
    )
    client.restore_session(ctx.vault.session(student))
    try:
        enrollments = ctx.run(client.enrollments())
    except VTUError as exc:
        if not exc.retryable:
            reason = texts.COURSES_FAILED.format(reason=exc.user_message)
            return _answer(ctx, chat_id, message_id, reason)
        if _try_again_later(ctx, LIST_COURSES, student, chat_id, message_id, attempt):
            return _answer(ctx, chat_id, message_id, _retrying(texts.COURSES_LOADING, attempt))
        return _answer(ctx, chat_id, message_id, _gave_up(texts.COURSES_PLATFORM_DOWN))
    if client.session:
        ctx.vault.save_session(student, client.session)
    if not enrollments:
        return _answer(ctx, chat_id, message_id, texts.COURSES_NONE)
    picker = CoursePicker(ctx.redis)
    picker.save(student, [PickedCourse(e.slug, e.title, e.progress_percent) for e in enrollments])
    text, keyboard = picker.render(student)
    return _answer(ctx, chat_id, message_id, text, keyboard)


def _try_again_later(
    ctx: context.WorkerContext,
    function: str,
    student: str,
    chat_id: int,
    message_id: int,
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
        chat_id,
        message_id,
        attempt + 1,
        result_ttl=0,
        failure_ttl=FAILURE_TTL_S,
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
    chat_id: int,
    message_id: int,
    text: str,
    keyboard: texts.Keyboard | None = None,
) -> str:
    """Edit the waiting message; returns whether that worked (never the text: it is the
    job's result, and RQ may log or keep results)."""
    sender = telegram_sender(ctx)
    if sender is None:
        return "no chat to answer"
    try:
        ctx.run(sender.edit(chat_id, message_id, text, keyboard))
    except (TelegramError, OverMessageBudget, httpx.HTTPError) as exc:
        log.warning("could not answer in chat %s: %s: %s", chat_id, type(exc).__name__, exc)
        return "not answered"
    return "answered"
