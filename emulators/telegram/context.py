"""What a Bot API method handler gets to work with, and how it may answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from emulators.telegram.errors import bad_request
from emulators.telegram.flood import FloodControl
from emulators.telegram.objects import ChatState
from emulators.telegram.params import Params
from emulators.telegram.settings import TelegramSettings
from emulators.telegram.world import World


@dataclass(frozen=True)
class CallContext:
    world: World
    flood: FloodControl
    settings: TelegramSettings
    method: str

    def chat(self, params: Params) -> ChatState:
        """The chat named by ``chat_id`` (a numeric id; ``@username`` chats do not exist here)."""
        raw = params.require_str("chat_id", "chat_id is empty")
        try:
            chat_id = int(raw)
        except ValueError:
            raise bad_request("chat not found") from None
        return self.world.find_chat(chat_id)


class Described(NamedTuple):
    """A result that Telegram answers with a ``description`` next to it."""

    result: Any
    description: str


Handler = Callable[[CallContext, Params], Any]
