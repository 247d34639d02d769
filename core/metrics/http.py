"""Counting the platform's and the chat APIs' traffic as it passes through an httpx client.

The VTU client and the chat senders know nothing of metrics: the worker's shared
`httpx.AsyncClient` carries these event hooks, which sort each request by its URL (the
platform's endpoint, or a chat message send or edit) and count it and its answer in Redis.
Only the endpoint's kind is stored, never a URL (a Bot API URL holds the bot's token).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from core.metrics import names
from core.metrics.store import count_async

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import httpx
    from redis.asyncio import Redis as AsyncRedis

    from config import Settings

_PLATFORM_ENDPOINTS = (
    (re.compile(r"^/auth/login$"), "login"),
    (re.compile(r"^/student/my-enrollments$"), "enrollments"),
    (re.compile(r"^/student/my-courses/[^/]+$"), "course"),
    (re.compile(r"^/student/my-courses/[^/]+/lectures/[^/]+$"), "lecture"),
    (re.compile(r"^/student/my-courses/[^/]+/lectures/[^/]+/progress$"), "progress"),
)
_TELEGRAM_KINDS = {"sendMessage": "send", "editMessageText": "edit"}
_DISCORD_KINDS = (
    (re.compile(r"^POST /channels/\d+/messages$"), "send"),
    (re.compile(r"^PATCH /channels/\d+/messages/\d+$"), "edit"),
    (re.compile(r"^POST /interactions/\d+/[^/]+/callback$"), "send"),
    (re.compile(r"^POST /webhooks/\d+/[^/]+$"), "send"),
    (re.compile(r"^PATCH /webhooks/\d+/[^/]+/messages/[^/]+$"), "edit"),
)
_LOGIN_REFUSED = frozenset({400, 401, 403, 422})


class TrafficClassifier:
    """Which service a request went to and what it was, from its method and URL."""

    def __init__(self, settings: Settings) -> None:
        self.platform = settings.vtu_base_url.rstrip("/")
        self.telegram = settings.telegram_api_base_url
        self.discord = settings.discord_api_base_url.rstrip("/")

    def platform_endpoint(self, method: str, url: str) -> str | None:
        if not url.startswith(self.platform + "/"):
            return None
        path = url[len(self.platform) :].split("?", 1)[0]
        return next((name for pattern, name in _PLATFORM_ENDPOINTS if pattern.match(path)), "other")

    def chat_message(self, method: str, url: str) -> tuple[str, str] | None:
        """(platform, kind) of a message send or edit, else None."""
        if self.telegram and url.startswith(self.telegram):
            kind = _TELEGRAM_KINDS.get(url.split("?", 1)[0].rsplit("/", 1)[-1])
            return ("telegram", kind) if kind else None
        if url.startswith(self.discord + "/"):
            route = f"{method} {url[len(self.discord) :].split('?', 1)[0]}"
            kind = next((k for pattern, k in _DISCORD_KINDS if pattern.match(route)), None)
            return ("discord", kind) if kind else None
        return None


def event_hooks(
    redis: AsyncRedis, settings: Settings
) -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
    """httpx `event_hooks` that count platform requests, 429s, 5xx and logins, and chat
    messages and edits with their 429s."""
    classify = TrafficClassifier(settings)

    async def on_request(request: httpx.Request) -> None:
        url = str(request.url)
        endpoint = classify.platform_endpoint(request.method, url)
        if endpoint is not None:
            await count_async(redis, names.PLATFORM_REQUESTS, {"endpoint": endpoint})
            return
        message = classify.chat_message(request.method, url)
        if message is not None:
            platform, kind = message
            await count_async(redis, names.CHAT_MESSAGES, {"platform": platform, "kind": kind})

    async def on_response(response: httpx.Response) -> None:
        request, status = response.request, response.status_code
        url = str(request.url)
        endpoint = classify.platform_endpoint(request.method, url)
        if endpoint is not None:
            if status == 429:
                await count_async(redis, names.PLATFORM_THROTTLED, {"endpoint": endpoint})
            elif status >= 500:
                await count_async(redis, names.PLATFORM_SERVER_ERRORS, {"endpoint": endpoint})
            elif endpoint == "login":
                outcome = (
                    "ok" if status < 300 else "refused" if status in _LOGIN_REFUSED else "error"
                )
                await count_async(redis, names.PLATFORM_LOGINS, {"outcome": outcome})
            return
        message = classify.chat_message(request.method, url)
        if message is not None and status == 429:
            platform, kind = message
            await count_async(redis, names.CHAT_THROTTLED, {"platform": platform, "kind": kind})

    return {"request": [on_request], "response": [on_response]}
