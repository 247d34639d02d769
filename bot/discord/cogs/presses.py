"""The one router for component presses (buttons and select choices) on any message.

Each press is acknowledged at once as a deferred update, then handed to the conversation in
core, which decodes the custom id or select value and checks that the run belongs to the
presser: forged or stale data, and other students' runs, reach nothing. Turning the picker's
page is the adapter's own (`page:N`), and so is the page a select was on (`picker:N`); a
picker's select carries nothing but course picks.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.discord.bot import AutopilotBot, tell_failure
from bot.discord.components import PAGE_PREFIX, PICKER_PREFIX, adapter_page, is_pick
from bot.discord.port import DiscordPort
from core.conversation import texts

log = logging.getLogger(__name__)


class Presses(commands.Cog):
    def __init__(self, bot: AutopilotBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Any component press."""
        if interaction.type is not discord.InteractionType.component:
            return
        await interaction.response.defer()
        try:
            await self._pressed(interaction)
        except Exception as exc:
            log.error("press failed: %s: %s", type(exc).__name__, exc, exc_info=exc)
            await tell_failure(interaction)

    async def _pressed(self, interaction: discord.Interaction) -> None:
        data = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        port = DiscordPort(self.bot, interaction, thinking=False)
        origin = port.origin
        if origin is None:
            await port.notice(texts.NOT_YOURS)
            return
        conversation = self.bot.conversation
        turned_to = adapter_page(custom_id, PAGE_PREFIX)
        if turned_to is not None:
            port.page = turned_to
            notice = await conversation.redraw_picker(port.student, port, origin)
        else:
            on_page = adapter_page(custom_id, PICKER_PREFIX)
            if on_page is not None:
                values = data.get("values") or []
                port.page = on_page
                choice = str(values[0]) if len(values) == 1 else None
                if choice is not None and not is_pick(choice):
                    choice = None
            else:
                choice = custom_id
            notice = await conversation.pressed(port.student, port, choice, origin)
        if notice:
            await port.notice(notice)


async def setup(bot: AutopilotBot) -> None:
    await bot.add_cog(Presses(bot))
