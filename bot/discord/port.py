"""The conversation's `ChatPort` on Discord: one interaction, answered ephemerally.

A slash command or a modal is deferred as "thinking" at once, and the first answer replaces
that placeholder; a component press is deferred as an update, so `edit` changes the message
the component is on, and answers come as ephemeral follow-ups. Everything said here is seen
by the student only (`private`), even in a server channel. Ephemeral messages can be edited
only with the interaction's token, which never leaves the bot, so a background job answers
to a nonce that `Answers` waits on (`reply_waiting`). Progress messages are ordinary
messages (a DM, or the configured channel) that the workers edit with the bot token.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

import discord

from bot.discord import texts
from bot.discord.components import view_for
from core.chat import ChatLimits, ChatTarget, Platform
from core.conversation.service import ProgressHomeClosed
from core.limits.messages import MessageKind

if TYPE_CHECKING:
    from bot.discord.bot import AutopilotBot
    from core.conversation.texts import Keyboard

log = logging.getLogger(__name__)

DISCORD_LIMITS = ChatLimits(
    button_data_bytes=100,
    buttons_per_message=25,
    delete_hint=texts.DISCORD_DELETE_HINT,
)
MAX_CONTENT = 2000
DM_CLOSED = 50007
INTERACTION_CHAT = "interaction"
"""`ChatTarget.chat_id` of an answer the bot waits for itself (see `Answers`)."""
POST_PATIENCE_S = 10.0

Editable = discord.InteractionMessage | discord.WebhookMessage


def student_id(user: discord.abc.User) -> str:
    return f"discord:{user.id}"


class DiscordPort:
    """One interaction; `page` is the picker page the student is looking at."""

    limits = DISCORD_LIMITS

    def __init__(
        self, bot: AutopilotBot, interaction: discord.Interaction, *, thinking: bool, page: int = 0
    ) -> None:
        self._bot = bot
        self._interaction = interaction
        self._placeholder_free = thinking
        self._sent: dict[str, Editable] = {}
        self.page = page

    @property
    def private(self) -> bool:
        return True

    @property
    def student(self) -> str:
        return student_id(self._interaction.user)

    @property
    def origin(self) -> ChatTarget | None:
        """The message a pressed component is on."""
        message = self._interaction.message
        if message is None:
            return None
        return ChatTarget(Platform.DISCORD, str(message.channel.id), str(message.id))

    async def reply(
        self, text: str, keyboard: Keyboard | None = None, *, reply_to: ChatTarget | None = None
    ) -> ChatTarget:
        if reply_to is not None and reply_to.has_message:
            text = f"{text}\n{texts.PROGRESS_AT.format(url=self._jump_url(reply_to))}"
        content = text[:MAX_CONTENT]
        view = view_for(keyboard) if keyboard else discord.utils.MISSING
        message: Editable
        if self._placeholder_free:
            self._placeholder_free = False
            message = await self._interaction.edit_original_response(content=content, view=view)
        else:
            message = await self._interaction.followup.send(
                content, view=view, ephemeral=True, wait=True
            )
        self._sent[str(message.id)] = message
        channel = self._interaction.channel_id or message.channel.id
        return ChatTarget(Platform.DISCORD, str(channel), str(message.id))

    async def reply_waiting(self, text: str) -> ChatTarget:
        """An ephemeral "working on it"; the job's answer comes back through Redis."""
        shown = await self.reply(text)
        nonce = secrets.token_hex(16)
        self._bot.answers.watch(nonce, self._sent[shown.message_id], self._interaction.user)
        return ChatTarget(Platform.DISCORD, INTERACTION_CHAT, nonce)

    async def post_progress(self, text: str, keyboard: Keyboard) -> ChatTarget:
        """A DM to the student (or a message in DISCORD_PROGRESS_CHANNEL_ID): an ordinary
        message, which the bot token can edit for as long as the run lasts."""
        channel_id = self._bot.settings.discord_progress_channel_id
        try:
            if channel_id is not None:
                channel: discord.abc.Messageable = self._bot.get_partial_messageable(channel_id)
            else:
                channel = await self._interaction.user.create_dm()
                channel_id = channel.id
            await self._bot.message_budget.acquire(channel_id, MessageKind.REPLY, POST_PATIENCE_S)
            message = await channel.send(
                text[:MAX_CONTENT],
                view=view_for(keyboard) if keyboard else discord.utils.MISSING,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.Forbidden as exc:
            log.info("cannot post progress for %s: %s", self.student, exc.code)
            if self._bot.settings.discord_progress_channel_id is None or exc.code == DM_CLOSED:
                raise ProgressHomeClosed(texts.DMS_CLOSED) from exc
            raise ProgressHomeClosed(texts.PROGRESS_CHANNEL_CLOSED) from exc
        return ChatTarget(Platform.DISCORD, str(channel_id), str(message.id))

    async def private_home(self) -> ChatTarget:
        """The student's DM channel with the bot (opened now if it never was)."""
        channel = await self._interaction.user.create_dm()
        return ChatTarget(Platform.DISCORD, str(channel.id))

    async def edit(self, target: ChatTarget, text: str, keyboard: Keyboard | None = None) -> None:
        """Replace one of the bot's messages: the pressed component's message, an answer
        given here, or any channel message of the bot."""
        content = text[:MAX_CONTENT]
        view = view_for(keyboard, self.page) if keyboard else None
        origin = self.origin
        if origin is not None and origin.message_id == target.message_id:
            await self._interaction.edit_original_response(content=content, view=view)
        elif target.message_id in self._sent:
            await self._sent[target.message_id].edit(content=content, view=view)
        else:
            channel = self._bot.get_partial_messageable(int(target.chat_id))
            await channel.get_partial_message(int(target.message_id)).edit(
                content=content, view=view
            )

    async def notice(self, text: str) -> None:
        """A short ephemeral note about a press (what Telegram shows as a toast)."""
        await self._interaction.followup.send(text[:MAX_CONTENT], ephemeral=True)

    async def close(self) -> None:
        """Remove a "thinking" placeholder that no answer replaced."""
        if self._placeholder_free:
            self._placeholder_free = False
            await self._interaction.delete_original_response()

    def _jump_url(self, target: ChatTarget) -> str:
        channel = self._bot.get_channel(int(target.chat_id))
        guild = getattr(channel, "guild", None)
        where = str(guild.id) if guild is not None else "@me"
        return f"https://discord.com/channels/{where}/{target.chat_id}/{target.message_id}"
