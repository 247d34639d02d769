"""What the handlers share: settings, runs, vault, picker, account jobs, message budget.

Everything that reaches Redis is async here: the message budget on the async client, `core`'s
synchronous services behind the thread-offloading facades of `bot.telegram.offload`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.asyncio import Redis as AsyncRedis
from telegram.ext import CallbackContext, ExtBot

from bot.telegram.offload import AccountJobs, AsyncPicker, AsyncRuns, AsyncVault
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
    async_redis: AsyncRedis
    vault: AsyncVault
    runs: AsyncRuns
    picker: AsyncPicker
    jobs: AccountJobs
    budget: MessageBudget

    @classmethod
    def build(cls, settings: Settings, redis: Redis) -> BotServices:
        vault = Vault(redis, SecretBox(settings.secret_keys))
        assert settings.redis_url, "the bot needs REDIS_URL"
        async_redis = AsyncRedis.from_url(settings.redis_url)
        return cls(
            settings=settings,
            async_redis=async_redis,
            vault=AsyncVault(vault),
            runs=AsyncRuns(Runs(redis, vault, settings)),
            picker=AsyncPicker(CoursePicker(redis)),
            jobs=AccountJobs(redis),
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
