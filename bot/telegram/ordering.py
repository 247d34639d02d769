"""Updates of one chat are handled in the order Telegram sent them; different chats at once.

PTB's concurrent processing runs every update as soon as it arrives, so a student who sends
`/login`, the email and the password within a second had them handled out of order: the
password taken for the email (and deleted, so nothing leaked, but the login failed). Here each
chat's updates wait for the one before them, while other chats' updates go on in parallel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class InOrderPerChat(BaseUpdateProcessor):
    """At most `max_concurrent_updates` updates at once, one at a time per chat."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = _chat_of(update)
        if chat is None:
            await coroutine
            return
        turn = self._turns.setdefault(chat, asyncio.Lock())
        self._waiting[chat] = self._waiting.get(chat, 0) + 1
        try:
            async with turn:
                await coroutine
        finally:
            self._waiting[chat] -= 1
            if not self._waiting[chat]:  # the chat's last update for now: forget its lock
                del self._waiting[chat], self._turns[chat]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _chat_of(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None
