"""The workers' chat senders: one per platform behind one interface.

Each sender owns its platform's wire calls, its statuses-to-exceptions mapping
(`workers.notify.errors`) and its message budget in Redis, shared by every worker and the bot.
Telegram is spoken over the worker's shared httpx client rather than python-telegram-bot's
`Bot`: one connection pool serves every chat the worker edits, and the shared budget decides
when a call may go (PTB's rate limiter and retry wrapper would act per process). Discord
likewise: discord.py's client needs a login and its rate limiter is per process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from core.chat import Platform
from core.limits.messages import MessageBudget, MessageKind, discord_budget
from core.limits.routes import RouteBudget
from workers.notify.discord import DiscordSender
from workers.notify.telegram import TelegramSender

if TYPE_CHECKING:
    from core.chat import ChatTarget
    from core.conversation.texts import Keyboard
    from workers.context import WorkerContext


class ChatSender(Protocol):
    """Sends and edits the bot's messages on one platform, within its shared budget."""

    budget: MessageBudget

    async def send(
        self,
        chat: ChatTarget,
        text: str,
        keyboard: Keyboard | None = None,
        *,
        reply_to: ChatTarget | None = None,
        patience_s: float = 5.0,
    ) -> ChatTarget:
        """Post a message in `chat`; returns where it is."""

    async def edit(
        self,
        target: ChatTarget,
        text: str,
        keyboard: Keyboard | None = None,
        *,
        kind: MessageKind = MessageKind.REPLY,
        patience_s: float = 5.0,
        charged: bool = False,
    ) -> None:
        """Replace a message's text and buttons; `charged` when the budget is already taken."""


def chat_sender(ctx: WorkerContext, platform: Platform) -> ChatSender | None:
    """The sender for `platform`, or None when that bot is not configured."""
    settings = ctx.settings
    if platform is Platform.TELEGRAM and settings.telegram_bot_token:
        budget = MessageBudget(ctx.async_redis, edit_interval_s=settings.telegram_edit_interval_s)
        return TelegramSender(
            ctx.http, settings.telegram_api_base_url, settings.telegram_bot_token, budget
        )
    if platform is Platform.DISCORD and settings.discord_bot_token:
        return DiscordSender(
            ctx.http,
            settings.discord_api_base_url,
            settings.discord_bot_token,
            discord_budget(ctx.async_redis, edit_interval_s=settings.discord_edit_interval_s),
            RouteBudget(ctx.async_redis),
            ctx.async_redis,
        )
    return None
