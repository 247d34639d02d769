"""A small JSON control surface under ``/_emulator/`` so that another process (the demo, a
benchmark, a person with curl) can play the students against a stand-alone emulator:

- ``POST /_emulator/send_text`` ``{"user_id", "text", "chat_id"?, "chat_type"?, "first_name"?}``
- ``POST /_emulator/press_button`` ``{"user_id", "chat_id", "message_id", "data"}``
- ``GET /_emulator/chat?chat_id=N``: the chat as the user sees it
- ``GET /_emulator/stats``: calls, unknown calls, 429s per chat, accepted outgoing messages
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from emulators.telegram.server import TelegramEmulator

PREFIX = "/_emulator/"
Answer = tuple[int, dict[str, Any]]


class ControlApi:
    def __init__(self, emulator: TelegramEmulator) -> None:
        self._emulator = emulator
        self._routes: dict[tuple[str, str], Callable[[dict[str, Any]], Any]] = {
            ("POST", "send_text"): self._send_text,
            ("POST", "press_button"): self._press_button,
            ("GET", "chat"): self._chat,
            ("GET", "stats"): self._stats,
        }

    def handle(self, verb: str, target: str, params: dict[str, Any]) -> Answer:
        name = urlsplit(target).path[len(PREFIX) :]
        route = self._routes.get((verb, name))
        if route is None:
            return 404, {"ok": False, "description": f"no control route {verb} {PREFIX}{name}"}
        try:
            return 200, {"ok": True, "result": route(params)}
        except (KeyError, TypeError, ValueError) as error:
            return 400, {"ok": False, "description": f"{type(error).__name__}: {error}"}

    def _send_text(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        return self._emulator.send_text(
            int(params["user_id"]),
            str(params["text"]),
            chat_id=None if chat_id is None else int(chat_id),
            chat_type=str(params.get("chat_type", "private")),
            first_name=str(params.get("first_name", "Student")),
        )

    def _press_button(self, params: dict[str, Any]) -> dict[str, str]:
        query_id = self._emulator.press_button(
            int(params["user_id"]),
            int(params["chat_id"]),
            int(params["message_id"]),
            str(params["data"]),
        )
        return {"callback_query_id": query_id}

    def _chat(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        messages = self._emulator.chat(int(params["chat_id"]))
        return [dataclasses.asdict(message) for message in messages]

    def _stats(self, params: dict[str, Any]) -> dict[str, Any]:
        emulator = self._emulator
        return {
            "calls": len(emulator.calls),
            "unknown_calls": emulator.unknown_calls,
            "too_many_requests": {str(k): v for k, v in emulator.too_many_requests.items()},
            "accepted_outgoing": len(emulator.timeline),
            "internal_errors": emulator.internal_errors,
        }
