"""Tunable behaviour of the Telegram Bot API stand-in: flood limits, latency, long polling."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TelegramSettings:
    """Mutable at run time: the stand-in reads these values on every request.

    Flood limits follow Telegram's published guidance. Per chat, a token bucket holding
    ``per_chat_burst`` messages refills at ``per_chat_per_s``: a short burst passes, 1 message
    a second on average is what is enforced. Group chats (type group, supergroup, channel) are
    also held to ``group_per_minute`` in any sliding 60 s window, and the whole bot to
    ``global_per_s`` in any sliding 1 s window.
    """

    flood_limits_enabled: bool = True
    per_chat_per_s: float = 1.0
    per_chat_burst: int = 3
    group_per_minute: int = 20
    global_per_s: int = 30
    latency_s: float = 0.0
    long_poll_max_s: float = 50.0
    webhook_retry_s: float = 0.5
    webhook_timeout_s: float = 10.0

    def problems(self) -> list[str]:
        """Human-readable reasons why these values cannot be served (empty when valid)."""
        checks = [
            (self.per_chat_per_s > 0, "per_chat_per_s must be > 0"),
            (self.per_chat_burst >= 1, "per_chat_burst must be >= 1"),
            (self.group_per_minute >= 1, "group_per_minute must be >= 1"),
            (self.global_per_s >= 1, "global_per_s must be >= 1"),
            (self.latency_s >= 0, "latency_s must be >= 0"),
            (self.long_poll_max_s >= 0, "long_poll_max_s must be >= 0"),
            (self.webhook_retry_s > 0, "webhook_retry_s must be > 0"),
            (self.webhook_timeout_s > 0, "webhook_timeout_s must be > 0"),
        ]
        return [message for ok, message in checks if not ok]
