"""Bot API methods that write to chats: sending, editing, deleting, chat actions, and the
answers to button presses."""

from __future__ import annotations

import time
from typing import Any

from emulators.telegram.context import CallContext, Handler
from emulators.telegram.errors import bad_request, forbidden
from emulators.telegram.formatting import MAX_TEXT_LENGTH, FormattedText, format_text, utf16_len
from emulators.telegram.keyboards import inline_only, parse_reply_markup
from emulators.telegram.objects import ChatState, StoredMessage, message_json
from emulators.telegram.params import Params
from emulators.telegram.world import AnsweredCallback

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
MAX_DELETE_BATCH = 100


def send_message(ctx: CallContext, params: Params) -> dict[str, Any]:
    chat = ctx.chat(params)
    if chat.blocked:
        raise forbidden("bot was blocked by the user")
    formatted = _formatted(params)
    markup = _markup(params)
    reply_to = _reply_target(chat, params)
    ctx.flood.spend(chat.id, chat.type, ctx.method)
    if markup is not None and inline_only(markup) is None:
        chat.keyboard = None if markup.get("remove_keyboard") else markup
    message = ctx.world.add_message(
        chat,
        sender=ctx.world.bot,
        from_bot=True,
        kind="text",
        text=formatted.text,
        entities=formatted.entities,
        parse_mode=params.get_str("parse_mode"),
        reply_markup=inline_only(markup),
        reply_to=reply_to,
    )
    return message_json(message, chat)


def edit_message_text(ctx: CallContext, params: Params) -> dict[str, Any]:
    chat, message = _editable(ctx, params)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    formatted = _formatted(params)
    markup = _inline_markup(params)
    if (formatted.text, formatted.entities, markup) == (
        message.text,
        message.entities,
        message.reply_markup,
    ):
        raise bad_request(NOT_MODIFIED)
    ctx.flood.spend(chat.id, chat.type, ctx.method)
    message.text = formatted.text
    message.entities = formatted.entities
    message.parse_mode = params.get_str("parse_mode")
    message.history.append(formatted.text)
    return _edited(ctx, chat, message, markup)


def edit_message_reply_markup(ctx: CallContext, params: Params) -> dict[str, Any]:
    chat, message = _editable(ctx, params)
    markup = _inline_markup(params)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    ctx.flood.spend(chat.id, chat.type, ctx.method)
    return _edited(ctx, chat, message, markup)


def delete_message(ctx: CallContext, params: Params) -> bool:
    chat = ctx.chat(params)
    message_id = params.require_int("message_id", "message identifier is not specified")
    message = chat.live(message_id)
    if message is None:
        raise bad_request("message to delete not found")
    if not _deletable(chat, message):
        raise bad_request("message can't be deleted")
    message.deleted = True
    ctx.world.notify()
    return True


def delete_messages(ctx: CallContext, params: Params) -> bool:
    chat = ctx.chat(params)
    ids = params.get_json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_DELETE_BATCH:
        raise bad_request("message_ids must be a list of 1 to 100 message identifiers")
    found = [m for m in (chat.live(i) for i in ids if isinstance(i, int)) if m is not None]
    if not found:
        raise bad_request("message to delete not found")
    deletable = [m for m in found if _deletable(chat, m)]
    for message in deletable:
        message.deleted = True
    ctx.world.notify()
    return True


def send_chat_action(ctx: CallContext, params: Params) -> bool:
    chat = ctx.chat(params)
    if chat.blocked:
        raise forbidden("bot was blocked by the user")
    action = params.require_str("action", "wrong parameter action in request")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    ctx.world.chat_actions.append((chat.id, action))
    ctx.world.notify()
    return True


def answer_callback_query(ctx: CallContext, params: Params) -> bool:
    query_id = params.require_str("callback_query_id", QUERY_INVALID)
    query = ctx.world.callback_queries.get(query_id)
    if query is None or query.answered:
        raise bad_request(QUERY_INVALID)
    query.answered = True
    ctx.world.answered_callbacks.append(
        AnsweredCallback(
            callback_query_id=query_id,
            text=params.get_str("text"),
            show_alert=params.get_bool("show_alert"),
            url=params.get_str("url"),
            cache_time=params.get_int("cache_time") or 0,
        )
    )
    ctx.world.notify()
    return True


def _formatted(params: Params) -> FormattedText:
    text = params.require_str("text", "message text is empty")
    formatted = format_text(text, params.get_str("parse_mode"), params.get_json("entities"))
    if not formatted.text:
        raise bad_request("message text is empty")
    if utf16_len(formatted.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return formatted


def _markup(params: Params) -> dict[str, Any] | None:
    raw = params.get_json("reply_markup", "can't parse reply keyboard markup JSON object")
    return parse_reply_markup(raw)


def _inline_markup(params: Params) -> dict[str, Any] | None:
    markup = _markup(params)
    if markup is not None and inline_only(markup) is None:
        raise bad_request("inline keyboard expected")
    return markup


def _reply_target(chat: ChatState, params: Params) -> StoredMessage | None:
    reply = params.get_json("reply_parameters")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        lenient = bool(reply.get("allow_sending_without_reply"))
    else:
        message_id = params.get_int("reply_to_message_id")
        lenient = params.get_bool("allow_sending_without_reply")
    if message_id is None:
        return None
    target = chat.live(int(message_id))
    if target is None and not lenient:
        raise bad_request("message to be replied not found")
    return target


def _editable(ctx: CallContext, params: Params) -> tuple[ChatState, StoredMessage]:
    if not params.has("chat_id") and params.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the emulator")
    chat = ctx.chat(params)
    if chat.blocked:
        raise forbidden("bot was blocked by the user")
    message_id = params.require_int("message_id", "message identifier is not specified")
    message = chat.live(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _edited(
    ctx: CallContext, chat: ChatState, message: StoredMessage, markup: dict[str, Any] | None
) -> dict[str, Any]:
    message.reply_markup = markup
    message.edit_date = int(time.time())
    message.edit_count += 1
    ctx.world.notify()
    return message_json(message, chat)


def _deletable(chat: ChatState, message: StoredMessage) -> bool:
    """Bots delete their own messages, and incoming ones only in private chats (they are not
    group admins here); ``can_delete`` turns deleting off for the whole chat."""
    return chat.can_delete and (message.from_bot or chat.type == "private")


MESSAGE_METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "sendChatAction": send_chat_action,
    "answerCallbackQuery": answer_callback_query,
}
