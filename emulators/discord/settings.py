"""Tunable behaviour of the Discord stand-in: deadlines, rate limits, latency."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DiscordSettings:
    """Mutable at run time: the stand-in reads these values on every request.

    Deadlines follow Discord's documentation: an interaction must be acknowledged within
    ``ack_deadline_s`` (3 s) of its creation or it fails for the user ("The application did not
    respond") and its callback answers 404 Unknown interaction; its token, used for the webhook
    edits of ``@original`` and follow-ups, lives ``token_ttl_s`` (15 minutes).

    Rate limits are fixed windows, as Discord's buckets are: ``message_limit`` message creates
    per channel in ``message_window_s``, and as many edits, in a bucket of their own; follow-ups
    and ``@original`` edits ``webhook_limit`` per interaction token in ``webhook_window_s``;
    every other bot-token route ``route_limit`` per ``route_window_s``. All bot-token requests
    together are held to ``global_per_s`` in each second (interaction callbacks are exempt, as
    on Discord).
    """

    ack_deadline_s: float = 3.0
    token_ttl_s: float = 15 * 60.0
    rate_limits_enabled: bool = True
    message_limit: int = 5
    message_window_s: float = 5.0
    webhook_limit: int = 5
    webhook_window_s: float = 2.0
    route_limit: int = 50
    route_window_s: float = 1.0
    global_per_s: int = 50
    heartbeat_interval_ms: int = 41_250
    latency_s: float = 0.0

    def problems(self) -> list[str]:
        """Human-readable reasons why these values cannot be served (empty when valid)."""
        checks = [
            (self.ack_deadline_s > 0, "ack_deadline_s must be > 0"),
            (self.token_ttl_s > 0, "token_ttl_s must be > 0"),
            (self.message_limit >= 1, "message_limit must be >= 1"),
            (self.message_window_s > 0, "message_window_s must be > 0"),
            (self.webhook_limit >= 1, "webhook_limit must be >= 1"),
            (self.webhook_window_s > 0, "webhook_window_s must be > 0"),
            (self.route_limit >= 1, "route_limit must be >= 1"),
            (self.route_window_s > 0, "route_window_s must be > 0"),
            (self.global_per_s >= 1, "global_per_s must be >= 1"),
            (self.heartbeat_interval_ms >= 100, "heartbeat_interval_ms must be >= 100"),
            (self.latency_s >= 0, "latency_s must be >= 0"),
        ]
        return [message for ok, message in checks if not ok]
