"""/login (a modal; its submission is answered ephemerally) and /forget (confirmed with a
button)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import texts as discord_texts
from bot.discord.bot import AutopilotBot, tell_failure
from bot.discord.cogs import describe
from core.conversation import texts

log = logging.getLogger(__name__)

LOGIN_MODAL = "login"
EMAIL_FIELD = "email"
PASSWORD_FIELD = "password"


def login_modal() -> discord.ui.Modal:
    """Email and password. Discord cannot mask a modal's text input, so the password field
    says how it is kept; the modal is answered ephemerally and never stored by discord.py
    (its submission reaches `Account.on_interaction`)."""
    modal = discord.ui.Modal(title=discord_texts.LOGIN_MODAL_TITLE, custom_id=LOGIN_MODAL)
    modal.add_item(
        discord.ui.TextInput(
            label=discord_texts.EMAIL_LABEL,
            custom_id=EMAIL_FIELD,
            placeholder=discord_texts.EMAIL_PLACEHOLDER,
            max_length=texts.MAX_EMAIL_CHARS,
        )
    )
    modal.add_item(
        discord.ui.TextInput(
            label=discord_texts.PASSWORD_LABEL,
            custom_id=PASSWORD_FIELD,
            placeholder=discord_texts.PASSWORD_PLACEHOLDER,
            max_length=texts.MAX_PASSWORD_CHARS,
        )
    )
    modal.stop()
    return modal


def submitted_values(data: Mapping[str, Any]) -> dict[str, str]:
    """A modal submission's text inputs by custom id (in action rows or labels)."""

    def inputs(components: Any) -> Iterator[Mapping[str, Any]]:
        for component in components if isinstance(components, list) else []:
            if not isinstance(component, Mapping):
                continue
            if component.get("type") == 4:
                yield component
            yield from inputs(component.get("components"))
            if isinstance(component.get("component"), Mapping):
                yield from inputs([component["component"]])

    return {
        str(item.get("custom_id")): str(item.get("value") or "")
        for item in inputs(data.get("components"))
    }


class Account(commands.Cog):
    def __init__(self, bot: AutopilotBot) -> None:
        self.bot = bot

    @app_commands.command(name="login", description=describe("login"))
    async def login(self, interaction: discord.Interaction) -> None:
        """/login: the modal (a modal is itself the acknowledgement)."""
        await interaction.response.send_modal(login_modal())

    @app_commands.command(name="forget", description=describe("forget"))
    async def forget(self, interaction: discord.Interaction) -> None:
        """/forget: ask to confirm with a button."""
        port = await self.bot.answering(interaction)
        await self.bot.conversation.forget_menu(port)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A modal submitted: the login goes to the conversation; any other is stale."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data = interaction.data or {}
        if data.get("custom_id") != LOGIN_MODAL:
            await interaction.response.send_message(texts.NOT_YOURS, ephemeral=True)
            return
        try:
            port = await self.bot.answering(interaction)
            values = submitted_values(data)
            await self.bot.conversation.login_submitted(
                port.student, port, values.get(EMAIL_FIELD, ""), values.get(PASSWORD_FIELD, "")
            )
        except Exception as exc:  # never log the submission: it holds the password
            log.error("login submission failed: %s", type(exc).__name__)
            await tell_failure(interaction)


async def setup(bot: AutopilotBot) -> None:
    await bot.add_cog(Account(bot))
