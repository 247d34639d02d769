"""Fast-queue jobs for the chat bots: check a login, list a student's courses.

Both talk to the platform (so never inside a bot's handler) and answer by editing the bot's
"working on it" message. Arguments are ids only: the credentials wait in the vault.
"""

from __future__ import annotations

import logging

from core.conversation import CoursePicker, PickedCourse, texts
from core.conversation.login import pending_login
from core.limits.messages import OverMessageBudget
from core.runs.sessions import VaultSessionStore
from core.vtu import RetryPolicy, VTUClient, VTUError
from workers import context
from workers.notify.sender import telegram_sender
from workers.notify.telegram_api import TelegramError

log = logging.getLogger(__name__)

INTERACTIVE_RETRY = RetryPolicy(attempts=2, base_s=0.5, cap_s=1.0)
"""A student is waiting: one quick retry, then say what went wrong."""


def check_login(student: str, chat_id: int, message_id: int) -> str:
    """Log in with the student's pending credentials; keep them only if the platform agrees."""
    ctx = context.current()
    pending = pending_login(student)
    credentials = ctx.vault.credentials(pending)
    if credentials is None:
        return _answer(ctx, chat_id, message_id, texts.LOGIN_FAILED.format(reason="expired"))
    client = VTUClient(
        ctx.settings.vtu_base_url, credentials, http=ctx.http, retry=INTERACTIVE_RETRY
    )
    try:
        ctx.run(client.login())
    except VTUError as exc:
        ctx.vault.forget(pending)
        reason = texts.LOGIN_FAILED.format(reason=exc.user_message)
        return _answer(ctx, chat_id, message_id, reason)
    ctx.vault.save_credentials(student, credentials)
    ctx.vault.save_session(student, client.session)
    ctx.vault.forget(pending)
    email = texts.mask_email(credentials.email)
    return _answer(ctx, chat_id, message_id, texts.LOGIN_OK.format(email=email))


def list_courses(student: str, chat_id: int, message_id: int) -> str:
    """Fetch the student's enrollments and turn the waiting message into the course picker."""
    ctx = context.current()
    credentials = ctx.vault.credentials(student)
    if credentials is None:
        return _answer(ctx, chat_id, message_id, texts.NOT_LOGGED_IN)
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
        return _answer(
            ctx, chat_id, message_id, texts.COURSES_FAILED.format(reason=exc.user_message)
        )
    if not enrollments:
        return _answer(ctx, chat_id, message_id, texts.COURSES_NONE)
    picker = CoursePicker(ctx.redis)
    picker.save(student, [PickedCourse(e.slug, e.title, e.progress_percent) for e in enrollments])
    text, keyboard = picker.render(student)
    return _answer(ctx, chat_id, message_id, text, keyboard)


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
    except (TelegramError, OverMessageBudget) as exc:
        log.warning("could not answer in chat %s: %s", chat_id, exc)
        return "not answered"
    return "answered"
