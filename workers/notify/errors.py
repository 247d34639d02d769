"""What a chat platform's refusal means to the workers, whatever the platform.

Each sender maps its platform's statuses to these, and nothing else does:

    SendRefused            the platform refused the call (`description` is its own words)
    ├── MessageGone        the message to edit no longer exists (the student deleted it)
    ├── ChatClosed         the bot may not write to this chat any more (blocked, DMs closed)
    └── Throttled          rate limited: nobody may send for `retry_after` seconds
"""

from __future__ import annotations


class SendRefused(Exception):
    """A chat platform refused a call; `description` is the platform's."""

    def __init__(self, description: str, code: int = 0) -> None:
        super().__init__(description)
        self.description = description
        self.code = code


class MessageGone(SendRefused):
    """The message to edit no longer exists."""


class ChatClosed(SendRefused):
    """The bot may no longer write to this chat."""


class Throttled(SendRefused):
    """The platform answered 429: wait `retry_after` seconds."""

    def __init__(self, description: str, retry_after: float) -> None:
        super().__init__(description, 429)
        self.retry_after = retry_after
