"""Bot API methods about the bot itself: identity, command menu, session."""

from __future__ import annotations

import json
import re
from typing import Any

from emulators.telegram.context import CallContext, Handler
from emulators.telegram.errors import bad_request
from emulators.telegram.objects import me_json
from emulators.telegram.params import Params

COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
MAX_DESCRIPTION = 256
MAX_COMMANDS = 100
DEFAULT_SCOPE = {"type": "default"}


def get_me(ctx: CallContext, params: Params) -> dict[str, Any]:
    return me_json(ctx.world.bot)


def set_my_commands(ctx: CallContext, params: Params) -> bool:
    commands = params.get_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands specified")
    checked = [_command(entry) for entry in commands]
    key = commands_key(params.get_json("scope"), params.get_str("language_code"))
    ctx.world.commands[key] = checked
    return True


def get_my_commands(ctx: CallContext, params: Params) -> list[dict[str, str]]:
    key = commands_key(params.get_json("scope"), params.get_str("language_code"))
    return [dict(entry) for entry in ctx.world.commands.get(key, [])]


def delete_my_commands(ctx: CallContext, params: Params) -> bool:
    key = commands_key(params.get_json("scope"), params.get_str("language_code"))
    ctx.world.commands.pop(key, None)
    return True


def close(ctx: CallContext, params: Params) -> bool:
    return True


def log_out(ctx: CallContext, params: Params) -> bool:
    return True


def commands_key(scope: Any, language_code: str | None) -> tuple[str, str]:
    """Command lists are kept per (scope, language code), as Telegram keeps them."""
    chosen = scope if isinstance(scope, dict) else DEFAULT_SCOPE
    return json.dumps(chosen, sort_keys=True), language_code or ""


def _command(entry: Any) -> dict[str, str]:
    if not isinstance(entry, dict):
        raise bad_request("can't parse BotCommand JSON object")
    name, description = entry.get("command"), entry.get("description")
    if not isinstance(name, str) or not COMMAND_NAME.fullmatch(name):
        raise bad_request("BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not 1 <= len(description) <= MAX_DESCRIPTION:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return {"command": name, "description": description}


BOT_METHODS: dict[str, Handler] = {
    "getMe": get_me,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "close": close,
    "logOut": log_out,
}
