"""The REST route table: each route's method and path template (as Discord documents them),
its handler, whether it needs the bot token, and the rate-limit bucket it spends."""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulators.discord import routes_app, routes_interactions, routes_messages
from emulators.discord.call import Handler
from emulators.discord.ratelimit import BucketRule


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    bot_token: bool = True
    bucket: BucketRule | None = None
    global_limited: bool = True

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


def _bucket(name: str, major: str = "") -> BucketRule:
    return BucketRule(name=name, kind="route", major=(major,) if major else ())


MESSAGE_CREATE = BucketRule("message-create", "message", ("channel_id",))
MESSAGE_EDIT = BucketRule("message-edit", "message", ("channel_id",))
WEBHOOK = BucketRule("interaction-webhook", "webhook", ("application_id", "token"))
COMMANDS = "/applications/{application_id}/commands"
GUILD_COMMANDS = "/applications/{application_id}/guilds/{guild_id}/commands"
CHANNEL_MESSAGE = "/channels/{channel_id}/messages/{message_id}"
WEBHOOK_MESSAGE = "/webhooks/{application_id}/{token}/messages/{message_id}"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/users/@me", routes_app.get_me, bucket=_bucket("users-me")),
    Route("POST", "/users/@me/channels", routes_messages.open_dm, bucket=_bucket("open-dm")),
    Route("GET", "/users/{user_id}", routes_app.get_user, bucket=_bucket("user")),
    Route("GET", "/oauth2/applications/@me", routes_app.get_application, bucket=_bucket("app")),
    Route("GET", "/applications/@me", routes_app.get_application, bucket=_bucket("app")),
    Route("GET", "/gateway", routes_app.get_gateway, bot_token=False, global_limited=False),
    Route("GET", "/gateway/bot", routes_app.get_gateway_bot, bucket=_bucket("gateway-bot")),
    Route("GET", COMMANDS, routes_app.list_commands, bucket=_bucket("commands")),
    Route("PUT", COMMANDS, routes_app.put_commands, bucket=_bucket("commands")),
    Route("POST", COMMANDS, routes_app.post_command, bucket=_bucket("commands")),
    Route("GET", COMMANDS + "/{command_id}", routes_app.get_command, bucket=_bucket("commands")),
    Route(
        "DELETE", COMMANDS + "/{command_id}", routes_app.delete_command, bucket=_bucket("commands")
    ),
    Route("GET", GUILD_COMMANDS, routes_app.list_commands, bucket=_bucket("gc", "guild_id")),
    Route("PUT", GUILD_COMMANDS, routes_app.put_commands, bucket=_bucket("gc", "guild_id")),
    Route("POST", GUILD_COMMANDS, routes_app.post_command, bucket=_bucket("gc", "guild_id")),
    Route(
        "GET",
        GUILD_COMMANDS + "/{command_id}",
        routes_app.get_command,
        bucket=_bucket("gc", "guild_id"),
    ),
    Route(
        "DELETE",
        GUILD_COMMANDS + "/{command_id}",
        routes_app.delete_command,
        bucket=_bucket("gc", "guild_id"),
    ),
    Route(
        "GET",
        "/channels/{channel_id}",
        routes_messages.get_channel,
        bucket=_bucket("channel", "channel_id"),
    ),
    Route(
        "POST",
        "/channels/{channel_id}/typing",
        routes_messages.trigger_typing,
        bucket=_bucket("typing", "channel_id"),
    ),
    Route(
        "GET",
        "/channels/{channel_id}/messages",
        routes_messages.list_messages,
        bucket=_bucket("messages", "channel_id"),
    ),
    Route(
        "POST",
        "/channels/{channel_id}/messages",
        routes_messages.create_message,
        bucket=MESSAGE_CREATE,
    ),
    Route(
        "GET", CHANNEL_MESSAGE, routes_messages.get_message, bucket=_bucket("message", "channel_id")
    ),
    Route("PATCH", CHANNEL_MESSAGE, routes_messages.edit_message, bucket=MESSAGE_EDIT),
    Route(
        "DELETE",
        CHANNEL_MESSAGE,
        routes_messages.delete_message,
        bucket=_bucket("message-delete", "channel_id"),
    ),
    Route(
        "POST",
        "/interactions/{interaction_id}/{token}/callback",
        routes_interactions.callback,
        bot_token=False,
        global_limited=False,
    ),
    Route(
        "POST",
        "/webhooks/{application_id}/{token}",
        routes_interactions.execute,
        bot_token=False,
        bucket=WEBHOOK,
        global_limited=False,
    ),
    Route(
        "GET",
        WEBHOOK_MESSAGE,
        routes_interactions.get_webhook_message,
        bot_token=False,
        bucket=WEBHOOK,
        global_limited=False,
    ),
    Route(
        "PATCH",
        WEBHOOK_MESSAGE,
        routes_interactions.edit_webhook_message,
        bot_token=False,
        bucket=WEBHOOK,
        global_limited=False,
    ),
    Route(
        "DELETE",
        WEBHOOK_MESSAGE,
        routes_interactions.delete_webhook_message,
        bot_token=False,
        bucket=WEBHOOK,
        global_limited=False,
    ),
)


class Router:
    """Matches a method and path to a route; literal segments win over parameters because
    they come first in the table (``/users/@me`` before ``/users/{user_id}``)."""

    def __init__(self, routes: tuple[Route, ...] = ROUTES) -> None:
        self._patterns = [(_compile(route.template), route) for route in routes]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | bool | None:
        """The route and its parameters; False when the path exists for other methods only;
        None when no route has this path."""
        path_known = False
        for pattern, route in self._patterns:
            found = pattern.fullmatch(path)
            if found is None:
                continue
            if route.method == method:
                return route, found.groupdict()
            path_known = True
        return False if path_known else None


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    regex = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
    )
    return re.compile(regex + "/?")
