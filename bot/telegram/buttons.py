"""Inline buttons: handed to the conversation in core, which checks data and owner; every
press is answered, whatever happens."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram.error import BadRequest

from bot.telegram.services import port_and_student
from core.conversation import texts

if TYPE_CHECKING:
    from telegram import CallbackQuery, Update

    from bot.telegram.services import BotContext

log = logging.getLogger(__name__)


async def pressed(update: Update, context: BotContext) -> None:
    """Any inline button: forged, malformed or stale data, or another student's run,
    reaches nothing."""
    query = update.callback_query
    assert query is not None
    found = port_and_student(update, context)
    if query.message is None or found is None:  # a button on an inline-mode message
        await _answer(query, texts.BUTTON_INVALID)
        return
    port, student = found
    origin = port.chat.at(query.message.message_id)
    try:
        notice = await context.conversation.pressed(student, port, query.data, origin)
    except Exception:
        await _answer(query, texts.SOMETHING_WENT_WRONG)
        raise
    await _answer(query, notice, alert=notice == texts.BUTTON_INVALID)


async def _answer(query: CallbackQuery, text: str | None, *, alert: bool = False) -> None:
    """Stop the button's spinner; a query already too old to answer is only logged."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        log.info("could not answer a button press: %s", exc.message)
