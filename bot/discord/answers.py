"""Answers of background jobs to the bot's ephemeral "working on it" messages.

Only the interaction's token may edit an ephemeral message, and that token must not go to
Redis or into job arguments. So the job's target is a random nonce; the worker's Discord
sender pushes its answer (text and buttons, no secret) to a short-lived Redis list named
after it, and here the bot waits on that list (BLPOP) and edits the message itself. A job
slower than `ANSWER_WAIT_S` gets a "still working" in its place, and its answer, when it
comes, is sent by DM instead (the student may have closed the ephemeral message by then).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import discord

from bot.discord import texts
from bot.discord.components import view_for
from core import keys

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from core.conversation.texts import Keyboard

log = logging.getLogger(__name__)

ANSWER_WAIT_S = 60.0
"""How long the ephemeral message waits for a job's answer (a login check takes about a
second; a backlog of a hundred students a few tens of seconds)."""
LATE_ANSWER_WAIT_S = 14 * 60.0
"""How much longer a late answer is waited for, to be sent by DM."""
MAX_CONTENT = 2000

Spawn = Callable[[Coroutine[Any, Any, None]], None]


class Answers:
    def __init__(self, redis: Redis, spawn: Spawn) -> None:
        self._redis = redis
        self._spawn = spawn

    def watch(
        self,
        nonce: str,
        message: discord.InteractionMessage | discord.WebhookMessage,
        user: discord.abc.User,
    ) -> None:
        """Replace `message` with the answer left for `nonce`, in the background."""
        self._spawn(self._deliver(nonce, message, user))

    async def _deliver(
        self,
        nonce: str,
        message: discord.InteractionMessage | discord.WebhookMessage,
        user: discord.abc.User,
    ) -> None:
        answer = await self._take(nonce, ANSWER_WAIT_S)
        if answer is not None:
            text, keyboard = answer
            await message.edit(
                content=text[:MAX_CONTENT], view=view_for(keyboard) if keyboard else None
            )
            return
        await message.edit(content=texts.STILL_WORKING, view=None)
        answer = await self._take(nonce, LATE_ANSWER_WAIT_S)
        if answer is None:
            log.warning("no answer for a waiting message after %.0f s", LATE_ANSWER_WAIT_S)
            return
        text, keyboard = answer
        try:
            channel = await user.create_dm()
            await channel.send(
                text[:MAX_CONTENT],
                view=view_for(keyboard) if keyboard else discord.utils.MISSING,
            )
        except discord.HTTPException as exc:
            log.info("could not send a late answer by DM: %s", exc.code)

    async def _take(self, nonce: str, timeout_s: float) -> tuple[str, Keyboard] | None:
        popped = await self._redis.blpop([keys.discord_answer(nonce)], timeout=timeout_s)
        if popped is None:
            return None
        try:
            answer = json.loads(popped[1])
            text, keyboard = str(answer["text"]), answer.get("keyboard") or []
            return text, [[(str(label), str(data)) for label, data in row] for row in keyboard]
        except (ValueError, KeyError, TypeError):
            log.warning("malformed answer for a waiting message")
            return None
