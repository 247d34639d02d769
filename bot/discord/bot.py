"""The bot: a `commands.Bot` holding the clients every cog shares.

No privileged intents (interactions arrive without any; `guilds` keeps channels known) and
no member chunking. Slash commands are synced at start: to DISCORD_GUILD_ID when set
(instant), else globally. Each feature is a cog in `bot.discord.cogs`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.answers import Answers
from bot.discord.port import DiscordPort
from bot.discord.ratelimits import shared_budget_trace
from core.conversation import texts
from core.conversation.backend import ConversationBackend
from core.conversation.service import Conversation
from core.limits.messages import discord_budget
from core.limits.routes import RouteBudget
from core.redis_clients import async_redis

if TYPE_CHECKING:
    from redis import Redis

    from config import Settings

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.discord.cogs.help",
    "bot.discord.cogs.account",
    "bot.discord.cogs.courses",
    "bot.discord.cogs.runs",
    "bot.discord.cogs.preferences",
    "bot.discord.cogs.presses",
)


class AutopilotBot(commands.Bot):
    """The Discord bot with the conversation, the shared budgets and the answer watcher."""

    def __init__(self, settings: Settings, redis: Redis) -> None:
        if not settings.redis_url:
            raise ValueError("the Discord bot needs REDIS_URL")
        self.settings = settings
        self.async_redis = async_redis(settings.redis_url)
        self.conversation = Conversation(ConversationBackend.build(settings, redis))
        self.message_budget = discord_budget(
            self.async_redis, edit_interval_s=settings.discord_edit_interval_s
        )
        self.route_budget = RouteBudget(self.async_redis)
        self.answers = Answers(self.async_redis, self.spawn)
        self._tasks: set[asyncio.Task[None]] = set()
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
            allowed_mentions=discord.AllowedMentions.none(),
            http_trace=shared_budget_trace(self.route_budget),
        )

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.tree.error(self._on_command_error)
        await self.sync_commands()

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """Register the slash commands: on the one guild when set (instant), else globally."""
        guild_id = self.settings.discord_guild_id
        if guild_id is None:
            return await self.tree.sync()
        guild = discord.Object(id=guild_id)
        self.tree.copy_global_to(guild=guild)
        return await self.tree.sync(guild=guild)

    async def answering(self, interaction: discord.Interaction) -> DiscordPort:
        """Acknowledge a command at once (ephemeral "thinking"), then answer through the
        port; Discord fails an interaction not acknowledged within three seconds."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        return DiscordPort(self, interaction, thinking=True)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run `coroutine` in the background, kept until done; failures are logged."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            log.error("background task failed: %s: %s", type(error).__name__, error)

    async def _on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Log the failure (never the interaction: a modal may hold a password) and tell
        the student."""
        cause = getattr(error, "original", error)
        log.error("command failed: %s: %s", type(cause).__name__, cause, exc_info=cause)
        await tell_failure(interaction)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await super().close()
        await self.async_redis.aclose()


async def tell_failure(interaction: discord.Interaction) -> None:
    """Say ephemerally that something went wrong, whatever state the interaction is in."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(texts.SOMETHING_WENT_WRONG, ephemeral=True)
        else:
            await interaction.response.send_message(texts.SOMETHING_WENT_WRONG, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("could not tell the student about the failure: %s", exc.code)
