"""What the handlers share: settings, runs, vault, picker, account jobs, message budget.

Everything that reaches Redis is async here: the message budget on the async client, `core`'s
synchronous services behind the thread-offloading facades of `bot.telegram.offload`. The bot
opens both clients itself, with pools sized for its concurrency (`bot.telegram.connections`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis.asyncio import Redis as AsyncRedis
from telegram.ext import CallbackContext, ExtBot

from bot.telegram.connections import async_client, sync_client
from bot.telegram.offload import AccountJobs, AsyncPicker, AsyncRuns, AsyncVault
from core.conversation import CoursePicker
from core.limits.local import SendWindow
from core.limits.messages import BOT_RATE, MessageBudget
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
    vault: AsyncVault
    runs: AsyncRuns
    picker: AsyncPicker
    jobs: AccountJobs
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
        vault = Vault(redis, SecretBox(settings.secret_keys))
        return cls(
            settings=settings,
            redis=redis,
            async_redis=async_redis,
            vault=AsyncVault(vault),
            runs=AsyncRuns(Runs(redis, vault, settings)),
            picker=AsyncPicker(CoursePicker(redis)),
            jobs=AccountJobs(redis),
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


def student_id(user_id: int) -> str:
    return f"telegram:{user_id}"
