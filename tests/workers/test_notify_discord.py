"""The workers' Discord sender against the Discord stand-in: its wire calls, its statuses,
and the rate-limit budget it shares in Redis with every other sender and the bot."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from redis.asyncio import Redis as AsyncRedis

from core.chat import ChatTarget, Platform
from core.keys import discord_answer
from core.limits.messages import MessageBudget, MessageKind
from core.limits.routes import RouteBudget
from emulators.discord import DiscordEmulator, DiscordSettings
from workers.notify.discord import EDIT_ROUTE, DiscordSender
from workers.notify.errors import ChatClosed, MessageGone, Throttled

WINDOW_S = 1.0
LIMIT = 3


@pytest.fixture
def discord_api() -> Iterator[DiscordEmulator]:
    settings = DiscordSettings(message_limit=LIMIT, message_window_s=WINDOW_S)
    with DiscordEmulator(settings=settings) as emulator:
        yield emulator
        assert emulator.internal_errors == []


def senders(discord_api: DiscordEmulator, redis_url: str, count: int = 2):
    """`count` senders as separate workers would have them: own HTTP and Redis clients,
    one shared budget in Redis (pacing of our own out of the way: the headers decide)."""

    class Senders:
        async def __aenter__(self) -> list[DiscordSender]:
            self.clients = [
                (httpx.AsyncClient(), AsyncRedis.from_url(redis_url)) for _ in range(count)
            ]
            return [
                DiscordSender(
                    http,
                    discord_api.api_base_url,
                    discord_api.token,
                    MessageBudget(
                        redis,
                        edit_interval_s=0.001,
                        platform="discord",
                        chat_rate=1000.0,
                        bot_rate=1000.0,
                        edit_rate=1000.0,
                    ),
                    RouteBudget(redis),
                    redis,
                )
                for http, redis in self.clients
            ]

        async def __aexit__(self, *_: object) -> None:
            for http, redis in self.clients:
                await http.aclose()
                await redis.aclose()

    return Senders()


def channel(discord_api: DiscordEmulator) -> ChatTarget:
    return ChatTarget(Platform.DISCORD, str(discord_api.channel_id))


def most_in_any_window(times: list[float], window_s: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window_s) for start in times)


def test_two_senders_share_the_buckets_the_headers_describe(discord_api, redis_url):
    async def main() -> ChatTarget:
        async with senders(discord_api, redis_url) as (first, second):
            posted = await first.send(channel(discord_api), "0")
            await first.edit(posted, "learn the bucket")
            await asyncio.gather(
                *(
                    (first if n % 2 else second).edit(posted, f"edit {n}", patience_s=10)
                    for n in range(10)
                )
            )
            return posted

    posted = asyncio.run(main())
    assert discord_api.throttled == []
    edits = discord_api.message(int(posted.message_id)).edit_times
    assert len(edits) == 11
    # Fixed windows: at most LIMIT in each, so at most twice that across a window's edge.
    assert most_in_any_window(list(edits), WINDOW_S) <= 2 * LIMIT
    assert max(edits) - min(edits) >= 3 * WINDOW_S - 0.1


def test_a_429_is_obeyed_by_every_sender(discord_api, redis_url):
    async def main() -> tuple[ChatTarget, float]:
        async with senders(discord_api, redis_url) as (first, second):
            posted = await first.send(channel(discord_api), "0")
            await first.edit(posted, "learn the bucket")
            await asyncio.sleep(WINDOW_S)
            discord_api.force_rate_limit(EDIT_ROUTE, retry_after=0.6)
            await first.edit(posted, "hits the 429, then waits", patience_s=5)
            await second.edit(posted, "waits too", patience_s=5)
            return posted, 0.6

    posted, retry_after = asyncio.run(main())
    [throttle] = discord_api.throttled
    after = [r.t for r in discord_api.requests if r.t > throttle.t and r.method == "PATCH"]
    assert len(after) == 2
    assert min(after) >= throttle.t + retry_after - 0.05
    assert discord_api.message(int(posted.message_id)).content == "waits too"


def test_a_global_429_stops_every_route(discord_api, redis_url):
    async def main() -> None:
        async with senders(discord_api, redis_url) as (first, second):
            posted = await first.send(channel(discord_api), "0")
            discord_api.force_rate_limit(None, retry_after=0.5, is_global=True)
            with pytest.raises(Throttled) as caught:
                await first.edit(posted, "impatient", patience_s=0.1)
            assert caught.value.retry_after == pytest.approx(0.5)
            await second.send(channel(discord_api), "another route, after the global wait")

    asyncio.run(main())
    [throttle] = discord_api.throttled
    assert throttle.is_global
    later = [r.t for r in discord_api.requests if r.t > throttle.t]
    assert later and min(later) >= throttle.t + 0.45


def test_statuses_become_the_workers_errors(discord_api, redis_url):
    user = discord_api.add_user()

    async def main() -> None:
        async with senders(discord_api, redis_url, count=1) as (sender,):
            posted = await sender.send(
                channel(discord_api), "0", [[("↻ Refresh", "refresh:" + "a" * 16)]]
            )
            with pytest.raises(MessageGone):
                await sender.edit(posted.at("1234"), "gone")
            discord_api.close_dms(user)
            dm = ChatTarget(Platform.DISCORD, str(discord_api.dm_channel_id(user)))
            with pytest.raises(ChatClosed):
                await sender.send(dm, "closed")
            reply = await sender.send(channel(discord_api), "done", reply_to=posted)
            assert reply.message_id != posted.message_id

    asyncio.run(main())
    [first, *_] = discord_api.channel(discord_api.channel_id)
    assert first.button_labels == ["↻ Refresh"]


def test_answers_to_ephemeral_messages_go_to_the_bot_through_redis(discord_api, redis_url, redis):
    target = ChatTarget(Platform.DISCORD, "interaction", "ab" * 16)

    async def main() -> None:
        async with senders(discord_api, redis_url, count=1) as (sender,):
            await sender.edit(
                target, "Logged in as s•••@x.in", [[("A", "pick:0")]], kind=MessageKind.REPLY
            )

    asyncio.run(main())
    [raw] = redis.lrange(discord_answer("ab" * 16), 0, -1)
    assert json.loads(raw) == {"text": "Logged in as s•••@x.in", "keyboard": [[["A", "pick:0"]]]}
    assert 0 < redis.ttl(discord_answer("ab" * 16)) <= 20 * 60
    assert discord_api.requests == []
