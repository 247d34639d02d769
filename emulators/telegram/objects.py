"""The emulated world's records (chats, messages) and the Bot API objects built from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulators.telegram.keyboards import Button, buttons

GROUP_CHAT_TYPES = frozenset({"group", "supergroup", "channel"})
CHAT_TYPES = GROUP_CHAT_TYPES | {"private"}


@dataclass
class StoredMessage:
    """One message as the server holds it; ``reply_markup`` is only ever an inline keyboard."""

    message_id: int
    chat_id: int
    sender: dict[str, Any]
    from_bot: bool
    date: int
    kind: str
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    media: dict[str, Any] = field(default_factory=dict)
    reply_to: StoredMessage | None = None
    deleted: bool = False
    edit_date: int | None = None
    edit_count: int = 0
    history: list[str] = field(default_factory=list)


@dataclass
class ChatState:
    info: dict[str, Any]
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    can_delete: bool = True
    blocked: bool = False
    keyboard: dict[str, Any] | None = None

    @property
    def id(self) -> int:
        return int(self.info["id"])

    @property
    def type(self) -> str:
        return str(self.info["type"])

    def live(self, message_id: int) -> StoredMessage | None:
        """The message if it exists and was not deleted."""
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message


@dataclass(frozen=True)
class ChatMessage:
    """What the user sees of one message right now (a snapshot, safe to keep)."""

    message_id: int
    from_bot: bool
    kind: str
    text: str | None
    buttons: list[list[Button]]
    deleted: bool
    edit_count: int
    history: list[str]
    date: int
    entities: list[dict[str, Any]]
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    reply_to_message_id: int | None

    def callback_data(self, label: str) -> str:
        """The callback_data of the button showing ``label``; KeyError when there is none."""
        for row in self.buttons:
            for text, data in row:
                if text == label and data is not None:
                    return data
        raise KeyError(f"no callback button {label!r} on message {self.message_id}")


def user_json(
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "en",
) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def bot_json(bot_id: int, first_name: str, username: str) -> dict[str, Any]:
    return {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username}


def me_json(bot: dict[str, Any]) -> dict[str, Any]:
    """getMe's answer: the bot's User object with the capability flags only getMe carries."""
    return {
        **bot,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def chat_json(
    chat_id: int, chat_type: str, user: dict[str, Any], title: str | None
) -> dict[str, Any]:
    if chat_type not in CHAT_TYPES:
        raise ValueError(f"chat_type must be one of {sorted(CHAT_TYPES)}, not {chat_type!r}")
    if chat_type == "private":
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        for name in ("last_name", "username"):
            if name in user:
                chat[name] = user[name]
        return chat
    return {"id": chat_id, "type": chat_type, "title": title or f"Chat {chat_id}"}


def message_json(
    message: StoredMessage, chat: ChatState, with_reply: bool = True
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": message.message_id,
        "from": message.sender,
        "chat": chat.info,
        "date": message.date,
    }
    if message.edit_date is not None:
        body["edit_date"] = message.edit_date
    reply = message.reply_to
    if with_reply and reply is not None and not reply.deleted:
        body["reply_to_message"] = message_json(reply, chat, with_reply=False)
    if message.kind == "text":
        body["text"] = message.text
        if message.entities:
            body["entities"] = message.entities
    else:
        body.update(message.media)
        if message.text is not None:
            body["caption"] = message.text
            if message.entities:
                body["caption_entities"] = message.entities
    if message.reply_markup is not None:
        body["reply_markup"] = message.reply_markup
    return body


def snapshot(message: StoredMessage) -> ChatMessage:
    return ChatMessage(
        message_id=message.message_id,
        from_bot=message.from_bot,
        kind=message.kind,
        text=message.text,
        buttons=buttons(message.reply_markup),
        deleted=message.deleted,
        edit_count=message.edit_count,
        history=list(message.history),
        date=message.date,
        entities=[dict(entity) for entity in message.entities],
        parse_mode=message.parse_mode,
        reply_markup=message.reply_markup,
        reply_to_message_id=None if message.reply_to is None else message.reply_to.message_id,
    )
