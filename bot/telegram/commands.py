"""The commands besides /login: help, courses, run, status, cancel, forget, and the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.telegram.replies import say
from bot.telegram.services import student_id
from bot.telegram.starting import start_picked
from core.conversation import Action, encode, status_text, texts
from core.jobs import LIST_COURSES

if TYPE_CHECKING:
    from telegram import Update

    from bot.telegram.services import BotContext


def _ids(update: Update) -> tuple[int, str]:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    return chat.id, student_id(user.id)


async def _private(update: Update, context: BotContext) -> bool:
    """Whether the update came from a private chat; answers otherwise."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type == chat.PRIVATE:
        return True
    await say(context, chat.id, texts.PRIVATE_ONLY)
    return False


async def welcome(update: Update, context: BotContext) -> None:
    """/start and /help: what the bot does, the steps, how credentials are kept."""
    chat_id, _ = _ids(update)
    await say(context, chat_id, texts.WELCOME)


async def courses(update: Update, context: BotContext) -> None:
    """/courses: queue a fetch of the enrollments; the picker replaces the waiting message."""
    if not await _private(update, context):
        return
    chat_id, student = _ids(update)
    services = context.services
    if not await services.vault.has_credentials(student):
        await say(context, chat_id, texts.NOT_LOGGED_IN)
        return
    waiting = await say(context, chat_id, texts.COURSES_LOADING)
    await services.jobs.enqueue(
        LIST_COURSES,
        student,
        chat_id,
        waiting.message_id,
        description=f"list courses of {student}",
    )


async def run(update: Update, context: BotContext) -> None:
    """/run: start the picked courses."""
    if not await _private(update, context):
        return
    chat_id, student = _ids(update)
    await start_picked(context, chat_id, student)


async def status(update: Update, context: BotContext) -> None:
    """/status: every run of the student with its state."""
    if not await _private(update, context):
        return
    chat_id, student = _ids(update)
    records = await context.services.runs.status(student)
    await say(context, chat_id, status_text(records) if records else texts.NO_RUNS)


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: one button per active run."""
    if not await _private(update, context):
        return
    chat_id, student = _ids(update)
    active = [r for r in await context.services.runs.status(student) if r.state.active]
    if not active:
        await say(context, chat_id, texts.NOTHING_TO_CANCEL)
        return
    keyboard = [
        [(f"{texts.BUTTON_CANCEL} {r.course_title or r.course}"[:60], encode(Action.CANCEL, r.id))]
        for r in active
    ]
    await say(context, chat_id, texts.CANCEL_WHICH, keyboard)


async def forget(update: Update, context: BotContext) -> None:
    """/forget: ask to confirm with a button."""
    if not await _private(update, context):
        return
    chat_id, _ = _ids(update)
    keyboard = [
        [
            (texts.BUTTON_FORGET_YES, encode(Action.FORGET, "yes")),
            (texts.BUTTON_FORGET_NO, encode(Action.FORGET, "no")),
        ]
    ]
    await say(context, chat_id, texts.FORGET_CONFIRM, keyboard)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    chat_id, _ = _ids(update)
    await say(context, chat_id, texts.UNKNOWN_COMMAND)


async def stray_text(update: Update, context: BotContext) -> None:
    """Text where a button or a command was expected; in a group, possibly a secret."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if chat.type != chat.PRIVATE:
        return
    await say(context, chat.id, texts.USE_BUTTONS)


async def not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos and anything else that is not text."""
    chat = update.effective_chat
    assert chat is not None
    if chat.type == chat.PRIVATE:
        await say(context, chat.id, texts.NOT_UNDERSTOOD)
