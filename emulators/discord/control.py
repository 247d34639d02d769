"""The users' control surface for a stand-alone stand-in (``/_emulator/...``): another
process (the demo, a benchmark) plays the users over HTTP with the same actions tests call on
``DiscordEmulator``. Bad requests answer 400 with the reason."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from emulators.discord.server import DiscordEmulator

PREFIX = "/_emulator"
Action = Callable[["DiscordEmulator", dict[str, Any]], Any]


def _invoke(emu: DiscordEmulator, body: dict[str, Any]) -> Any:
    return emu.invoke_command(
        int(body["user_id"]),
        str(body["name"]),
        body.get("options") or {},
        channel_id=None if body.get("channel_id") is None else int(body["channel_id"]),
    )


def _press(emu: DiscordEmulator, body: dict[str, Any]) -> Any:
    return emu.press_button(int(body["user_id"]), int(body["message_id"]), str(body["button"]))


def _pick(emu: DiscordEmulator, body: dict[str, Any]) -> Any:
    return emu.pick_select(
        int(body["user_id"]),
        int(body["message_id"]),
        [str(value) for value in body["values"]],
        custom_id=body.get("custom_id"),
    )


def _submit(emu: DiscordEmulator, body: dict[str, Any]) -> Any:
    return emu.submit_modal(int(body["user_id"]), dict(body["values"]))


def _close_dms(emu: DiscordEmulator, body: dict[str, Any]) -> Any:
    emu.close_dms(int(body["user_id"]), bool(body.get("closed", True)))
    return True


ACTIONS: dict[str, Action] = {
    "invoke_command": _invoke,
    "press_button": _press,
    "pick_select": _pick,
    "submit_modal": _submit,
    "close_dms": _close_dms,
}


class ControlApi:
    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emulator = emulator

    def register(self, app: web.Application) -> None:
        for name, action in ACTIONS.items():
            app.router.add_post(f"{PREFIX}/{name}", self._action(action))
        app.router.add_get(f"{PREFIX}/seen", self._seen)
        app.router.add_get(f"{PREFIX}/stats", self._stats)

    def _action(self, action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            try:
                body = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                return _answer(200, {"result": action(self.emulator, body)})
            except (KeyError, TypeError, ValueError) as error:
                return _answer(400, {"error": f"{type(error).__name__}: {error}"})

        return handle

    async def _seen(self, request: web.Request) -> web.Response:
        user_id = request.query.get("user_id", "")
        if not user_id.isdigit():
            return _answer(400, {"error": "user_id must be a number"})
        seen = [dataclasses.asdict(m) for m in self.emulator.seen_by(int(user_id))]
        return _answer(200, {"result": seen})

    async def _stats(self, request: web.Request) -> web.Response:
        emu = self.emulator
        interactions = emu.interactions
        latencies = [i.ack_latency_s for i in interactions if i.ack_latency_s is not None]
        return _answer(
            200,
            {
                "result": {
                    "requests_per_route": dict(emu.requests_per_route),
                    "throttled": len(emu.throttled),
                    "interactions": len(interactions),
                    "failed_interactions": len([i for i in interactions if i.failed]),
                    "ack_latencies_s": latencies,
                    "unknown_routes": emu.unknown_routes,
                }
            },
        )


def _answer(status: int, body: Any) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, default=str).encode(),
        headers={"Content-Type": "application/json"},
    )
