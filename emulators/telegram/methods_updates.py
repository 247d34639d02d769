"""Bot API methods that hand updates to the bot: getUpdates (long polling) and webhooks."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from emulators.telegram.context import CallContext, Described, Handler
from emulators.telegram.errors import bad_request, conflict
from emulators.telegram.params import Params
from emulators.telegram.world import WebhookConfig, World

MAX_UPDATES = 100
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
TERMINATED = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)
DEFAULT_MAX_CONNECTIONS = 40


def get_updates(ctx: CallContext, params: Params) -> list[dict[str, Any]]:
    """Long polling: waits up to ``timeout`` seconds (real time) for an update to arrive.

    A newer getUpdates call ends a waiting one with 409 Conflict, as Telegram does when two
    bot instances poll with one token.
    """
    world = ctx.world
    if world.webhook is not None:
        raise conflict(WEBHOOK_ACTIVE)
    limit = min(max(params.get_int("limit") or MAX_UPDATES, 1), MAX_UPDATES)
    timeout = min(max(params.get_float("timeout") or 0.0, 0.0), ctx.settings.long_poll_max_s)
    _apply_allowed_updates(world, params)
    world.confirm(params.get_int("offset"))
    world.poll_generation += 1
    generation = world.poll_generation
    world.notify()
    deadline = time.monotonic() + timeout
    while not world.updates and not world.closed:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        world.changed.wait(remaining)
        if world.poll_generation != generation:
            raise conflict(TERMINATED)
        if world.webhook is not None:
            raise conflict(WEBHOOK_ACTIVE)
    return [dict(update) for update in world.updates[:limit]]


def set_webhook(ctx: CallContext, params: Params) -> Described:
    world = ctx.world
    url = params.get_str("url") or ""
    if not url:
        return _remove_webhook(world, params)
    _check_webhook_url(url)
    secret = params.get_str("secret_token")
    if secret is not None and not SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.get_int("max_connections") or DEFAULT_MAX_CONNECTIONS
    if not 1 <= max_connections <= MAX_UPDATES:
        raise bad_request("max_connections must be between 1 and 100")
    allowed = _apply_allowed_updates(world, params)
    if params.get_bool("drop_pending_updates"):
        world.updates.clear()
    already = world.webhook is not None and world.webhook.url == url
    world.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=max_connections,
        ip_address=params.get_str("ip_address"),
        allowed_updates=allowed,
    )
    world.notify()
    return Described(True, "Webhook is already set" if already else "Webhook was set")


def delete_webhook(ctx: CallContext, params: Params) -> Described:
    return _remove_webhook(ctx.world, params)


def get_webhook_info(ctx: CallContext, params: Params) -> dict[str, Any]:
    world = ctx.world
    config = world.webhook
    info: dict[str, Any] = {
        "url": config.url if config else "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }
    if config is None:
        return info
    info["max_connections"] = config.max_connections
    if config.ip_address:
        info["ip_address"] = config.ip_address
    if config.allowed_updates:
        info["allowed_updates"] = config.allowed_updates
    if config.last_error_date is not None:
        info["last_error_date"] = config.last_error_date
        info["last_error_message"] = config.last_error_message
    return info


def _remove_webhook(world: World, params: Params) -> Described:
    if params.get_bool("drop_pending_updates"):
        world.updates.clear()
    had_webhook = world.webhook is not None
    world.webhook = None
    world.notify()
    return Described(True, "Webhook was deleted" if had_webhook else "Webhook is already deleted")


def _check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: invalid webhook URL specified")
    if parts.hostname not in LOOPBACK_HOSTS:
        raise bad_request("bad webhook: the emulator delivers webhooks only to loopback hosts")


def _apply_allowed_updates(world: World, params: Params) -> list[str] | None:
    allowed = params.get_json("allowed_updates")
    if allowed is None:
        return None
    if not isinstance(allowed, list) or not all(isinstance(name, str) for name in allowed):
        raise bad_request("can't parse allowed updates JSON array")
    world.set_allowed_updates(allowed)
    return allowed


UPDATE_METHODS: dict[str, Handler] = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
