"""The bot's REST calls within the budget it shares with the workers (`core.limits.routes`).

discord.py has its own rate limiter, but per process; the workers edit progress messages
with the same token from other processes. An aiohttp trace (discord.py's `http_trace`) lets
every call of the bot wait for the shared budget before it leaves and teaches the budget
what each answer's headers said, 429s included. Interaction callbacks are exempt (they have
no rate limit, and a three-second deadline); interaction webhooks do not count against the
global limit.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp

from bot.discord.endpoints import rest_root
from core.limits.routes import RateLimitHeaders, major_key

if TYPE_CHECKING:
    from types import SimpleNamespace

    from core.limits.routes import RouteBudget

log = logging.getLogger(__name__)

PATIENCE_S = 10.0
"""Longest a call of the bot waits for the shared budget (normally it waits none)."""

_CALLBACK = re.compile(r"/interactions/\d+/[^/]+/callback")
_WEBHOOK = re.compile(r"/webhooks/(\d+)/([^/]+)")
_MAJOR = re.compile(r"/(channels|guilds)/(\d+)")
_ID = re.compile(r"/\d+")


@dataclass(frozen=True)
class Call:
    """A REST call as the budget sees it: route template, major parameter, global or not."""

    route: str
    major: str
    global_limited: bool


def classify(method: str, url: str) -> Call | None:
    """The budget's view of a request to `url`; None when the budget does not apply."""
    root = rest_root()
    if not url.startswith(root):
        return None
    path = url[len(root) :].split("?", 1)[0]
    if _CALLBACK.fullmatch(path):
        return None
    webhook = _WEBHOOK.match(path)
    if webhook:
        template = _WEBHOOK.sub("/webhooks/{webhook_id}/{webhook_token}", path, count=1)
        major = major_key(webhook.group(1), webhook.group(2))
        return Call(f"{method} {_ID.sub('/{id}', template)}", major, global_limited=False)
    found = _MAJOR.match(path)
    major = found.group(2) if found else ""
    if found:
        path = _MAJOR.sub(lambda m: f"/{m.group(1)}/{{{m.group(1)[:-1]}_id}}", path, count=1)
    return Call(f"{method} {_ID.sub('/{id}', path)}", major, global_limited=True)


def shared_budget_trace(budget: RouteBudget) -> aiohttp.TraceConfig:
    """An aiohttp trace that holds each REST call for the shared budget and feeds it back."""
    trace = aiohttp.TraceConfig()

    async def on_start(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        call = classify(params.method, str(params.url))
        context.call = call
        if call is not None:
            await budget.acquire(
                call.route, call.major, PATIENCE_S, global_limited=call.global_limited
            )

    async def on_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        call: Call | None = getattr(context, "call", None)
        if call is None:
            return
        headers = RateLimitHeaders.parse(params.response.headers)
        await budget.learn(call.route, call.major, headers)
        if params.response.status == 429:
            wait = headers.reset_after_s or headers.retry_after_s or 1.0
            log.warning("Discord answered 429 on %s (%.2f s)", call.route, wait)
            await budget.throttled(call.route, call.major, wait, is_global=headers.is_global)

    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    return trace
