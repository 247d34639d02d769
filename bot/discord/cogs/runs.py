"""/status (every run with its state) and /cancel (one button per active run)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot import AutopilotBot
from bot.discord.cogs import describe


class Runs(commands.Cog):
    def __init__(self, bot: AutopilotBot) -> None:
        self.bot = bot

    @app_commands.command(name="status", description=describe("status"))
    async def status(self, interaction: discord.Interaction) -> None:
        """/status: every run of the student."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.status(port.student, port)

    @app_commands.command(name="cancel", description=describe("cancel"))
    async def cancel(self, interaction: discord.Interaction) -> None:
        """/cancel: pick the run to stop."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.cancel_menu(port.student, port)


async def setup(bot: AutopilotBot) -> None:
    await bot.add_cog(Runs(bot))
