"""/start and /help: what the bot does, the steps, how credentials are kept."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot import AutopilotBot
from bot.discord.cogs import describe


class Help(commands.Cog):
    def __init__(self, bot: AutopilotBot) -> None:
        self.bot = bot

    @app_commands.command(name="start", description=describe("start"))
    async def start(self, interaction: discord.Interaction) -> None:
        """/start: the welcome."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.welcome(port)

    @app_commands.command(name="help", description=describe("help"))
    async def help(self, interaction: discord.Interaction) -> None:
        """/help: the same welcome, with the steps."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.welcome(port)


async def setup(bot: AutopilotBot) -> None:
    await bot.add_cog(Help(bot))
