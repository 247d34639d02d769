"""The bot's one error handler: log the failure, tell the student, with no Redis involved.

A handler fails most often because Redis or the message budget did (a crowd, an outage), so
the apology goes straight to Telegram: it must not need what has just failed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import Update
from telegram.error import RetryAfter, TelegramError

from core.conversation import texts

if TYPE_CHECKING:
    from telegram import Bot

    from bot.telegram.services import BotContext

log = logging.getLogger(__name__)

APOLOGY_ATTEMPTS = 2
"""A 429 is waited out once; a second one gives up (Telegram is then telling us to stop)."""


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure (never the update: it may hold a password) and tell the student."""
    error = context.error
    log.error("handler failed: %s: %s", type(error).__name__, error, exc_info=error)
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(texts.SOMETHING_WENT_WRONG)
        except TelegramError as exc:  # answered already, or too old to answer
            log.info("could not answer the failed button press: %s", exc)
    if update.effective_chat is not None:
        await apologise(context.bot, update.effective_chat.id)


async def apologise(bot: Bot, chat_id: int) -> bool:
    """Send `SOMETHING_WENT_WRONG` outside the shared budget; False when the chat is not
    reachable."""
    for _attempt in range(APOLOGY_ATTEMPTS):
        try:
            await bot.send_message(chat_id, texts.SOMETHING_WENT_WRONG)
            return True
        except RetryAfter as exc:
            wait = exc.retry_after
            await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else wait)
        except TelegramError as exc:  # blocked by the student, chat gone, network down
            log.warning("could not tell chat %s about the failure: %s", chat_id, exc)
            return False
    log.warning("could not tell chat %s about the failure: repeated 429s", chat_id)
    return False
