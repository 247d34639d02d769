"""Inline buttons: handed to the conversation in core, which checks data and owner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.telegram.services import port_and_student
from core.conversation import texts

if TYPE_CHECKING:
    from telegram import Update

    from bot.telegram.services import BotContext


async def pressed(update: Update, context: BotContext) -> None:
    """Any inline button: forged or stale data, or another student's run, reaches nothing."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if message is None or update.effective_chat is None or update.effective_user is None:
        await query.answer(texts.NOT_YOURS)
        return
    port, student = port_and_student(update, context)
    origin = port.chat.at(message.message_id)
    notice = await context.conversation.pressed(student, port, query.data, origin)
    await query.answer(notice)
