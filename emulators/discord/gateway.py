"""The gateway: a websocket speaking Discord's JSON protocol (text frames, no compression).

HELLO on connect; IDENTIFY with the bot token starts a session (READY with the guilds as
unavailable and a ``resume_gateway_url`` of its own, then one GUILD_CREATE per guild);
heartbeats are acknowledged; RESUME on a known session replays what was missed and says
RESUMED, otherwise the session is invalidated (op 9). Dispatches (INTERACTION_CREATE) go to
the newest session and are kept for replay, as Discord does."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from emulators.discord.objects import APPLICATION_FLAGS, bot_self_json, guild_json
from emulators.discord.settings import DiscordSettings
from emulators.discord.snowflakes import session_id
from emulators.discord.world import World

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
GUILDS_INTENT = 1 << 0
IGNORED_OPS = frozenset({PRESENCE, VOICE_STATE, REQUEST_MEMBERS})
RESUME_PATH = "/resume"


@dataclass
class Session:
    id: str
    intents: int
    seq: int = 0
    events: list[tuple[int, str]] = field(default_factory=list)
    outbox: asyncio.Queue[str] | None = None


@dataclass(frozen=True)
class Connection:
    """One websocket the bot opened: the path (``/`` or ``/resume``) and how it began."""

    path: str
    opened_with: str


class Gateway:
    def __init__(self, world: World, settings: DiscordSettings, token: str) -> None:
        self.world = world
        self.settings = settings
        self.token = token
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sessions: dict[str, Session] = {}
        self.current: Session | None = None
        self.connections: list[Connection] = []
        self._sockets: set[web.WebSocketResponse] = set()
        self._socket_of: dict[str, web.WebSocketResponse] = {}
        self._closing: set[asyncio.Future[bool]] = set()

    # ------------------------------------------------------------------ from any thread

    def dispatch(self, event: str, data: dict[str, Any]) -> bool:
        """Send an event to the newest session; False when no bot has identified yet."""
        with self.world.lock:
            session = self.current
            if session is None:
                return False
            self._dispatch(session, event, data)
            return True

    def connected(self) -> bool:
        with self.world.lock:
            return self.current is not None and self.current.outbox is not None

    def drop(self, code: int) -> None:
        """Close the current session's websocket with ``code`` (the session stays resumable)."""
        with self.world.lock:
            socket = self._socket_of.get(self.current.id) if self.current else None
        if socket is not None and self.loop is not None:
            asyncio.run_coroutine_threadsafe(socket.close(code=code), self.loop)

    # ------------------------------------------------------------------ on the server loop

    async def close_all(self) -> None:
        for socket in list(self._sockets):
            await socket.close(code=1001, message=b"Server shutting down")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(max_msg_size=0)
        await socket.prepare(request)
        self._sockets.add(socket)
        outbox: asyncio.Queue[str] = asyncio.Queue()
        sender = asyncio.create_task(_send_all(socket, outbox))
        hello = {"heartbeat_interval": self.settings.heartbeat_interval_ms, "_trace": ["stand-in"]}
        outbox.put_nowait(_frame(HELLO, hello))
        session: Session | None = None
        try:
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    await socket.close(code=4002, message=b"Error while decoding payload.")
                    break
                session = await self._receive(socket, request.path, outbox, session, message.data)
        finally:
            self._sockets.discard(socket)
            with self.world.lock:
                if session is not None and self._socket_of.get(session.id) is socket:
                    session.outbox = None
                    del self._socket_of[session.id]
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        return socket

    async def _receive(
        self,
        socket: web.WebSocketResponse,
        path: str,
        outbox: asyncio.Queue[str],
        session: Session | None,
        text: str,
    ) -> Session | None:
        try:
            frame = json.loads(text)
            op = frame["op"]
        except (ValueError, KeyError, TypeError):
            await socket.close(code=4002, message=b"Error while decoding payload.")
            return session
        self._record(frame)
        data = frame.get("d")
        if op == HEARTBEAT:
            outbox.put_nowait(_frame(HEARTBEAT_ACK, None))
        elif op == IDENTIFY and session is None:
            if not isinstance(data, dict) or data.get("token") != self.token:
                await socket.close(code=4004, message=b"Authentication failed.")
                return None
            session = self._identify(socket, path, outbox, data)
        elif op == RESUME and session is None:
            session = self._resume(socket, path, outbox, data if isinstance(data, dict) else {})
        elif op in (IDENTIFY, RESUME):
            await socket.close(code=4005, message=b"Already authenticated.")
        elif session is None:
            await socket.close(code=4003, message=b"Not authenticated.")
        elif op not in IGNORED_OPS:
            await socket.close(code=4001, message=b"Unknown opcode.")
        return session

    def _identify(
        self,
        socket: web.WebSocketResponse,
        path: str,
        outbox: asyncio.Queue[str],
        data: dict[str, Any],
    ) -> Session:
        with self.world.lock:
            self.connections.append(Connection(path, "identify"))
            session = Session(id=session_id(), intents=int(data.get("intents") or 0))
            self.sessions[session.id] = session
            self._attach(session, socket, outbox)
            self._dispatch(session, "READY", self._ready(session, data.get("shard")))
            if session.intents & GUILDS_INTENT:
                for guild in self.world.guilds.values():
                    self._dispatch(session, "GUILD_CREATE", guild_json(guild, self.world))
            return session

    def _resume(
        self,
        socket: web.WebSocketResponse,
        path: str,
        outbox: asyncio.Queue[str],
        data: dict[str, Any],
    ) -> Session | None:
        with self.world.lock:
            self.connections.append(Connection(path, "resume"))
            session = self.sessions.get(str(data.get("session_id")))
            if session is None or data.get("token") != self.token:
                outbox.put_nowait(_frame(INVALID_SESSION, False))
                return None
            after = data.get("seq") or 0
            for seq, frame in session.events:
                if seq > after:
                    outbox.put_nowait(frame)
            self._attach(session, socket, outbox)
            self._dispatch(session, "RESUMED", {"_trace": ["stand-in"]})
            return session

    def _attach(
        self, session: Session, socket: web.WebSocketResponse, outbox: asyncio.Queue[str]
    ) -> None:
        old = self._socket_of.get(session.id)
        if old is not None and old is not socket:
            self._closing.add(
                asyncio.ensure_future(old.close(code=4000, message=b"Session taken over"))
            )
        session.outbox = outbox
        self._socket_of[session.id] = socket
        self.current = session
        self.world.notify()

    def _dispatch(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        frame = json.dumps({"op": DISPATCH, "t": event, "s": session.seq, "d": data})
        session.events.append((session.seq, frame))
        if session.outbox is None or self.loop is None:
            return
        if _running_loop() is self.loop:  # keep order with frames queued directly
            session.outbox.put_nowait(frame)
        else:
            self.loop.call_soon_threadsafe(session.outbox.put_nowait, frame)

    def _ready(self, session: Session, shard: Any) -> dict[str, Any]:
        world = self.world
        ready: dict[str, Any] = {
            "v": 10,
            "user": bot_self_json(world.bot),
            "guilds": [{"id": str(gid), "unavailable": True} for gid in world.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": world.gateway_url.rstrip("/") + RESUME_PATH,
            "application": {"id": str(world.application_id), "flags": APPLICATION_FLAGS},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["stand-in"],
        }
        if isinstance(shard, list):
            ready["shard"] = shard
        return ready

    def _record(self, frame: dict[str, Any]) -> None:
        shown = frame
        if isinstance(frame.get("d"), dict) and "token" in frame["d"]:
            shown = {**frame, "d": {**frame["d"], "token": "[bot token]"}}
        with self.world.lock:
            self.world.gateway_frames_sent_by_bot.append(json.dumps(shown))


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _frame(op: int, data: Any) -> str:
    return json.dumps({"op": op, "d": data, "s": None, "t": None})


async def _send_all(socket: web.WebSocketResponse, outbox: asyncio.Queue[str]) -> None:
    while True:
        frame = await outbox.get()
        try:
            await socket.send_str(frame)
        except (ConnectionError, RuntimeError):
            return
        finally:
            outbox.task_done()
