"""REST routes for channels and their messages with the bot token: opening a DM, sending,
reading, editing and deleting messages. A user who closed their DMs cannot be sent to
(403, 50007), as on Discord."""

from __future__ import annotations

from typing import Any

from emulators.discord.call import NO_CONTENT, Call
from emulators.discord.errors import (
    cannot_act_in_dm,
    cannot_edit_others_message,
    cannot_message_user,
    invalid_recipients,
    unknown_message,
)
from emulators.discord.limits import (
    COMPONENTS_V2,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    check_message,
)
from emulators.discord.objects import channel_json, message_json
from emulators.discord.world import DM, ChannelState

CHANNEL_MESSAGE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | COMPONENTS_V2
DEFAULT_PAGE = 50
REPLY = 19


def open_dm(call: Call) -> dict[str, Any]:
    body = call.json_object()
    recipient = str(body.get("recipient_id", ""))
    user = call.world.users.get(int(recipient)) if recipient.isdigit() else None
    if user is None or user.bot:
        raise invalid_recipients()
    return channel_json(call.world.dm_channel(user), call.world)


def get_channel(call: Call) -> dict[str, Any]:
    return channel_json(call.world.channel(call.snowflake("channel_id")), call.world)


def trigger_typing(call: Call) -> object:
    call.world.channel(call.snowflake("channel_id"))
    return NO_CONTENT


def create_message(call: Call) -> dict[str, Any]:
    channel = call.world.channel(call.snowflake("channel_id"))
    _check_can_send(channel, call)
    body = call.json_object()
    check_message(body, creating=True)
    body = {**body, "flags": int(body.get("flags") or 0) & CHANNEL_MESSAGE_FLAGS}
    kind = REPLY if body.get("message_reference") else 0
    message = call.world.add_message(channel, call.world.bot.id, body, call.now, message_type=kind)
    return message_json(message, call.world)


def list_messages(call: Call) -> list[dict[str, Any]]:
    channel = call.world.channel(call.snowflake("channel_id"))
    limit = min(max(int(call.query.get("limit", DEFAULT_PAGE) or DEFAULT_PAGE), 1), 100)
    shown = [
        m
        for m in call.world.messages.values()
        if m.channel_id == channel.id and not m.deleted and m.visible_to is None
    ]
    return [message_json(m, call.world) for m in reversed(shown[-limit:])]


def get_message(call: Call) -> dict[str, Any]:
    message = call.world.message(call.snowflake("channel_id"), call.snowflake("message_id"))
    if message.visible_to is not None:
        raise unknown_message()  # ephemeral messages are not reachable through the channel
    return message_json(message, call.world)


def edit_message(call: Call) -> dict[str, Any]:
    message = call.world.message(call.snowflake("channel_id"), call.snowflake("message_id"))
    if message.author_id != call.world.bot.id:
        raise cannot_edit_others_message()
    body = call.json_object()
    check_message(body, creating=False)
    call.world.edit_message(message, body, call.now)
    return message_json(message, call.world)


def delete_message(call: Call) -> object:
    message = call.world.message(call.snowflake("channel_id"), call.snowflake("message_id"))
    channel = call.world.channel(message.channel_id)
    if message.author_id != call.world.bot.id and channel.kind == DM:
        raise cannot_act_in_dm()
    message.deleted = True
    call.world.notify()
    return NO_CONTENT


def _check_can_send(channel: ChannelState, call: Call) -> None:
    if channel.kind != DM or channel.recipient_id is None:
        return
    if not call.world.users[channel.recipient_id].dms_open:
        raise cannot_message_user()
