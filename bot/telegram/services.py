"""What the handlers share: the conversation, its port onto a chat, the message budget.

Everything that reaches Redis is async here: the message budget on the async client, `core`'s
synchronous services behind the thread-offloading facades of `core.conversation.backend`. The
bot opens both clients itself, with pools sized for its concurrency (`bot.telegram.connections`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.asyncio import Redis as AsyncRedis
from telegram.ext import CallbackContext, ExtBot

from bot.telegram.connections import async_client, sync_client
from bot.telegram.port import TelegramPort
from core.conversation.backend import ConversationBackend
from core.conversation.service import Conversation
from core.limits.local import SendWindow
from core.limits.messages import BOT_RATE, MessageBudget

if TYPE_CHECKING:
    from redis import Redis
    from telegram import Update

    from config import Settings


@dataclass
class BotServices:
    settings: Settings
    redis: Redis
    async_redis: AsyncRedis
    conversation: Conversation
    budget: MessageBudget
    pacer: SendWindow
    """This process's sends as they really leave: at most `BOT_RATE` + 1 in any second, so
    sends the loop was late for go out soon but never bunched into a 429."""

    @classmethod
    def build(cls, settings: Settings, concurrency: int) -> BotServices:
        """Services for a bot handling up to `concurrency` updates at once."""
        assert settings.redis_url, "the bot needs REDIS_URL"
        redis = sync_client(settings.redis_url)
        async_redis = async_client(settings.redis_url, concurrency)
        return cls(
            settings=settings,
            redis=redis,
            async_redis=async_redis,
            conversation=Conversation(ConversationBackend.build(settings, redis)),
            budget=MessageBudget(async_redis, edit_interval_s=settings.telegram_edit_interval_s),
            pacer=SendWindow(round(BOT_RATE) + 1, min_gap_s=0.5 / BOT_RATE),
        )

    async def close(self) -> None:
        await self.async_redis.aclose()
        self.redis.close()


class BotContext(CallbackContext[ExtBot[None], dict, dict, dict]):  # type: ignore[type-arg]
    """PTB's context with the bot's services on it."""

    @property
    def services(self) -> BotServices:
        services: BotServices = self.application.bot_data["services"]
        return services

    @property
    def conversation(self) -> Conversation:
        return self.services.conversation


def student_id(user_id: int) -> str:
    return f"telegram:{user_id}"


def port_and_student(update: Update, context: BotContext) -> tuple[TelegramPort, str] | None:
    """The update's chat as a conversation port, and the student who sent it; None when it
    has no sender (a channel post): there is nobody to answer."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    return TelegramPort(context, chat.id, chat.type == chat.PRIVATE), student_id(user.id)
