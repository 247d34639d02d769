"""The conversation's `ChatPort` on Telegram: answers are messages in the same chat."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram.error import BadRequest

from bot.telegram.replies import edit, say
from core.chat import ChatLimits, ChatTarget, Platform
from core.conversation.service import MessageNotEditable

if TYPE_CHECKING:
    from bot.telegram.services import BotContext
    from core.conversation.texts import Keyboard

NOT_EDITABLE = ("message can't be edited", "message to edit not found")
"""How Telegram refuses to edit a message that is gone or not the bot's."""

TELEGRAM_LIMITS = ChatLimits(
    button_data_bytes=64,
    buttons_per_message=100,
    delete_hint="long-press it, Delete",
)


class TelegramPort:
    """One Telegram chat; progress messages live in it too."""

    limits = TELEGRAM_LIMITS

    def __init__(self, context: BotContext, chat_id: int, private: bool) -> None:
        self._context = context
        self._chat = ChatTarget(Platform.TELEGRAM, str(chat_id))
        self._private = private

    @property
    def private(self) -> bool:
        return self._private

    @property
    def chat(self) -> ChatTarget:
        return self._chat

    async def reply(
        self, text: str, keyboard: Keyboard | None = None, *, reply_to: ChatTarget | None = None
    ) -> ChatTarget:
        replied = int(reply_to.message_id) if reply_to and reply_to.has_message else None
        sent = await say(self._context, int(self._chat.chat_id), text, keyboard, reply_to=replied)
        return self._chat.at(sent.message_id)

    async def reply_waiting(self, text: str) -> ChatTarget:
        """Workers edit the bot's messages directly on Telegram."""
        return await self.reply(text)

    async def post_progress(self, text: str, keyboard: Keyboard) -> ChatTarget:
        return await self.reply(text, keyboard)

    async def private_home(self) -> ChatTarget:
        """This chat: the conversation asks only in private chats, which are the student's."""
        return self._chat

    async def edit(self, target: ChatTarget, text: str, keyboard: Keyboard | None = None) -> None:
        try:
            await edit(self._context, int(target.chat_id), int(target.message_id), text, keyboard)
        except BadRequest as exc:
            if any(reason in exc.message.lower() for reason in NOT_EDITABLE):
                raise MessageNotEditable(exc.message) from exc
            raise
