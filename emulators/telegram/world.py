"""The server's shared state: chats and their messages, the update queue, the webhook, the
callback queries and bot commands. One lock guards it all; ``changed`` wakes long polls,
the webhook sender and test-side waiters whenever something happens."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from emulators.telegram.errors import bad_request
from emulators.telegram.objects import ChatState, StoredMessage

UPDATE_TYPES_OFF_BY_DEFAULT = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
FIRST_UPDATE_ID = 100_000_001


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class AnsweredCallback:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass
class CallbackQuery:
    query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class World:
    bot: dict[str, Any]
    lock: threading.RLock = field(default_factory=threading.RLock)
    changed: threading.Condition = field(init=False)
    chats: dict[int, ChatState] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = FIRST_UPDATE_ID
    allowed_updates: frozenset[str] | None = None
    webhook: WebhookConfig | None = None
    webhook_deliveries: list[dict[str, Any]] = field(default_factory=list)
    callback_queries: dict[str, CallbackQuery] = field(default_factory=dict)
    next_callback_id: int = 4_000_000_000_001
    answered_callbacks: list[AnsweredCallback] = field(default_factory=list)
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    chat_actions: list[tuple[int, str]] = field(default_factory=list)
    poll_generation: int = 0
    closed: bool = False

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)

    def notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def find_chat(self, chat_id: int) -> ChatState:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def add_message(self, chat: ChatState, **fields: Any) -> StoredMessage:
        message = StoredMessage(
            message_id=chat.next_message_id, chat_id=chat.id, date=int(time.time()), **fields
        )
        if message.text is not None:
            message.history.append(message.text)
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.notify()
        return message

    def accepts(self, update_type: str) -> bool:
        if self.allowed_updates is None:
            return update_type not in UPDATE_TYPES_OFF_BY_DEFAULT
        return update_type in self.allowed_updates

    def set_allowed_updates(self, names: Iterable[str]) -> None:
        """An empty list means Telegram's default set, as the Bot API documents."""
        chosen = frozenset(names)
        self.allowed_updates = chosen or None

    def enqueue(self, update_type: str, payload: dict[str, Any]) -> int | None:
        """Queue an update (a deep copy of ``payload``); None when its type is filtered out."""
        if not self.accepts(update_type):
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, update_type: copy.deepcopy(payload)})
        self.notify()
        return update_id

    def confirm(self, offset: int | None) -> None:
        """getUpdates' ``offset``: forget updates before it; negative keeps the last -offset."""
        if offset is None:
            return
        if offset < 0:
            del self.updates[: max(0, len(self.updates) + offset)]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
