"""What the handlers share: settings, Redis, runs, vault, picker, message budget."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.asyncio import Redis as AsyncRedis
from telegram.ext import CallbackContext, ExtBot

from core.conversation import CoursePicker
from core.limits.messages import MessageBudget
from core.runs import Runs
from core.vault import SecretBox, Vault

if TYPE_CHECKING:
    from redis import Redis

    from config import Settings


@dataclass
class BotServices:
    settings: Settings
    redis: Redis
    async_redis: AsyncRedis
    vault: Vault
    runs: Runs
    picker: CoursePicker
    budget: MessageBudget

    @classmethod
    def build(cls, settings: Settings, redis: Redis) -> BotServices:
        vault = Vault(redis, SecretBox(settings.secret_keys))
        assert settings.redis_url, "the bot needs REDIS_URL"
        async_redis = AsyncRedis.from_url(settings.redis_url)
        return cls(
            settings=settings,
            redis=redis,
            async_redis=async_redis,
            vault=vault,
            runs=Runs(redis, vault, settings),
            picker=CoursePicker(redis),
            budget=MessageBudget(async_redis, edit_interval_s=settings.telegram_edit_interval_s),
        )


class BotContext(CallbackContext[ExtBot[None], dict, dict, dict]):  # type: ignore[type-arg]
    """PTB's context with the bot's services on it."""

    @property
    def services(self) -> BotServices:
        services: BotServices = self.application.bot_data["services"]
        return services


def student_id(user_id: int) -> str:
    return f"telegram:{user_id}"
