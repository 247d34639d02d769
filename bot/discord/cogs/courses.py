"""/courses (the picker, fetched in the background) and /run (start the picked courses)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import texts
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
    @app_commands.describe(when=texts.RUN_WHEN_OPTION)
    async def run(self, interaction: discord.Interaction, when: str | None = None) -> None:
        """/run [when]: start the picked courses now or at a time; each gets a progress
        message by DM."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.run(port.student, port, when or "")
        await port.close()  # one course: its progress message (a DM) is the answer


async def setup(bot: AutopilotBot) -> None:
    await bot.add_cog(Courses(bot))
