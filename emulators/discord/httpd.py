"""The HTTP side: an aiohttp application serving the REST API under ``/api/v10`` (and v9),
the gateway websocket at ``/`` and ``/resume``, and the students' control surface under
``/_emulator``. Each REST call passes, in Discord's order: bot token, rate limits, body,
handler; every call is recorded, and every answer is JSON with Content-Type exactly
``application/json`` (discord.py parses nothing else)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.discord.call import Call, NoContent
from emulators.discord.errors import ApiError, method_not_allowed, not_found, not_json, unauthorized
from emulators.discord.gateway import RESUME_PATH, Gateway
from emulators.discord.ratelimit import RateLimiter, throttle_body
from emulators.discord.records import RequestRecord, Throttle
from emulators.discord.routes import Route, Router
from emulators.discord.settings import DiscordSettings
from emulators.discord.world import World

if TYPE_CHECKING:
    from emulators.discord.control import ControlApi

LOGGER = logging.getLogger(__name__)
JSON = "application/json"
API_VERSIONS = ("v9", "v10")


class RestApi:
    def __init__(
        self,
        token: str,
        world: World,
        settings: DiscordSettings,
        limiter: RateLimiter,
        clock: Callable[[], float],
    ) -> None:
        self.token = token
        self.world = world
        self.settings = settings
        self.limiter = limiter
        self.clock = clock
        self.router = Router()

    async def handle(self, request: web.Request) -> web.Response:
        if self.settings.latency_s:
            await asyncio.sleep(self.settings.latency_s)
        version = request.match_info["version"]
        path = "/" + request.match_info["tail"]
        raw = await _body_text(request)
        with self.world.lock:
            now = self.clock()
            matched = self.router.match(request.method, path) if version in API_VERSIONS else None
            if not isinstance(matched, tuple):
                self.world.unknown_routes.append(f"{request.method} {path}")
                error = method_not_allowed() if matched is False else not_found()
                return self._finish(request, path, "", raw, now, error.status, error.body(), {})
            route, params = matched
            status, body, headers = self._serve(route, params, request, raw, now)
            return self._finish(request, path, route.name, raw, now, status, body, headers)

    def _serve(
        self,
        route: Route,
        params: dict[str, str],
        request: web.Request,
        raw: str,
        now: float,
    ) -> tuple[int, Any, dict[str, str]]:
        if route.bot_token and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(unauthorized())
        verdict = self.limiter.check(route.name, route.bucket, params, route.global_limited)
        if verdict.retry_after is not None:
            self.world.throttled.append(
                Throttle(now, route.name, verdict.bucket, verdict.retry_after, verdict.is_global)
            )
            return 429, throttle_body(verdict), verdict.headers
        try:
            body = _parse(raw)
            result = route.handler(
                Call(self.world, self.settings, now, params, request.query, body)
            )
        except ApiError as error:
            return (*_error(error)[:2], verdict.headers)
        except Exception as error:
            LOGGER.exception("emulated Discord route %s failed", route.name)
            self.world.internal_errors.append(f"{route.name}: {error!r}")
            return 500, {"message": "500: Internal Server Error", "code": 0}, {}
        if isinstance(result, NoContent):
            return 204, None, verdict.headers
        return 200, result, verdict.headers

    def _finish(
        self,
        request: web.Request,
        path: str,
        route: str,
        raw: str,
        now: float,
        status: int,
        body: Any,
        headers: dict[str, str],
    ) -> web.Response:
        self.world.requests.append(
            RequestRecord(now, request.method, path, route, request.query_string, raw, status)
        )
        self.world.notify()
        return json_response(status, body, headers)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    if body is None:
        return web.Response(status=status, headers=headers)
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={**(headers or {}), "Content-Type": JSON},
    )


def build_app(api: RestApi, gateway: Gateway, control: ControlApi) -> web.Application:
    app = web.Application(client_max_size=32 * 1024 * 1024)
    app.router.add_route("*", "/api/{version}/{tail:.*}", api.handle)
    app.router.add_get("/", gateway.handle)
    app.router.add_get(RESUME_PATH, gateway.handle)
    control.register(app)
    return app


def _error(error: ApiError) -> tuple[int, Any, dict[str, str]]:
    return error.status, error.body(), {}


async def _body_text(request: web.Request) -> str:
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        payload = form.get("payload_json")
        return payload if isinstance(payload, str) else ""
    return await request.text()


def _parse(raw: str) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as error:
        raise not_json() from error
