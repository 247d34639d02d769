"""Inline buttons: decoded and validated in `core.conversation`, checked against the presser."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram.error import BadRequest

from bot.telegram.replies import edit
from bot.telegram.services import student_id
from bot.telegram.starting import start_picked
from core.conversation import Action, Callback, CallbackError, Keyboard, decode, texts
from core.runs import RunError, RunNotFound

if TYPE_CHECKING:
    from telegram import CallbackQuery, Update

    from bot.telegram.services import BotContext

log = logging.getLogger(__name__)

_NOT_EDITABLE = ("message can't be edited", "message to edit not found")
"""How Telegram refuses to edit a message that is gone or not the bot's."""


async def pressed(update: Update, context: BotContext) -> None:
    """Any inline button, always answered: forged, malformed or stale data, or another
    student's run, reaches nothing."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    try:
        callback = decode(query.data)
    except CallbackError:
        log.info("refused malformed button data from user %s", user.id)
        await _answer(query, texts.BUTTON_INVALID, alert=True)
        return
    if query.message is None:  # a button on an inline-mode message: never ours
        await _answer(query, texts.BUTTON_INVALID)
        return
    try:
        answer = await _act(context, query, callback, student_id(user.id))
    except Exception:
        await _answer(query, texts.SOMETHING_WENT_WRONG)
        raise
    await _answer(query, answer)


async def _answer(query: CallbackQuery, text: str | None, *, alert: bool = False) -> None:
    """Stop the button's spinner; a query already too old to answer is only logged."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.info("could not answer a button press: %s", exc.message)


async def _act(
    context: BotContext, query: CallbackQuery, callback: Callback, student: str
) -> str | None:
    services = context.services
    message = query.message
    assert message is not None
    chat_id, message_id = message.chat.id, message.message_id
    match callback.action:
        case Action.PICK | Action.PICK_UNFINISHED:
            if callback.action is Action.PICK:
                if not await services.picker.toggle(student, int(callback.argument)):
                    return texts.PICKER_STALE
            elif not await services.picker.courses(student):
                return texts.PICKER_STALE
            elif not await services.picker.pick_unfinished(student):
                return texts.NOTHING_PICKED_UNFINISHED
            text, keyboard = await services.picker.render(student)
            if not await _redraw(context, chat_id, message_id, text, keyboard):
                return texts.BUTTON_INVALID
            return None
        case Action.START:
            if not await services.picker.courses(student):
                return texts.PICKER_STALE
            text, _ = await services.picker.render(student)
            if not await _redraw(context, chat_id, message_id, text, None):
                return texts.BUTTON_INVALID
            await start_picked(context, chat_id, student)
            return None
        case Action.CANCEL:
            try:
                record = await services.runs.cancel(student, callback.argument)
            except RunNotFound:
                return texts.NOT_YOURS
            except RunError as exc:
                return exc.message
            return texts.CANCELLED.format(course=record.course_title or record.course)
        case Action.REFRESH:
            try:
                await services.runs.refresh(student, callback.argument)
            except RunNotFound:
                return texts.NOT_YOURS
            return texts.REFRESHING
        case Action.FORGET:
            if callback.argument == "yes":
                runs = await services.runs.forget(student)
                await services.vault.forget_pending_login(student)
                await services.picker.forget(student)
                done = texts.FORGOTTEN.format(runs=runs)
                return None if await _redraw(context, chat_id, message_id, done, None) else done
            if not await _redraw(context, chat_id, message_id, texts.FORGET_KEPT, None):
                return texts.FORGET_KEPT
            return None
    return texts.NOT_YOURS


async def _redraw(
    context: BotContext, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
) -> bool:
    """Replace the message whose button was pressed; False when it cannot be edited (deleted
    since, or not the bot's own: a forged press)."""
    try:
        await edit(context, chat_id, message_id, text, keyboard)
    except BadRequest as exc:
        if not any(reason in exc.message.lower() for reason in _NOT_EDITABLE):
            raise
        log.info("button on message %s in chat %s: %s", message_id, chat_id, exc.message)
        return False
    return True
