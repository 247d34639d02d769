"""Sending and editing the bot's own messages within the shared message budget."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, RetryAfter

from core.limits.messages import MessageKind

if TYPE_CHECKING:
    from bot.telegram.services import BotContext
    from core.conversation import Keyboard

log = logging.getLogger(__name__)

REPLY_PATIENCE_S = 60.0
"""Longest an answer waits for its booked slot in the budget (normally none). Answers queue
in order at the bot's ~25 a second, so a crowd of 1,500 writing at once is still answered."""


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


async def say(
    context: BotContext,
    chat_id: int,
    text: str,
    keyboard: Keyboard | None = None,
    *,
    reply_to: int | None = None,
) -> Message:
    """Post a message once the budget allows; a 429 blocks the budget for everyone, then
    the message is sent after it."""
    for _attempt in range(3):
        await _slot(context, chat_id)
        try:
            return await context.bot.send_message(
                chat_id, text, reply_markup=markup(keyboard), reply_to_message_id=reply_to
            )
        except RetryAfter as exc:
            await _obey(context, exc)
    raise RuntimeError(f"could not send to chat {chat_id} after repeated 429s")


async def edit(
    context: BotContext, chat_id: int, message_id: int, text: str, keyboard: Keyboard | None
) -> None:
    """Replace one of the bot's messages; "not modified" is fine."""
    for _attempt in range(3):
        await _slot(context, chat_id)
        try:
            await context.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup(keyboard)
            )
            return
        except RetryAfter as exc:
            await _obey(context, exc)
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
            raise


async def try_delete(context: BotContext, chat_id: int, message_id: int) -> bool:
    """Delete a message if the bot may (deletes do not count against flood limits)."""
    try:
        return await context.bot.delete_message(chat_id, message_id)
    except BadRequest as exc:
        log.info("could not delete message %s in chat %s: %s", message_id, chat_id, exc.message)
        return False


async def _slot(context: BotContext, chat_id: int) -> None:
    """Wait for this message's slot in the shared budget, then for the process's pacer."""
    services = context.services
    await services.budget.acquire(chat_id, MessageKind.REPLY, REPLY_PATIENCE_S)
    await services.pacer.acquire()


async def _obey(context: BotContext, exc: RetryAfter) -> None:
    wait = exc.retry_after
    seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
    await context.services.budget.block_for(seconds)
    await asyncio.sleep(seconds)
