"""REST routes about the bot itself: who it is, its application, the gateway to connect to,
users, and the slash commands it syncs (global and per guild)."""

from __future__ import annotations

import re
from typing import Any

from emulators.discord.call import NO_CONTENT, Call
from emulators.discord.errors import (
    ApiError,
    invalid_form_body,
    unknown_command,
    unknown_guild,
)
from emulators.discord.limits import Problems
from emulators.discord.objects import application_json, bot_self_json, user_json
from emulators.discord.snowflakes import new_snowflake

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
COMMANDS_MAX = 100
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHAT_INPUT = 1


def get_me(call: Call) -> dict[str, Any]:
    return bot_self_json(call.world.bot)


def get_user(call: Call) -> dict[str, Any]:
    return user_json(call.world.user(call.snowflake("user_id")))


def get_application(call: Call) -> dict[str, Any]:
    return application_json(call.world)


def get_gateway(call: Call) -> dict[str, Any]:
    return {"url": call.world.gateway_url}


def get_gateway_bot(call: Call) -> dict[str, Any]:
    return {
        "url": call.world.gateway_url,
        "shards": 1,
        "session_start_limit": {
            "total": 1000,
            "remaining": 999,
            "reset_after": 86_400_000,
            "max_concurrency": 1,
        },
    }


def list_commands(call: Call) -> list[dict[str, Any]]:
    return list(_commands(call).values())


def get_command(call: Call) -> dict[str, Any]:
    return _find_command(call)


def put_commands(call: Call) -> list[dict[str, Any]]:
    """Bulk overwrite: the list replaces every command of the scope; names keep their ids."""
    if not isinstance(call.body, list):
        raise invalid_form_body(
            {"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]}
        )
    problems = Problems()
    if len(call.body) > COMMANDS_MAX:
        problems.too_long([], COMMANDS_MAX)
    names: set[str] = set()
    for index, command in enumerate(call.body):
        _check_command(command, [index], problems)
        if isinstance(command, dict) and command.get("name") in names:
            problems.add(
                [index, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {command['name']}",
            )
        if isinstance(command, dict):
            names.add(str(command.get("name")))
    problems.raise_if_any()
    scope = _scope(call)
    old = call.world.commands.get(scope, {})
    stored = {
        command["name"]: _stored(command, scope, call, old.get(command["name"]))
        for command in call.body
    }
    call.world.commands[scope] = stored
    call.world.notify()
    return list(stored.values())


def post_command(call: Call) -> dict[str, Any]:
    """Create or overwrite one command by name."""
    command = call.json_object()
    problems = Problems()
    _check_command(command, [], problems)
    problems.raise_if_any()
    scope = _scope(call)
    commands = call.world.commands.setdefault(scope, {})
    commands[command["name"]] = _stored(command, scope, call, commands.get(command["name"]))
    call.world.notify()
    return commands[command["name"]]


def delete_command(call: Call) -> object:
    found = _find_command(call)
    del call.world.commands[_scope(call)][found["name"]]
    call.world.notify()
    return NO_CONTENT


def _scope(call: Call) -> int | None:
    if call.snowflake("application_id") != call.world.application_id:
        raise ApiError(403, 50001, "Missing Access")
    if "guild_id" not in call.params:
        return None
    guild_id = call.snowflake("guild_id")
    if guild_id not in call.world.guilds:
        raise unknown_guild()
    return guild_id


def _commands(call: Call) -> dict[str, dict[str, Any]]:
    return call.world.commands.get(_scope(call), {})


def _find_command(call: Call) -> dict[str, Any]:
    wanted = call.params["command_id"]
    for command in _commands(call).values():
        if command["id"] == wanted:
            return command
    raise unknown_command()


def _stored(
    command: dict[str, Any], scope: int | None, call: Call, previous: dict[str, Any] | None
) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "type": CHAT_INPUT,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "dm_permission": True,
        "nsfw": False,
        "contexts": None,
        "integration_types": [0],
        "name_localizations": None,
        "description_localizations": None,
        **command,
        "id": previous["id"] if previous is not None else str(new_snowflake()),
        "application_id": str(call.world.application_id),
        "version": str(new_snowflake()),
    }
    if scope is not None:
        stored["guild_id"] = str(scope)
    return stored


def _check_command(command: Any, path: list[str | int], problems: Problems) -> None:
    if not isinstance(command, dict):
        problems.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
        return
    name = command.get("name")
    if not isinstance(name, str) or not COMMAND_NAME.match(name):
        problems.add(
            [*path, "name"],
            "APPLICATION_COMMAND_INVALID_NAME",
            f"Command name is invalid: {name!r}",
        )
    kind = command.get("type", CHAT_INPUT)
    description = command.get("description", "")
    if kind == CHAT_INPUT:
        if not isinstance(name, str) or name != name.lower():
            problems.add(
                [*path, "name"],
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name must be lower case",
            )
        if not isinstance(description, str) or not 1 <= len(description) <= DESCRIPTION_MAX:
            problems.bad_length([*path, "description"], 1, DESCRIPTION_MAX)
    options = command.get("options") or []
    if len(options) > OPTIONS_MAX:
        problems.too_long([*path, "options"], OPTIONS_MAX)
