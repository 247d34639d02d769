"""The users' side: what Discord's client sends the bot when a user runs a slash command,
presses a button, picks from a select or submits a modal. Each action checks what the user
could really do (the command is synced and allowed there, the button is on a message the
user sees) and becomes an INTERACTION_CREATE payload with a fresh id and token."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from emulators.discord.limits import BUTTON, LINK_STYLE, STRING_SELECT, TEXT_INPUT, walk
from emulators.discord.objects import (
    ATTACHMENT_SIZE_LIMIT,
    BOT_PERMISSIONS,
    authorizing_owners,
    channel_json,
    member_json,
    message_json,
    user_json,
)
from emulators.discord.snowflakes import interaction_token, new_snowflake
from emulators.discord.world import DM, ChannelState, InteractionState, StoredMessage, World

APPLICATION_COMMAND, COMPONENT, MODAL_SUBMIT = 2, 3, 5
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1


def visible(world: World, message: StoredMessage, user_id: int) -> bool:
    """Whether the user sees the message: ephemeral ones only their addressee, DMs only their
    recipient, guild channels everyone (every user is a member of every guild)."""
    if message.deleted:
        return False
    if message.visible_to is not None:
        return message.visible_to == user_id
    channel = world.channels[message.channel_id]
    return channel.kind != DM or channel.recipient_id == user_id


def invoke_command(
    world: World,
    user_id: int,
    name: str,
    options: Mapping[str, Any],
    channel_id: int | None,
    now: float,
) -> InteractionState:
    """``name`` may name a subcommand: ``"course start"``."""
    user = world.add_user(user_id, None)
    channel = _channel_for(world, user_id, channel_id)
    command_name, *path = name.split()
    command = _find_command(world, command_name, channel)
    definitions = command.get("options") or []
    top: list[dict[str, Any]] = []
    into = top
    for part in path:
        group = next(
            (
                o
                for o in definitions
                if o.get("name") == part and o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)
            ),
            None,
        )
        if group is None:
            raise ValueError(f"/{command_name} has no subcommand {part!r}")
        entry: dict[str, Any] = {"name": part, "type": group["type"], "options": []}
        into.append(entry)
        into = entry["options"]
        definitions = group.get("options") or []
    resolved: dict[str, Any] = {}
    into.extend(_option_values(world, definitions, options, resolved))
    data: dict[str, Any] = {
        "id": command["id"],
        "name": command_name,
        "type": command.get("type", 1),
        "options": top,
    }
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return _create(world, APPLICATION_COMMAND, user.id, channel, data, name, now)


def press_button(
    world: World, user_id: int, message_id: int, button: str, now: float, *, strict: bool
) -> InteractionState:
    message = _seen_message(world, user_id, message_id, strict=strict)
    found = _component(message, lambda c: c.get("type") == BUTTON and button in _names(c))
    if found is None:
        if strict:
            raise ValueError(f"no button {button!r} on message {message_id}: {_shown(message)}")
        custom_id = button
    else:
        if strict and found.get("disabled"):
            raise ValueError(f"the button {button!r} is disabled")
        if found.get("style") == LINK_STYLE:
            raise ValueError(f"the button {button!r} is a link: it opens {found.get('url')}")
        custom_id = str(found.get("custom_id"))
    data = {"custom_id": custom_id, "component_type": BUTTON}
    return _component_interaction(world, user_id, message, data, custom_id, now)


def pick_select(
    world: World,
    user_id: int,
    message_id: int,
    values: Sequence[str],
    custom_id: str | None,
    now: float,
    *,
    strict: bool,
) -> InteractionState:
    message = _seen_message(world, user_id, message_id, strict=strict)
    found = _component(
        message,
        lambda c: (
            3 <= int(c.get("type", 0)) <= 8
            and c.get("type") != TEXT_INPUT
            and custom_id in (None, c.get("custom_id"))
        ),
    )
    if found is None and (strict or custom_id is None):
        raise ValueError(f"no select {custom_id or ''!r} on message {message_id}")
    if found is not None and strict:
        _check_choice(found, values)
    chosen_id = custom_id if found is None else str(found.get("custom_id"))
    kind = STRING_SELECT if found is None else int(found["type"])
    data = {"custom_id": chosen_id, "component_type": kind, "values": list(values)}
    return _component_interaction(world, user_id, message, data, str(chosen_id), now)


def submit_modal(
    world: World, user_id: int, values: Mapping[str, str], now: float, *, strict: bool
) -> InteractionState:
    opened = world.open_modals.get(user_id)
    if opened is None:
        raise ValueError(f"user {user_id} has no modal open")
    source = world.interactions[opened[0]]
    modal = opened[1]
    inputs = {
        str(c.get("custom_id")): c for c in walk(modal.get("components")) if c.get("type") == 4
    }
    if strict:
        _check_inputs(inputs, values)
    del world.open_modals[user_id]
    data = {"custom_id": modal.get("custom_id"), "components": _submitted(modal, values)}
    channel = world.channels[source.channel_id]
    interaction = _create(
        world, MODAL_SUBMIT, user_id, channel, data, str(modal.get("custom_id")), now
    )
    if source.message_id is not None and source.message_id in world.messages:
        interaction.message_id = source.message_id
        interaction.payload["message"] = message_json(world.messages[source.message_id], world)
    return interaction


# --------------------------------------------------------------------------- helpers


def _channel_for(world: World, user_id: int, channel_id: int | None) -> ChannelState:
    if channel_id is None:
        return world.dm_channel(world.users[user_id])
    channel = world.channels.get(channel_id)
    if channel is None:
        raise ValueError(f"no channel {channel_id}")
    if channel.kind == DM and channel.recipient_id != user_id:
        raise ValueError(f"channel {channel_id} is another user's DM")
    return channel


def _find_command(world: World, name: str, channel: ChannelState) -> dict[str, Any]:
    scopes: list[int | None] = [channel.guild_id, None] if channel.guild_id else [None]
    for scope in scopes:
        command = world.commands.get(scope, {}).get(name)
        if command is None:
            continue
        contexts = command.get("contexts")
        if channel.kind == DM:
            if contexts is not None and BOT_DM_CONTEXT not in contexts:
                raise ValueError(f"/{name} is not offered in DMs (contexts {contexts})")
            if command.get("dm_permission") is False:
                raise ValueError(f"/{name} is not offered in DMs (dm_permission false)")
        elif contexts is not None and GUILD_CONTEXT not in contexts:
            raise ValueError(f"/{name} is not offered in servers (contexts {contexts})")
        return command
    where = "DMs" if channel.kind == DM else f"guild {channel.guild_id}"
    synced = sorted({n for s in scopes for n in world.commands.get(s, {})})
    raise ValueError(f"no command /{name} synced for {where}; synced: {synced}")


def _option_values(
    world: World,
    definitions: list[dict[str, Any]],
    given: Mapping[str, Any],
    resolved: dict[str, Any],
) -> list[dict[str, Any]]:
    by_name = {str(d.get("name")): d for d in definitions}
    values = []
    for name, value in given.items():
        definition = by_name.get(name)
        if definition is None:
            raise ValueError(f"no option {name!r}; options: {sorted(by_name)}")
        kind = int(definition.get("type", STRING))
        _check_type(name, kind, value)
        choices = definition.get("choices")
        if choices and value not in [choice.get("value") for choice in choices]:
            raise ValueError(f"option {name!r} must be one of {choices}")
        if kind in (USER, MENTIONABLE):
            user = world.add_user(int(value), None)
            resolved.setdefault("users", {})[str(user.id)] = user_json(user)
            value = str(user.id)
        elif kind in (CHANNEL, ROLE):
            value = str(value)
        values.append({"name": name, "type": kind, "value": value})
    missing = [n for n, d in by_name.items() if d.get("required") and n not in given]
    if missing:
        raise ValueError(f"required options missing: {missing}")
    return values


def _check_type(name: str, kind: int, value: Any) -> None:
    ok = {
        STRING: isinstance(value, str),
        INTEGER: isinstance(value, int) and not isinstance(value, bool),
        BOOLEAN: isinstance(value, bool),
        NUMBER: isinstance(value, int | float) and not isinstance(value, bool),
    }.get(kind, isinstance(value, int | str))
    if not ok:
        raise ValueError(f"option {name!r} (type {kind}) cannot take {value!r}")


def _seen_message(world: World, user_id: int, message_id: int, *, strict: bool) -> StoredMessage:
    world.add_user(user_id, None)
    message = world.messages.get(message_id)
    if message is None or message.deleted:
        raise ValueError(f"no message {message_id}")
    if strict and not visible(world, message, user_id):
        raise ValueError(f"user {user_id} cannot see message {message_id}")
    return message


def _names(component: Mapping[str, Any]) -> tuple[Any, ...]:
    return (component.get("label"), component.get("custom_id"))


def _component(message: StoredMessage, wanted: Any) -> dict[str, Any] | None:
    return next((dict(c) for c in walk(message.components) if wanted(c)), None)


def _shown(message: StoredMessage) -> list[tuple[Any, ...]]:
    return [_names(c) for c in walk(message.components) if c.get("type") == BUTTON]


def _check_choice(select: Mapping[str, Any], values: Sequence[str]) -> None:
    if select.get("disabled"):
        raise ValueError(f"the select {select.get('custom_id')!r} is disabled")
    low, high = select.get("min_values", 1), select.get("max_values", 1)
    if not low <= len(values) <= high:
        raise ValueError(f"pick between {low} and {high} values, not {len(values)}")
    if select.get("type") == STRING_SELECT:
        offered = [str(option.get("value")) for option in select.get("options", [])]
        unknown = [value for value in values if value not in offered]
        if unknown:
            raise ValueError(f"values {unknown} are not among the options {offered}")


def _check_inputs(inputs: Mapping[str, Mapping[str, Any]], values: Mapping[str, str]) -> None:
    unknown = sorted(set(values) - set(inputs))
    if unknown:
        raise ValueError(f"the modal has no inputs {unknown}; inputs: {sorted(inputs)}")
    for custom_id, text_input in inputs.items():
        value = values.get(custom_id, "")
        if text_input.get("required", True) and not value:
            raise ValueError(f"the input {custom_id!r} is required")
        low = text_input.get("min_length") or 0
        high = text_input.get("max_length") or 4000
        if value and not low <= len(value) <= high:
            raise ValueError(f"the input {custom_id!r} takes {low} to {high} characters")


def _submitted(modal: Mapping[str, Any], values: Mapping[str, str]) -> list[dict[str, Any]]:
    def answer(component: Mapping[str, Any]) -> dict[str, Any]:
        answered: dict[str, Any] = {
            "type": component.get("type"),
            "custom_id": component.get("custom_id"),
        }
        if "id" in component:
            answered["id"] = component["id"]
        if component.get("type") == TEXT_INPUT:
            answered["value"] = values.get(str(component.get("custom_id")), "")
        else:
            answered["values"] = list(values.get(str(component.get("custom_id")), []))
        return answered

    submitted = []
    for top in modal.get("components") or []:
        if top.get("type") == 1:
            children = [answer(c) for c in top.get("components") or []]
            submitted.append({"type": 1, "components": children})
        elif top.get("type") == 18 and isinstance(top.get("component"), Mapping):
            submitted.append({"type": 18, "component": answer(top["component"])})
    return submitted


def _component_interaction(
    world: World,
    user_id: int,
    message: StoredMessage,
    data: dict[str, Any],
    name: str,
    now: float,
) -> InteractionState:
    channel = world.channels[message.channel_id]
    interaction = _create(world, COMPONENT, user_id, channel, data, name, now)
    interaction.message_id = message.id
    interaction.payload["message"] = message_json(message, world)
    return interaction


def _create(
    world: World,
    kind: int,
    user_id: int,
    channel: ChannelState,
    data: dict[str, Any],
    name: str,
    now: float,
) -> InteractionState:
    user = world.users[user_id]
    interaction_id = new_snowflake()
    token = interaction_token(interaction_id)
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(world.application_id),
        "type": kind,
        "data": copy.deepcopy(data),
        "channel_id": str(channel.id),
        "channel": channel_json(channel, world),
        "token": token,
        "version": 1,
        "locale": "en-US",
        "app_permissions": BOT_PERMISSIONS,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": authorizing_owners(channel.guild_id, user_id),
        "context": GUILD_CONTEXT if channel.guild_id is not None else BOT_DM_CONTEXT,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if channel.guild_id is not None:
        guild = world.guilds[channel.guild_id]
        payload["guild_id"] = str(guild.id)
        payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
        payload["guild_locale"] = "en-US"
        payload["member"] = member_json(user, guild)
    else:
        payload["user"] = user_json(user)
    interaction = InteractionState(
        id=interaction_id,
        token=token,
        kind=kind,
        user_id=user_id,
        channel_id=channel.id,
        guild_id=channel.guild_id,
        name=name,
        created_at=now,
        payload=payload,
    )
    world.interactions[interaction_id] = interaction
    world.tokens[token] = interaction_id
    world.notify()
    return interaction
