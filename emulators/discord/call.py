"""One REST call as route handlers see it: the world, the path parameters, the query and the
JSON body, with Discord's answers to malformed ids and bodies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from emulators.discord.errors import field_error, invalid_form_body, not_json
from emulators.discord.settings import DiscordSettings
from emulators.discord.world import World


class NoContent:
    """A handler's answer when Discord says 204 No Content."""


NO_CONTENT = NoContent()


@dataclass
class Call:
    world: World
    settings: DiscordSettings
    now: float
    params: dict[str, str]
    query: Mapping[str, str]
    body: Any

    def snowflake(self, name: str) -> int:
        value = self.params[name]
        if not value.isdigit():
            raise invalid_form_body(
                field_error([name], "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')
            )
        return int(value)

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise not_json()
        return self.body

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")


Handler = Callable[[Call], Any]
