"""Where the conversation happens and where its messages live, on any chat platform.

`ChatTarget` is the typed address of a chat (or channel) and, once posted, of one message in
it: what a run record keeps so that workers can edit the run's progress message. `ChatLimits`
is what an adapter tells the conversation about its platform (button data size, buttons per
message, how a student deletes a message), so the rules can stay platform-neutral.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class Platform(StrEnum):
    TELEGRAM = "telegram"
    DISCORD = "discord"


@dataclass(frozen=True)
class ChatTarget:
    """A chat or channel on `platform`, and one message in it when `message_id` is set."""

    platform: Platform
    chat_id: str
    message_id: str = ""

    def at(self, message_id: str | int) -> ChatTarget:
        """The same chat, pointing at message `message_id`."""
        return replace(self, message_id=str(message_id))

    @property
    def has_message(self) -> bool:
        return bool(self.message_id)

    def to_json(self) -> dict[str, str]:
        return {"platform": self.platform.value, "chat": self.chat_id, "message": self.message_id}

    @classmethod
    def from_json(cls, data: Any) -> ChatTarget | None:
        """A target read back from Redis or job arguments; None for anything malformed."""
        if not isinstance(data, dict):
            return None
        try:
            platform = Platform(data.get("platform"))
        except ValueError:
            return None
        chat, message = data.get("chat"), data.get("message", "")
        if not isinstance(chat, str) or not chat or not isinstance(message, str):
            return None
        return cls(platform, chat, message)


@dataclass(frozen=True)
class ChatLimits:
    """A platform's limits that shape what the conversation shows."""

    button_data_bytes: int
    """Largest button payload the platform carries back."""
    buttons_per_message: int
    """Most course buttons one picker message may hold (longer lists are paged)."""
    delete_hint: str
    """How the student deletes one of their own messages, e.g. "long-press it, Delete"."""
