"""The Discord bot: a thin adapter from interactions to `core` calls and back."""

from bot.discord.app import bot_in_thread, build_bot, serve
from bot.discord.bot import AutopilotBot

__all__ = ["AutopilotBot", "bot_in_thread", "build_bot", "serve"]
