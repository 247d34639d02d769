"""The few Discord REST calls the workers make (send, edit), over the worker's httpx client.

Progress messages are ordinary channel messages (a DM or a configured channel), edited with
the bot token for as long as a run lasts. Answers to the bot's ephemeral "working on it"
messages cannot be sent from here: only the interaction's token may edit those, and it never
leaves the bot. Their target is `ChatTarget(discord, "interaction", <nonce>)`, and the answer
(text and buttons, never a secret) goes to a short-lived Redis list that the bot is waiting on.

Statuses become exceptions here and nowhere else: 10008 Unknown Message is `MessageGone`;
50007 (DMs closed), other 403s and an unknown channel are `ChatClosed`; a 429 is recorded in
the shared budget (for its bucket, or globally) and retried within the caller's patience,
else raised as `Throttled`. Every call first charges the shared `MessageBudget` (per-channel
message and edit pacing) and the header-driven `RouteBudget` (buckets and the global limit).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any

from core import keys
from core.limits.messages import MessageKind
from core.limits.routes import RateLimitHeaders
from workers.notify.errors import ChatClosed, MessageGone, SendRefused, Throttled

if TYPE_CHECKING:
    import httpx
    from redis.asyncio import Redis

    from core.chat import ChatTarget
    from core.conversation.texts import Keyboard
    from core.limits.messages import MessageBudget
    from core.limits.routes import RouteBudget

INTERACTION_CHAT = "interaction"
"""`ChatTarget.chat_id` of an ephemeral message the bot answers itself."""
ANSWER_TTL_S = 20 * 60
"""How long an answer waits in Redis for the bot (an interaction token lives 15 minutes)."""
NONCE = re.compile(r"[0-9a-f]{16,64}")

MAX_CONTENT = 2000
BUTTONS_PER_ROW = 5
MAX_ROWS = 5
LABEL_CHARS = 80

UNKNOWN_MESSAGE = 10008
UNKNOWN_CHANNEL = 10003
CLOSED_CODES = frozenset({50007, 50001, 50013, UNKNOWN_CHANNEL})
"""Cannot send to this user (DMs closed), missing access or permissions, unknown channel."""

SEND_ROUTE = "POST /channels/{channel_id}/messages"
EDIT_ROUTE = "PATCH /channels/{channel_id}/messages/{message_id}"


def button_rows(keyboard: Keyboard) -> list[dict[str, Any]]:
    """Core's button rows as Discord action rows: at most five buttons a row and five rows
    (longer rows wrap; what cannot fit is left out)."""
    rows: list[list[dict[str, Any]]] = []
    for row in keyboard:
        buttons = [
            {"type": 2, "style": 2, "label": label[:LABEL_CHARS], "custom_id": data}
            for label, data in row
        ]
        rows.extend(
            buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)
        )
    return [{"type": 1, "components": row} for row in rows[:MAX_ROWS]]


def message_body(text: str, keyboard: Keyboard | None) -> dict[str, Any]:
    """A message's content and components; no keyboard removes the buttons."""
    return {
        "content": text[:MAX_CONTENT],
        "components": button_rows(keyboard) if keyboard else [],
        "allowed_mentions": {"parse": []},
    }


