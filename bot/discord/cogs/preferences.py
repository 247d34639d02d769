"""/keep (keep completed courses complete, checked every night) and /timezone (the student's
time zone, for start times)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import texts
from bot.discord.bot import AutopilotBot
from bot.discord.cogs import describe

KEEP_CHOICES = [app_commands.Choice(name=value, value=value) for value in ("on", "off")]


class Preferences(commands.Cog):
    def __init__(self, bot: AutopilotBot) -> None:
        self.bot = bot

    @app_commands.command(name="keep", description=describe("keep"))
    @app_commands.describe(choice=texts.KEEP_CHOICE_OPTION)
    @app_commands.choices(choice=KEEP_CHOICES)
    async def keep(
        self, interaction: discord.Interaction, choice: app_commands.Choice[str] | None = None
    ) -> None:
        """/keep [on|off]: what it does, or turn it on or off."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.keep(port.student, port, choice.value if choice else "")

    @app_commands.command(name="timezone", description=describe("timezone"))
    @app_commands.describe(zone=texts.TIMEZONE_ZONE_OPTION)
    async def timezone(self, interaction: discord.Interaction, zone: str | None = None) -> None:
        """/timezone [Region/City]: show or set the student's time zone."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.timezone(port.student, port, zone or "")


async def setup(bot: AutopilotBot) -> None:
    await bot.add_cog(Preferences(bot))
