"""The Bot API's front door: token check, method lookup (case-insensitive, as Telegram's), the
call record, and the ``{"ok": ...}`` envelope around every answer."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from emulators.telegram.context import CallContext, Described, Handler
from emulators.telegram.errors import ApiError, not_found, unauthorized
from emulators.telegram.flood import FloodControl
from emulators.telegram.methods_bot import BOT_METHODS
from emulators.telegram.methods_messages import MESSAGE_METHODS
from emulators.telegram.methods_updates import UPDATE_METHODS
from emulators.telegram.params import Params
from emulators.telegram.settings import TelegramSettings
from emulators.telegram.world import World

LOGGER = logging.getLogger(__name__)
ALL_METHODS: dict[str, Handler] = {**BOT_METHODS, **MESSAGE_METHODS, **UPDATE_METHODS}


class BotApi:
    def __init__(
        self,
        token: str,
        world: World,
        settings: TelegramSettings,
        clock: Callable[[], float],
    ) -> None:
        self.token = token
        self.world = world
        self.settings = settings
        self.flood = FloodControl(settings, clock)
        self.calls: list[str] = []
        self.unknown_calls: list[str] = []
        self.internal_errors: list[str] = []
        self._methods = {name.lower(): (name, handler) for name, handler in ALL_METHODS.items()}

    def call(self, token: str, method: str, raw: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """Run one Bot API call; returns the HTTP status and the JSON body to answer with."""
        if token != self.token:
            return _failure(unauthorized())
        entry = self._methods.get(method.lower())
        with self.world.lock:
            self.calls.append(entry[0] if entry else method)
            if entry is None:
                self.unknown_calls.append(method)
        if entry is None:
            return _failure(not_found(method))
        name, handler = entry
        context = CallContext(self.world, self.flood, self.settings, name)
        try:
            with self.world.lock:
                result = handler(context, Params(raw))
        except ApiError as error:
            return _failure(error)
        except Exception as error:
            LOGGER.exception("emulated Bot API method %s failed", name)
            self.internal_errors.append(f"{name}: {error!r}")
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if isinstance(result, Described):
            return 200, {"ok": True, "result": result.result, "description": result.description}
        return 200, {"ok": True, "result": result}


def _failure(error: ApiError) -> tuple[int, dict[str, Any]]:
    return error.code, error.body()