class DiscordSender:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        budget: MessageBudget,
        routes: RouteBudget,
        redis: Redis,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bot {token}", "User-Agent": "VTU-AutoPilot (1.0)"}
        self.budget = budget
        self.routes = routes
        self.redis = redis

    async def send(
        self,
        chat: ChatTarget,
        text: str,
        keyboard: Keyboard | None = None,
        *,
        reply_to: ChatTarget | None = None,
        patience_s: float = 5.0,
    ) -> ChatTarget:
        """Post a message in channel `chat` (a reply to `reply_to` when given, which notifies
        the student); returns where it is."""
        if chat.chat_id == INTERACTION_CHAT or not chat.chat_id.isdigit():
            raise SendRefused(f"cannot post a new message in {chat.chat_id!r}")
        channel = int(chat.chat_id)
        await self.budget.acquire(channel, MessageKind.REPLY, patience_s)
        body = message_body(text, keyboard)
        if reply_to is not None and reply_to.has_message and reply_to.chat_id == chat.chat_id:
            body["message_reference"] = {
                "message_id": reply_to.message_id,
                "fail_if_not_exists": False,
            }
        result = await self._call(
            "POST", SEND_ROUTE, chat.chat_id, f"/channels/{channel}/messages", body, patience_s
        )
        return chat.at(str(result["id"]))

    async def edit(
        self,
        target: ChatTarget,
        text: str,
        keyboard: Keyboard | None = None,
        *,
        kind: MessageKind = MessageKind.REPLY,
        patience_s: float = 5.0,
        charged: bool = False,
    ) -> None:
        """Replace a message's text and buttons (no buttons removes them); `charged` when the
        caller already took the message budget. An ephemeral message's answer goes to the
        bot through Redis."""
        if target.chat_id == INTERACTION_CHAT:
            await self._hand_to_bot(target.message_id, text, keyboard)
            return
        channel = int(target.chat_id)
        if not charged:
            await self.budget.acquire(channel, kind, patience_s)
        path = f"/channels/{channel}/messages/{int(target.message_id)}"
        try:
            await self._call(
                "PATCH", EDIT_ROUTE, target.chat_id, path, message_body(text, keyboard), patience_s
            )
        except SendRefused as exc:
            if exc.code == UNKNOWN_MESSAGE:
                raise MessageGone(exc.description, exc.code) from exc
            raise

    async def _hand_to_bot(self, nonce: str, text: str, keyboard: Keyboard | None) -> None:
        if not NONCE.fullmatch(nonce):
            raise SendRefused(f"malformed answer address {nonce!r}")
        answer = json.dumps({"text": text, "keyboard": keyboard or []})
        key = keys.discord_answer(nonce)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, answer)
            pipe.expire(key, ANSWER_TTL_S)
            await pipe.execute()

    async def _call(
        self,
        method: str,
        route: str,
        major: str,
        path: str,
        body: dict[str, Any],
        patience_s: float,
    ) -> Any:
        """One REST call within the shared budget; a 429 is recorded for everyone, then
        retried while the caller's patience lasts."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience_s
        while True:
            await self.routes.acquire(route, major, max(0.0, deadline - loop.time()))
            response = await self.http.request(
                method, self.base_url + path, json=body, headers=self._headers
            )
            headers = RateLimitHeaders.parse(response.headers)
            await self.routes.learn(route, major, headers)
            if response.status_code != 429:
                return _result(response)
            retry_after, is_global = _throttle(response, headers)
            await self.routes.throttled(route, major, retry_after, is_global=is_global)
            if loop.time() + retry_after > deadline:
                raise Throttled("rate limited by Discord", retry_after)
            await asyncio.sleep(retry_after)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _throttle(response: httpx.Response, headers: RateLimitHeaders) -> tuple[float, bool]:
    body = _json(response)
    body = body if isinstance(body, dict) else {}
    retry_after = body.get("retry_after", headers.retry_after_s)
    try:
        seconds = float(retry_after) if retry_after is not None else 1.0
    except (TypeError, ValueError):
        seconds = 1.0
    return max(seconds, 0.0), bool(body.get("global")) or headers.is_global


def _result(response: httpx.Response) -> Any:
    body = _json(response)
    if response.is_success:
        return body if body is not None else {}
    error = body if isinstance(body, dict) else {}
    code = error.get("code")
    code = int(code) if isinstance(code, int) else response.status_code
    description = str(error.get("message") or f"HTTP {response.status_code}")
    if code in CLOSED_CODES or response.status_code == 403:
        raise ChatClosed(description, code)
    raise SendRefused(description, code)
