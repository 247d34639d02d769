"""All the bot's wiring in one place, and its two ways to receive updates."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from telegram import BotCommand
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.telegram import buttons, commands, login
from bot.telegram.failures import on_error
from bot.telegram.login import LoginState
from bot.telegram.ordering import InOrderPerChat
from bot.telegram.services import BotContext, BotServices
from core.conversation import texts

if TYPE_CHECKING:
    from redis import Redis

    from config import Settings


CONCURRENT_UPDATES = 256
"""Updates handled at once (one chat's in order): one student waiting on the message budget
never holds up another.
The bot's Redis pools are sized from it, and a burst beyond them waits for a connection."""


def build_application(settings: Settings, redis: Redis | None = None) -> Application:  # type: ignore[type-arg]
    """The bot, wired: commands, the login conversation, buttons, the error handler.

    The bot opens its own Redis clients from `settings.redis_url`, pooled for its concurrency;
    `redis` is not used (a shared client's pool would fail a crowd), only still accepted."""
    # PTB 22 warns when `RetryAfter.retry_after` is read as seconds; take it as a timedelta.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    services = BotServices.build(settings, CONCURRENT_UPDATES)
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(InOrderPerChat(CONCURRENT_UPDATES))
        .post_init(_announce_commands)
        .post_shutdown(_close)
        .build()
    )
    application.bot_data["services"] = services
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("login", login.ask_email)],
            states={
                LoginState.EMAIL: [MessageHandler(text, login.take_email)],
                LoginState.PASSWORD: [MessageHandler(text, login.take_password)],
            },
            fallbacks=[
                CommandHandler("cancel", login.cancel_login),
                MessageHandler(~filters.COMMAND, login.repeat_prompt),
            ],
        )
    )
    application.add_handler(CommandHandler(["start", "help"], commands.welcome))
    application.add_handler(CommandHandler("courses", commands.courses))
    application.add_handler(CommandHandler("run", commands.run))
    application.add_handler(CommandHandler("keep", commands.keep))
    application.add_handler(CommandHandler("timezone", commands.timezone))
    application.add_handler(CommandHandler("status", commands.status))
    application.add_handler(CommandHandler("cancel", commands.cancel))
    application.add_handler(CommandHandler("forget", commands.forget))
    application.add_handler(MessageHandler(filters.COMMAND, commands.unknown_command))
    application.add_handler(MessageHandler(text, commands.stray_text))
    application.add_handler(MessageHandler(~filters.COMMAND, commands.not_text))
    application.add_handler(CallbackQueryHandler(buttons.pressed))
    application.add_error_handler(on_error)
    return application


async def _announce_commands(application: Application) -> None:  # type: ignore[type-arg]
    await application.bot.set_my_commands([BotCommand(n, d) for n, d in texts.COMMANDS])


async def _close(application: Application) -> None:  # type: ignore[type-arg]
    services: BotServices = application.bot_data["services"]
    await services.close()


@contextlib.contextmanager
def polling_in_thread(
    application: Application,  # type: ignore[type-arg]
    name: str = "telegram-bot",
    stop_timeout_s: float = 10.0,
) -> Iterator[threading.Thread]:
    """The bot long-polling from a thread with its own event loop, for as long as the block
    runs (tests, benchmarks, the demo); stopped and joined on the way out."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(
        target=loop.run_until_complete,
        args=(serve_polling(application, stop),),
        name=name,
        daemon=True,
    )
    thread.start()
    try:
        yield thread
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(stop_timeout_s)
        if not thread.is_alive():
            loop.close()


async def serve_polling(application: Application, stop: asyncio.Event) -> None:  # type: ignore[type-arg]
    """Long-poll for updates until `stop` is set (for tests, benchmarks and embedding)."""
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        await application.start()
        try:
            await stop.wait()
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
