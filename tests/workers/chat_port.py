"""A chat for the real conversation to talk in, recording what it says (no chat platform)."""

from __future__ import annotations

from core.chat import ChatLimits, ChatTarget, Platform


class RecordingPort:
    """A private chat that only records what the conversation says in it."""

    private = True
    limits = ChatLimits(button_data_bytes=64, buttons_per_message=50, delete_hint="delete it")

    def __init__(self) -> None:
        self.said: list[str] = []

    async def reply(self, text, keyboard=None, *, reply_to=None) -> ChatTarget:
        self.said.append(text)
        return ChatTarget(Platform.TELEGRAM, "1001", str(len(self.said)))

    async def reply_waiting(self, text) -> ChatTarget:
        return await self.reply(text)

    async def post_progress(self, text, keyboard) -> ChatTarget:
        return await self.reply(text)

    async def edit(self, target, text, keyboard=None) -> None:
        self.said.append(text)
