"""/courses (the picker, fetched in the background) and /run (start the picked courses)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot import AutopilotBot
from bot.discord.cogs import describe


class Courses(commands.Cog):
    def __init__(self, bot: AutopilotBot) -> None:
        self.bot = bot

    @app_commands.command(name="courses", description=describe("courses"))
    async def courses(self, interaction: discord.Interaction) -> None:
        """/courses: the picker, fetched in the background."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.courses(port.student, port)

    @app_commands.command(name="run", description=describe("run"))
    async def run(self, interaction: discord.Interaction) -> None:
        """/run: start the picked courses; each gets a progress message by DM."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.run(port.student, port)


async def setup(bot: AutopilotBot) -> None:
    await bot.add_cog(Courses(bot))
