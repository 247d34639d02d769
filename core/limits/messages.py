"""The chat bot's outgoing-message budget, shared in Redis by the bot and every worker.

Telegram allows about one message a second per chat and about thirty a second per bot, and
answers a 429 with `retry_after` when a bot goes over. One Lua script checks, for each
message, all of:

- a 429's `retry_after` still running (set by whoever received it: everyone waits);
- the chat's bucket: `chat_rate` per second with one message of burst for answers and
  none for edits (an edit never takes the room an answer needs), so the platform's own
  bucket (three of burst) always keeps a message in hand for clock differences;
- the bot's bucket: `bot_rate` per second, with a little more burst for replies;
- for progress edits only: one per chat every `edit_interval_s`, and all edits together
  at most `edit_rate` per second, so answers to commands always find room.

Buckets are GCRA, timed by the Redis server's clock. Nothing waits inside the script: it
books the message's slot (now, or the first one within what the caller will wait, so a crowd
queues up in order with one call each instead of polling) or returns the seconds until the
first slot, booking nothing.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import TYPE_CHECKING

from core import keys

if TYPE_CHECKING:
    from redis.asyncio import Redis

CHAT_RATE = 1.0
BOT_RATE = 25.0
"""Messages a second for the whole bot: under Telegram's ~30 with room for clock skew."""
EDIT_RATE = 20.0
"""Progress edits a second for the whole bot: the rest of `BOT_RATE` is kept for answers."""
CHAT_BURST = 1.0
REPLY_BURST = 2.0
"""Answers the bot may send ahead of its rate, one more than edits may, so an answer passes
even right after edits. Any 1 s then holds at most 1 + 2 + 25 = 28 messages: under
Telegram's 30 with two to spare for a crowd's jitter (sends booked 40 ms apart can arrive
bunched)."""
EDIT_BURST = 1.0


DISCORD_CHAT_RATE = 1.0
"""Discord: five messages (and five edits) per channel in five seconds."""
DISCORD_BOT_RATE = 40.0
"""Discord messages a second for the whole bot, under the global 50 requests a second that
every other call shares (`core.limits.routes`)."""
DISCORD_EDIT_RATE = 30.0


class MessageKind(StrEnum):
    REPLY = "reply"
    """An answer to something the student just did: sent as soon as the chat allows."""
    EDIT = "edit"
    """A progress update: coalesced, at most one per chat every `edit_interval_s`."""


class OverMessageBudget(Exception):
    """The next message fits only after `wait_s` seconds."""

    def __init__(self, wait_s: float) -> None:
        super().__init__(f"message budget exhausted for {wait_s:.2f} s")
        self.wait_s = wait_s


_CHARGE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local is_edit = ARGV[1] == 'edit'
local wait = 0
local blocked_until = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked_until > now then wait = blocked_until - now end
if is_edit then
  local left = redis.call('PTTL', KEYS[2])
  if left > 0 and left / 1000 > wait then wait = left / 1000 end
end
local buckets = {{KEYS[3], 1 / tonumber(ARGV[2]), is_edit and 0 or tonumber(ARGV[3])}}
if is_edit then
  table.insert(buckets, {KEYS[4], 1 / tonumber(ARGV[4]), tonumber(ARGV[8])})
  table.insert(buckets, {KEYS[5], 1 / tonumber(ARGV[5]), tonumber(ARGV[8])})
else
  table.insert(buckets, {KEYS[4], 1 / tonumber(ARGV[4]), tonumber(ARGV[6])})
end
local tats = {}
for i, bucket in ipairs(buckets) do
  local tat = tonumber(redis.call('GET', bucket[1]) or '0')
  if tat < now then tat = now end
  tats[i] = tat
  local allowed_at = tat - bucket[2] * bucket[3]
  if allowed_at - now > wait then wait = allowed_at - now end
end
if wait > tonumber(ARGV[9]) then return {'0', tostring(wait)} end
local at = now + wait
for i, bucket in ipairs(buckets) do
  local new_tat = math.max(tats[i], at) + bucket[2]
  redis.call('SET', bucket[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000) + 1000)
end
if is_edit then
  redis.call('SET', KEYS[2], '1', 'PX', math.ceil(wait * 1000) + tonumber(ARGV[7]))
end
return {'1', tostring(wait)}
"""

_BLOCK = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
"""


EDIT_MARGIN_S = 0.1
"""Added to the edit interval: edits leave on our clock and land on Telegram's after a
network delay that varies, so spacing them by exactly the interval could land two closer."""


def _key(platform: str, name: str) -> str:
    return f"{keys.PREFIX}messages:{platform}:{name}"


class MessageBudget:
    """One bot's budget (`platform` names it in the keys); async, for the bot and workers."""

    def __init__(
        self,
        redis: Redis,
        *,
        edit_interval_s: float,
        platform: str = "telegram",
        chat_rate: float = CHAT_RATE,
        bot_rate: float = BOT_RATE,
        edit_rate: float = EDIT_RATE,
    ) -> None:
        self.redis = redis
        self.platform = platform
        self.edit_interval_s = edit_interval_s
        self.chat_rate = chat_rate
        self.bot_rate = bot_rate
        self.edit_rate = edit_rate
        self._charge = redis.register_script(_CHARGE)
        self._block = redis.register_script(_BLOCK)

    async def book(self, chat_id: int, kind: MessageKind, within_s: float) -> float:
        """Book one message to `chat_id` in the first slot the budget has, if that slot comes
        within `within_s`; returns the seconds until it (0: send now). Raises
        `OverMessageBudget` with the wait, booking nothing, when the first slot is later."""
        booked, wait = await self._charge(
            keys=[
                _key(self.platform, "blocked-until"),
                _key(self.platform, f"edited:{chat_id}"),
                _key(self.platform, f"chat:{chat_id}"),
                _key(self.platform, "bot"),
                _key(self.platform, "edits"),
            ],
            args=[
                kind.value,
                self.chat_rate,
                CHAT_BURST,
                self.bot_rate,
                self.edit_rate,
                REPLY_BURST,
                max(1, round((self.edit_interval_s + EDIT_MARGIN_S) * 1000)),
                EDIT_BURST,
                max(0.0, within_s),
            ],
        )
        if booked in (b"0", "0"):
            raise OverMessageBudget(float(wait))
        return float(wait)

    async def try_acquire(self, chat_id: int, kind: MessageKind) -> float:
        """Charge one message to `chat_id` if it fits now; else the seconds until it would."""
        try:
            return await self.book(chat_id, kind, within_s=0.0)
        except OverMessageBudget as over:
            return over.wait_s

    async def acquire(self, chat_id: int, kind: MessageKind, patience_s: float) -> None:
        """Book the first slot within `patience_s` and wait for it; raise `OverMessageBudget`
        (booking nothing) when there is none that soon."""
        wait = await self.book(chat_id, kind, within_s=patience_s)
        if wait > 0:
            await asyncio.sleep(wait)

    async def block_for(self, retry_after_s: float) -> None:
        """Record a 429: no message from anyone until `retry_after_s` from now."""
        await self._block(keys=[_key(self.platform, "blocked-until")], args=[retry_after_s])


def discord_budget(redis: Redis, *, edit_interval_s: float) -> MessageBudget:
    """The Discord bot's message budget, the same in the bot and every worker."""
    return MessageBudget(
        redis,
        edit_interval_s=edit_interval_s,
        platform="discord",
        chat_rate=DISCORD_CHAT_RATE,
        bot_rate=DISCORD_BOT_RATE,
        edit_rate=DISCORD_EDIT_RATE,
    )
