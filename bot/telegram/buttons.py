"""Inline buttons: decoded and validated in `core.conversation`, checked against the presser."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.telegram.replies import edit
from bot.telegram.services import student_id
from bot.telegram.starting import start_picked
from core.conversation import Action, Callback, CallbackError, decode, texts
from core.runs import RunError, RunNotFound

if TYPE_CHECKING:
    from telegram import CallbackQuery, Update

    from bot.telegram.services import BotContext


async def pressed(update: Update, context: BotContext) -> None:
    """Any inline button: forged or stale data, or another student's run, reaches nothing."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    try:
        callback = decode(query.data)
    except CallbackError:
        await query.answer(texts.NOT_YOURS, show_alert=True)
        return
    message = query.message
    if message is None:
        await query.answer(texts.NOT_YOURS)
        return
    answer = await _act(context, query, callback, student_id(user.id))
    await query.answer(answer)


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
            await edit(context, chat_id, message_id, text, keyboard)
            return None
        case Action.START:
            if not await services.picker.courses(student):
                return texts.PICKER_STALE
            text, _ = await services.picker.render(student)
            await edit(context, chat_id, message_id, text, None)
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
                await edit(context, chat_id, message_id, texts.FORGOTTEN.format(runs=runs), None)
            else:
                await edit(context, chat_id, message_id, texts.FORGET_KEPT, None)
            return None
    return texts.NOT_YOURS
