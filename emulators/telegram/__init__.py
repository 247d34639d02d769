"""A local stand-in for the Telegram Bot API that python-telegram-bot talks to unchanged."""

from emulators.telegram.flood import Throttle, TimelineEntry, peak_per_chat
from emulators.telegram.objects import ChatMessage
from emulators.telegram.server import TelegramEmulator
from emulators.telegram.settings import TelegramSettings
from emulators.telegram.world import AnsweredCallback

__all__ = [
    "AnsweredCallback",
    "ChatMessage",
    "TelegramEmulator",
    "TelegramSettings",
    "Throttle",
    "TimelineEntry",
    "peak_per_chat",
]
