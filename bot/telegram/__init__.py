"""The Telegram bot: a thin adapter from chat updates to `core` calls and back."""

from bot.telegram.app import build_application, polling_in_thread, serve_polling

__all__ = ["build_application", "polling_in_thread", "serve_polling"]
