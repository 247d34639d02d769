"""The students' side of Telegram: what their app sends when they type, send a sticker or a
photo, or press an inline button. Each action becomes a message in the chat and an update
for the bot, exactly as Telegram would deliver it."""

from __future__ import annotations

import copy
import itertools
import re
import zlib
from dataclasses import dataclass
from typing import Any

from emulators.telegram.formatting import utf16_len
from emulators.telegram.keyboards import buttons
from emulators.telegram.objects import ChatState, chat_json, message_json, user_json
from emulators.telegram.world import CallbackQuery, World

_FILE_NUMBERS = itertools.count(1)
BOT_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")


@dataclass(frozen=True)
class Sender:
    """Who acts, and in which chat (``chat_id`` None: the user's private chat)."""

    user_id: int
    first_name: str = "Student"
    chat_id: int | None = None
    chat_type: str = "private"
    last_name: str | None = None
    username: str | None = None
    chat_title: str | None = None


def send_message(
    world: World,
    sender: Sender,
    kind: str,
    text: str | None = None,
    media: dict[str, Any] | None = None,
    reply_to_message_id: int | None = None,
) -> dict[str, Any]:
    """Post the user's message into the chat and queue it for the bot; returns the Message."""
    with world.lock:
        chat = _open_chat(world, sender)
        chat.blocked = False
        reply_to = None
        if reply_to_message_id is not None:
            reply_to = chat.live(reply_to_message_id)
            if reply_to is None:
                raise ValueError(f"message {reply_to_message_id} is not in chat {chat.id}")
        message = world.add_message(
            chat,
            sender=world.users[sender.user_id],
            from_bot=False,
            kind=kind,
            text=text,
            entities=command_entities(text) if kind == "text" and text else [],
            media=media or {},
            reply_to=reply_to,
        )
        payload = message_json(message, chat)
        world.enqueue("message", payload)
        return copy.deepcopy(payload)


def press_button(world: World, user_id: int, chat_id: int, message_id: int, data: str) -> str:
    """Press the inline button carrying ``data``; returns the callback query's id.

    Raises ValueError when the user could not press it: unknown chat, deleted message, or no
    such button on the message as it is now.
    """
    with world.lock:
        chat = world.chats.get(chat_id)
        message = chat.live(message_id) if chat is not None else None
        if chat is None or message is None:
            raise ValueError(f"message {message_id} is not visible in chat {chat_id}")
        shown = buttons(message.reply_markup)
        if not any(data == button_data for row in shown for _, button_data in row):
            raise ValueError(f"message {message_id} has no button with data {data!r}: {shown}")
        query_id = str(world.next_callback_id)
        world.next_callback_id += 1
        world.callback_queries[query_id] = CallbackQuery(
            query_id, user_id, chat_id, message_id, data
        )
        world.enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": world.users.get(user_id) or user_json(user_id, "Student"),
                "message": message_json(message, chat),
                "chat_instance": chat_instance(chat_id),
                "data": data,
            },
        )
        return query_id


def command_entities(text: str) -> list[dict[str, Any]]:
    """Telegram marks every ``/command`` (optionally ``@botname``) standing as its own word."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in BOT_COMMAND.finditer(text)
    ]


def chat_instance(chat_id: int) -> str:
    """A stable opaque id for the chat, like the one Telegram puts in callback queries."""
    return str(zlib.crc32(f"chat-instance:{chat_id}".encode()) * 1_000_003)


def sticker_media(emoji: str) -> dict[str, Any]:
    number = next(_FILE_NUMBERS)
    return {
        "sticker": {
            "file_id": f"CAACAgIAAxk-emu-sticker-{number}",
            "file_unique_id": f"AgAD-emu-{number}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
    }


def photo_media() -> dict[str, Any]:
    number = next(_FILE_NUMBERS)
    sizes = [(90, 90, 1_500), (320, 320, 20_000), (800, 800, 90_000)]
    return {
        "photo": [
            {
                "file_id": f"AgACAgIAAxk-emu-photo-{number}-{width}",
                "file_unique_id": f"AQAD-emu-{number}-{width}",
                "width": width,
                "height": height,
                "file_size": size,
            }
            for width, height, size in sizes
        ]
    }


def _open_chat(world: World, sender: Sender) -> ChatState:
    user = user_json(sender.user_id, sender.first_name, sender.last_name, sender.username)
    world.users[sender.user_id] = user
    chat_id = _chat_id(sender)
    chat = world.chats.get(chat_id)
    if chat is None:
        info = chat_json(chat_id, sender.chat_type, user, sender.chat_title)
        chat = world.chats[chat_id] = ChatState(info)
    elif chat.type != sender.chat_type:
        raise ValueError(f"chat {chat_id} is a {chat.type} chat, not {sender.chat_type}")
    elif chat.type == "private":
        chat.info = chat_json(chat_id, "private", user, None)
    return chat


def _chat_id(sender: Sender) -> int:
    if sender.chat_type == "private":
        if sender.chat_id not in (None, sender.user_id):
            raise ValueError("a private chat's id is the user's id")
        return sender.user_id
    if sender.chat_id is None or sender.chat_id >= 0:
        raise ValueError(f"a {sender.chat_type} chat needs a negative chat_id")
    return sender.chat_id
