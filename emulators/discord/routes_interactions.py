"""Interaction callbacks and the interaction webhook: the first answer to an interaction
(within the acknowledgement deadline, once), then edits of ``@original`` and follow-ups with
the interaction token (until it expires)."""

from __future__ import annotations

from typing import Any

from emulators.discord.call import NO_CONTENT, Call
from emulators.discord.errors import (
    already_acknowledged,
    invalid_webhook_token,
    unknown_interaction,
    unknown_message,
    unknown_webhook,
)
from emulators.discord.limits import (
    COMPONENTS_V2,
    EPHEMERAL,
    LOADING,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    check_message,
    check_modal,
    raise_invalid,
)
from emulators.discord.objects import message_json
from emulators.discord.world import InteractionState, StoredMessage, World

PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, MODAL = 1, 4, 5, 6, 7, 9
APPLICATION_COMMAND, COMPONENT, MODAL_SUBMIT = 2, 3, 5
CHAT_INPUT_COMMAND = 20
RESPONSE_FLAGS = EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | COMPONENTS_V2


def expire_unacknowledged(interaction: InteractionState, now: float, deadline_s: float) -> bool:
    """Mark the interaction failed when its deadline passed unanswered; True when it failed."""
    unanswered = interaction.response_type is None and interaction.failure is None
    if unanswered and now - interaction.created_at > deadline_s:
        interaction.failure = f"not acknowledged within {deadline_s:g} s"
    return interaction.failure is not None


def callback(call: Call) -> object:
    world = call.world
    interaction = world.interactions.get(call.snowflake("interaction_id"))
    if interaction is None or interaction.token != call.params["token"]:
        raise unknown_interaction()
    if interaction.response_type is not None:
        raise already_acknowledged()
    if expire_unacknowledged(interaction, call.now, call.settings.ack_deadline_s):
        world.notify()
        raise unknown_interaction()
    body = call.json_object()
    kind = body.get("type")
    data = body.get("data")
    if kind == MESSAGE:
        data = _message_data(data)
        check_message(data, creating=True)
        _respond_with_message(world, interaction, data, call.now)
    elif kind == DEFERRED_MESSAGE:
        flags = int((data or {}).get("flags") or 0) & EPHEMERAL
        _respond_with_message(world, interaction, {"flags": flags | LOADING}, call.now)
    elif kind in (DEFERRED_UPDATE, UPDATE_MESSAGE) and interaction.message_id is not None:
        interaction.original_message_id = interaction.message_id
        if kind == UPDATE_MESSAGE:
            data = _message_data(data)
            check_message(data, creating=False)
            world.edit_message(world.messages[interaction.message_id], data, call.now)
    elif kind == MODAL and interaction.kind in (APPLICATION_COMMAND, COMPONENT):
        check_modal(data)
        world.open_modals[interaction.user_id] = (interaction.id, dict(data))
    else:
        raise raise_invalid(
            ["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type"
        )
    interaction.response_type = kind
    interaction.acked_at = call.now
    world.notify()
    if not call.flag("with_response"):
        return NO_CONTENT
    return _callback_response(world, interaction)


def execute(call: Call) -> object:
    """A follow-up message; the first after a deferred answer fills in the loading message."""
    world = call.world
    interaction = _webhook_interaction(call)
    if interaction.response_type is None or interaction.response_type == MODAL:
        raise unknown_webhook()
    body = call.json_object()
    check_message(body, creating=True)
    original = _original(world, interaction)
    if original is not None and original.flags & LOADING:
        message = original
        world.edit_message(message, {**body, "flags": message.flags & ~LOADING}, call.now)
        message.edit_times.clear()
        message.edited_timestamp = None
    else:
        flags = int(body.get("flags") or 0) & RESPONSE_FLAGS
        channel = world.channel(interaction.channel_id)
        message = world.add_message(
            channel,
            world.bot.id,
            {**body, "flags": flags},
            call.now,
            visible_to=interaction.user_id if flags & EPHEMERAL else None,
            interaction_id=interaction.id,
            webhook_id=world.application_id,
        )
        interaction.followup_ids.append(message.id)
    world.notify()
    return message_json(message, world) if call.flag("wait") else NO_CONTENT


def get_webhook_message(call: Call) -> dict[str, Any]:
    return message_json(_webhook_message(call), call.world)


def edit_webhook_message(call: Call) -> dict[str, Any]:
    message = _webhook_message(call)
    body = call.json_object()
    check_message(body, creating=False)
    if "flags" in body:
        body = {**body, "flags": int(body["flags"] or 0) & ~EPHEMERAL}
    call.world.edit_message(message, body, call.now)
    message.flags &= ~LOADING
    return message_json(message, call.world)


def delete_webhook_message(call: Call) -> object:
    message = _webhook_message(call)
    message.deleted = True
    call.world.notify()
    return NO_CONTENT


def _message_data(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise raise_invalid(["data"], "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
    return data


def _respond_with_message(
    world: World, interaction: InteractionState, data: dict[str, Any], now: float
) -> None:
    flags = int(data.get("flags") or 0) & (RESPONSE_FLAGS | LOADING)
    channel = world.channel(interaction.channel_id)
    message = world.add_message(
        channel,
        world.bot.id,
        {**data, "flags": flags},
        now,
        message_type=CHAT_INPUT_COMMAND if interaction.kind == APPLICATION_COMMAND else 0,
        visible_to=interaction.user_id if flags & EPHEMERAL else None,
        interaction_id=interaction.id,
        webhook_id=world.application_id,
    )
    interaction.original_message_id = message.id


def _callback_response(world: World, interaction: InteractionState) -> dict[str, Any]:
    original = _original(world, interaction)
    created = interaction.response_type in (MESSAGE, DEFERRED_MESSAGE, UPDATE_MESSAGE)
    answer: dict[str, Any] = {
        "interaction": {
            "id": str(interaction.id),
            "type": interaction.kind,
            "response_message_id": str(original.id) if created and original else None,
            "response_message_loading": interaction.response_type == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(
                created and original is not None and original.flags & EPHEMERAL
            ),
        }
    }
    if created and original is not None:
        answer["resource"] = {
            "type": interaction.response_type,
            "message": message_json(original, world),
        }
    return answer


def _original(world: World, interaction: InteractionState) -> StoredMessage | None:
    if interaction.original_message_id is None:
        return None
    return world.messages.get(interaction.original_message_id)


def _webhook_interaction(call: Call) -> InteractionState:
    world = call.world
    interaction_id = world.tokens.get(call.params["token"])
    if call.params["application_id"] != str(world.application_id) or interaction_id is None:
        raise unknown_webhook()
    interaction = world.interactions[interaction_id]
    if call.now - interaction.created_at > call.settings.token_ttl_s:
        raise invalid_webhook_token()
    return interaction


def _webhook_message(call: Call) -> StoredMessage:
    world = call.world
    interaction = _webhook_interaction(call)
    wanted = call.params["message_id"]
    if wanted == "@original":
        if interaction.response_type is None:
            raise unknown_webhook()
        message = _original(world, interaction)
    elif wanted.isdigit() and (
        int(wanted) in interaction.followup_ids or int(wanted) == interaction.original_message_id
    ):
        message = world.messages.get(int(wanted))
    else:
        message = None
    if message is None or message.deleted:
        raise unknown_message()
    return message
