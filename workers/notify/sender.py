"""The worker's Telegram sender, built from its context's settings and clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.limits.messages import MessageBudget
from workers.notify.telegram_api import TelegramSender

if TYPE_CHECKING:
    from workers.context import WorkerContext


def telegram_sender(ctx: WorkerContext) -> TelegramSender | None:
    """None when no Telegram bot is configured (nothing to tell anyone)."""
    settings = ctx.settings
    if not settings.telegram_bot_token:
        return None
    budget = MessageBudget(ctx.async_redis, edit_interval_s=settings.telegram_edit_interval_s)
    return TelegramSender(
        ctx.http, settings.telegram_api_base_url, settings.telegram_bot_token, budget
    )
