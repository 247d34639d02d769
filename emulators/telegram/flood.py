"""Telegram's flood limits for outgoing messages, and the record of what they let through.

Counted as outgoing messages: sendMessage, editMessageText and editMessageReplyMarkup (their
handlers call ``spend``). deleteMessage(s), answerCallbackQuery and sendChatAction are exempt:
Telegram documents its limits for messages, and keeping them out means cleanup never fails on
a budget.
Only calls that would otherwise succeed are checked and counted: a call rejected for another
reason (such as "message is not modified") spends nothing.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from typing import NamedTuple

from emulators.telegram.errors import too_many_requests
from emulators.telegram.objects import GROUP_CHAT_TYPES
from emulators.telegram.settings import TelegramSettings

GROUP_WINDOW_S = 60.0
GLOBAL_WINDOW_S = 1.0


class TimelineEntry(NamedTuple):
    """One accepted outgoing message: when (on the emulator's clock), where, which method."""

    t: float
    chat_id: int
    method: str


class Throttle(NamedTuple):
    """One 429 answer the stand-in sent."""

    t: float
    chat_id: int
    method: str
    retry_after: int


class FloodControl:
    """Per-chat token buckets, a sliding minute per group chat and a sliding second per bot.

    Not thread-safe by itself: the caller holds the emulator's lock.
    """

    def __init__(self, settings: TelegramSettings, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}
        self._group_sent: dict[int, deque[float]] = {}
        self._global_sent: deque[float] = deque()
        self.timeline: list[TimelineEntry] = []
        self.throttled: list[Throttle] = []

    def spend(self, chat_id: int, chat_type: str, method: str) -> None:
        """Count one outgoing message, or raise the 429 ApiError Telegram would answer."""
        now = self._clock()
        if self._settings.flood_limits_enabled:
            wait = self._wait_needed(chat_id, chat_type, now)
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                self.throttled.append(Throttle(now, chat_id, method, retry_after))
                raise too_many_requests(retry_after)
        self._consume(chat_id, chat_type, now)
        self.timeline.append(TimelineEntry(now, chat_id, method))

    def _tokens(self, chat_id: int, now: float) -> float:
        settings = self._settings
        tokens, last = self._buckets.get(chat_id, (float(settings.per_chat_burst), now))
        refilled = tokens + max(0.0, now - last) * settings.per_chat_per_s
        return min(float(settings.per_chat_burst), refilled)

    def _wait_needed(self, chat_id: int, chat_type: str, now: float) -> float:
        settings = self._settings
        waits = [(1.0 - self._tokens(chat_id, now)) / settings.per_chat_per_s]
        if chat_type in GROUP_CHAT_TYPES:
            sent = _trim(self._group_sent.get(chat_id, deque()), now - GROUP_WINDOW_S)
            if len(sent) >= settings.group_per_minute:
                waits.append(sent[-settings.group_per_minute] + GROUP_WINDOW_S - now)
        recent = _trim(self._global_sent, now - GLOBAL_WINDOW_S)
        if len(recent) >= settings.global_per_s:
            waits.append(recent[-settings.global_per_s] + GLOBAL_WINDOW_S - now)
        return max(waits)

    def _consume(self, chat_id: int, chat_type: str, now: float) -> None:
        self._buckets[chat_id] = (self._tokens(chat_id, now) - 1.0, now)
        if chat_type in GROUP_CHAT_TYPES:
            self._group_sent.setdefault(chat_id, deque()).append(now)
        self._global_sent.append(now)


def _trim(sent: deque[float], horizon: float) -> deque[float]:
    while sent and sent[0] <= horizon:
        sent.popleft()
    return sent


def peak_per_chat(
    timeline: Iterable[TimelineEntry],
    window_s: float = 1.0,
    methods: Iterable[str] | None = None,
) -> dict[int, int]:
    """The most entries each chat had inside any ``window_s``-long window (optionally only
    those of ``methods``), e.g. peak edits per chat per second."""
    wanted = None if methods is None else frozenset(methods)
    per_chat: dict[int, list[float]] = {}
    for entry in timeline:
        if wanted is None or entry.method in wanted:
            per_chat.setdefault(entry.chat_id, []).append(entry.t)
    peaks: dict[int, int] = {}
    for chat_id, times in per_chat.items():
        times.sort()
        start = best = 0
        for end, t in enumerate(times):
            while t - times[start] >= window_s:
                start += 1
            best = max(best, end - start + 1)
        peaks[chat_id] = best
    return peaks
