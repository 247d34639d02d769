"""``DiscordEmulator``: the Discord API and gateway stand-in as tests and the demo use it, a
real HTTP and websocket server on 127.0.0.1 in a thread of its own, plus the users' side of
the conversation and a record of everything the bot did."""

from __future__ import annotations

import asyncio
import copy
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from emulators.discord import actions
from emulators.discord.control import ControlApi
from emulators.discord.gateway import Connection, Gateway
from emulators.discord.httpd import RestApi, build_app
from emulators.discord.limits import EPHEMERAL, LOADING
from emulators.discord.ratelimit import RateLimiter
from emulators.discord.records import InteractionRecord, RequestRecord, SeenMessage, Throttle
from emulators.discord.routes_interactions import expire_unacknowledged
from emulators.discord.settings import DiscordSettings
from emulators.discord.world import InteractionState, StoredMessage, UserState, World

T = TypeVar("T")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
DEFAULT_TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.stand-in.discord-emulator-token"
DEFAULT_BOT_ID = 1_100_000_000_000_000_001
STOP_TIMEOUT_S = 5.0
WAIT_POLL_S = 0.05
EXPIRY_SLACK_S = 0.01


class DiscordEmulator:
    """Start it (``with DiscordEmulator() as emu:``), point the bot at ``emu.api_base_url``
    (discord.py's ``Route.BASE``) and ``emu.gateway_url``; drive users with
    ``invoke_command``, ``press_button``, ``pick_select`` and ``submit_modal``; read what they
    see with ``seen_by`` and ``wait_for_message``.

    ``clock`` times rate limits, deadlines, expiry and edit timestamps (monotonic seconds).
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        settings: DiscordSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        bot_id: int = DEFAULT_BOT_ID,
        bot_name: str = "VTU AutoPilot",
        guild_name: str = "VTU Class",
        channel_names: Sequence[str] = ("general", "progress"),
    ) -> None:
        if not token or any(c.isspace() for c in token):
            raise ValueError("a bot token is a non-empty string without spaces")
        self.token = token
        self.settings = settings if settings is not None else DiscordSettings()
        if problems := self.settings.problems():
            raise ValueError("; ".join(problems))
        self._clock = clock
        bot = UserState(id=bot_id, username=bot_name.lower().replace(" ", "_"), bot=True)
        bot.global_name = bot_name
        self.world = World(bot=bot, application_name=bot_name)
        guild = self.world.add_guild(guild_name, list(channel_names))
        self.guild_id = guild.id
        self.channel_ids = list(guild.channel_ids)
        self._limiter = RateLimiter(self.settings, clock)
        self._gateway = Gateway(self.world, self.settings, token)
        self._rest = RestApi(token, self.world, self.settings, self._limiter, clock)
        self._control = ControlApi(self)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------------- lifecycle

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the emulator only listens on loopback ({LOOPBACK_HOSTS})")
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        listener = socket.create_server((host, port))
        self._port = int(listener.getsockname()[1])
        self.world.gateway_url = f"ws://127.0.0.1:{self._port}/"
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []
        self._loop = loop
        self._gateway.loop = loop
        self._thread = threading.Thread(
            target=self._serve,
            args=(loop, listener, ready, failure),
            name=f"discord-emulator-{self._port}",
            daemon=True,
        )
        self._thread.start()
        ready.wait(STOP_TIMEOUT_S)
        if failure:
            self.stop()
            raise RuntimeError(f"the Discord emulator could not start: {failure[0]!r}")
        return self

    def stop(self) -> None:
        """Close every websocket (code 1001) and the listener, then end the server thread."""
        loop, thread = self._loop, self._thread
        self._loop, self._thread = None, None
        if loop is None or thread is None:
            return
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            future.result(STOP_TIMEOUT_S)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(STOP_TIMEOUT_S)
        self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(
        self,
        loop: asyncio.AbstractEventLoop,
        listener: socket.socket,
        ready: threading.Event,
        failure: list[BaseException],
    ) -> None:
        asyncio.set_event_loop(loop)
        try:
            app = build_app(self._rest, self._gateway, self._control)
            self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
            loop.run_until_complete(self._runner.setup())
            loop.run_until_complete(web.SockSite(self._runner, listener).start())
        except BaseException as error:
            failure.append(error)
            ready.set()
            listener.close()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _shutdown(self) -> None:
        await self._gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not running")
        return self._port

    @property
    def api_base_url(self) -> str:
        """The REST root, ``DISCORD_API_BASE_URL`` (discord.py's ``Route.BASE``)."""
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The gateway, ``DISCORD_GATEWAY_URL`` (discord.py's ``DEFAULT_GATEWAY``)."""
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def bot_id(self) -> int:
        return self.world.bot.id

    @property
    def channel_id(self) -> int:
        """The guild's first text channel (``#general``)."""
        return self.channel_ids[0]

    # ------------------------------------------------------------------------- users

    def add_user(self, user_id: int | None = None, username: str | None = None) -> int:
        """A user who shares the guild with the bot; returns the id. Users are also created
        on their first action, so this is only needed for a chosen name."""
        with self.world.lock:
            return self.world.add_user(user_id, username).id

    def close_dms(self, user_id: int, closed: bool = True) -> None:
        """The user turns off DMs from this server: messages to their DM channel fail with
        403 code 50007 "Cannot send messages to this user" (opening the DM still works)."""
        with self.world.lock:
            self.world.add_user(user_id, None).dms_open = not closed

    def dm_channel_id(self, user_id: int) -> int:
        """The user's DM channel with the bot (opened now if the bot never opened it)."""
        with self.world.lock:
            return self.world.dm_channel(self.world.add_user(user_id, None)).id

    def invoke_command(
        self,
        user_id: int,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        channel_id: int | None = None,
    ) -> int:
        """The user runs ``/name`` (``"group sub"`` for a subcommand) in their DM with the bot
        (``channel_id`` None) or in a guild channel; returns the interaction id. ValueError
        when Discord's client would not offer it (not synced there, bad or missing options)."""
        with self.world.lock:
            state = actions.invoke_command(
                self.world, user_id, name, dict(options or {}), channel_id, self._clock()
            )
        return self._deliver(state)

    def press_button(
        self, user_id: int, message_id: int, button: str, *, strict: bool = True
    ) -> int:
        """The user presses the button labelled (or with custom id) ``button``; returns the
        interaction id. With ``strict`` False the stand-in sends ``button`` as the custom id
        even when no such button is shown, or on a message the user cannot see (a forged
        press)."""
        with self.world.lock:
            state = actions.press_button(
                self.world, user_id, message_id, button, self._clock(), strict=strict
            )
        return self._deliver(state)

    def pick_select(
        self,
        user_id: int,
        message_id: int,
        values: Sequence[str],
        *,
        custom_id: str | None = None,
        strict: bool = True,
    ) -> int:
        """The user picks ``values`` from the select (the first one, or ``custom_id``)."""
        with self.world.lock:
            state = actions.pick_select(
                self.world, user_id, message_id, values, custom_id, self._clock(), strict=strict
            )
        return self._deliver(state)

    def submit_modal(self, user_id: int, values: Mapping[str, str], *, strict: bool = True) -> int:
        """The user fills the modal the bot showed them (values by input custom id) and
        submits it; ValueError when no modal is open or (``strict``) a value breaks the
        input's rules, which Discord's client would not let through."""
        with self.world.lock:
            state = actions.submit_modal(self.world, user_id, values, self._clock(), strict=strict)
        return self._deliver(state)

    def dismiss_modal(self, user_id: int) -> None:
        """The user closes the modal without submitting (nothing reaches the bot)."""
        with self.world.lock:
            self.world.open_modals.pop(user_id, None)

    def open_modal(self, user_id: int) -> dict[str, Any] | None:
        """The modal the user has open (its ``custom_id``, ``title``, ``components``)."""
        with self.world.lock:
            opened = self.world.open_modals.get(user_id)
            return None if opened is None else dict(opened[1])

    def _deliver(self, state: InteractionState) -> int:
        self._gateway.dispatch("INTERACTION_CREATE", state.payload)
        loop = self._loop
        if loop is not None:
            delay = self.settings.ack_deadline_s + EXPIRY_SLACK_S
            loop.call_soon_threadsafe(loop.call_later, delay, self._expire, state.id)
        return state.id

    def _expire(self, interaction_id: int) -> None:
        with self.world.lock:
            state = self.world.interactions[interaction_id]
            if expire_unacknowledged(state, self._clock(), self.settings.ack_deadline_s):
                self.world.notify()

    # ------------------------------------------------------------------------- faults

    def force_rate_limit(
        self,
        route: str | None = None,
        *,
        retry_after: float = 0.5,
        count: int = 1,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``count`` requests to ``route`` (e.g. ``"PATCH /channels/
        {channel_id}/messages/{message_id}"``; None: any bot request) with 429."""
        with self.world.lock:
            self._limiter.force(route, retry_after, count, is_global)

    def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's websocket with ``code``; discord.py resumes at READY's
        ``resume_gateway_url`` for resumable codes."""
        self._gateway.drop(code)

    # ------------------------------------------------------------------------- observation

    def seen_by(self, user_id: int) -> list[SeenMessage]:
        """Every message the user sees, in order: their DMs with the bot, guild channels, and
        the ephemeral answers addressed to them."""
        with self.world.lock:
            return [
                self._snapshot(m)
                for m in self.world.messages.values()
                if actions.visible(self.world, m, user_id)
            ]

    def dm(self, user_id: int) -> list[SeenMessage]:
        """The user's DM channel with the bot (ephemeral answers in it included)."""
        with self.world.lock:
            user = self.world.users.get(user_id)
            channel_id = None if user is None else user.dm_channel_id
        return [m for m in self.seen_by(user_id) if m.channel_id == channel_id]

    def ephemeral(self, user_id: int) -> list[SeenMessage]:
        return [m for m in self.seen_by(user_id) if m.ephemeral]

    def channel(self, channel_id: int) -> list[SeenMessage]:
        """A channel's messages everyone sees (no ephemerals), deleted ones left out."""
        with self.world.lock:
            return [
                self._snapshot(m)
                for m in self.world.messages.values()
                if m.channel_id == channel_id and m.visible_to is None and not m.deleted
            ]

    def message(self, message_id: int) -> SeenMessage:
        with self.world.lock:
            found = self.world.messages.get(message_id)
            if found is None:
                raise KeyError(f"no message {message_id}")
            return self._snapshot(found)

    def wait_for_message(
        self,
        user_id: int,
        predicate: Callable[[SeenMessage], Any] = bool,
        timeout: float = 5.0,
    ) -> SeenMessage:
        """The first message the user sees for which ``predicate`` is truthy, waiting for it;
        TimeoutError (showing what the user sees) otherwise."""

        def found() -> SeenMessage | None:
            return next((m for m in self.seen_by(user_id) if predicate(m)), None)

        try:
            return self.wait_for(found, timeout)
        except TimeoutError as error:
            raise TimeoutError(f"{error}; user {user_id} sees {self.seen_by(user_id)}") from None

    def wait_for_interaction(self, interaction_id: int, timeout: float = 5.0) -> InteractionRecord:
        """Wait until the interaction is acknowledged or has failed; returns its record."""

        def settled() -> InteractionRecord | None:
            record = self.interaction(interaction_id)
            return record if record.acknowledged or record.failed else None

        return self.wait_for(settled, timeout)

    def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until ``predicate()`` is truthy and return it; re-checked after every change
        and at least every 50 ms. TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.world.changed:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout} s")
                self.world.changed.wait(min(remaining, WAIT_POLL_S))

    def wait_until_connected(self, timeout: float = 10.0) -> None:
        """Until a bot has identified (or resumed) on the gateway and is connected."""
        self.wait_for(self._gateway.connected, timeout)

    def interaction(self, interaction_id: int) -> InteractionRecord:
        with self.world.lock:
            state = self.world.interactions[interaction_id]
            return _record(state)

    @property
    def interactions(self) -> list[InteractionRecord]:
        with self.world.lock:
            return [_record(state) for state in self.world.interactions.values()]

    @property
    def failed_interactions(self) -> list[InteractionRecord]:
        with self.world.lock:
            for state in self.world.interactions.values():
                expire_unacknowledged(state, self._clock(), self.settings.ack_deadline_s)
            return [_record(s) for s in self.world.interactions.values() if s.failure]

    def commands(self, guild_id: int | None = None) -> dict[str, dict[str, Any]]:
        """The commands synced globally (None) or to a guild, by name."""
        with self.world.lock:
            return {name: dict(c) for name, c in self.world.commands.get(guild_id, {}).items()}

    @property
    def requests(self) -> list[RequestRecord]:
        with self.world.lock:
            return list(self.world.requests)

    @property
    def requests_per_route(self) -> Counter[str]:
        """How many requests each route got (``"POST /channels/{channel_id}/messages"``)."""
        with self.world.lock:
            return Counter(r.route or f"{r.method} {r.path}" for r in self.world.requests)

    @property
    def throttled(self) -> list[Throttle]:
        """Every 429 sent."""
        with self.world.lock:
            return list(self.world.throttled)

    @property
    def unknown_routes(self) -> list[str]:
        with self.world.lock:
            return list(self.world.unknown_routes)

    @property
    def internal_errors(self) -> list[str]:
        """Bugs of the stand-in itself (answered with 500); tests may assert it stays empty."""
        with self.world.lock:
            return list(self.world.internal_errors)

    @property
    def gateway_connections(self) -> list[Connection]:
        with self.world.lock:
            return list(self._gateway.connections)

    def everything_sent(self) -> str:
        """Every request path, query and body, and every gateway frame the bot sent (its
        token redacted), as one text to scan for secrets."""
        with self.world.lock:
            parts = [f"{r.method} {r.path}?{r.query}\n{r.body}" for r in self.world.requests]
            return "\n".join([*parts, *self.world.gateway_frames_sent_by_bot])

    def _snapshot(self, message: StoredMessage) -> SeenMessage:
        channel = self.world.channels[message.channel_id]
        return SeenMessage(
            id=message.id,
            channel_id=message.channel_id,
            guild_id=channel.guild_id,
            author_id=message.author_id,
            from_bot=message.author_id == self.world.bot.id,
            content=message.content,
            embeds=tuple(copy.deepcopy(message.embeds)),
            components=tuple(copy.deepcopy(message.components)),
            flags=message.flags,
            ephemeral=bool(message.flags & EPHEMERAL),
            loading=bool(message.flags & LOADING),
            visible_to=message.visible_to,
            interaction_id=message.interaction_id,
            created_at=message.created_at,
            edit_times=tuple(message.edit_times),
            history=tuple(message.history),
            deleted=message.deleted,
        )


def _record(state: InteractionState) -> InteractionRecord:
    return InteractionRecord(
        id=state.id,
        kind=state.kind,
        name=state.name,
        user_id=state.user_id,
        channel_id=state.channel_id,
        guild_id=state.guild_id,
        created_at=state.created_at,
        response_type=state.response_type,
        acked_at=state.acked_at,
        failure=state.failure,
        original_message_id=state.original_message_id,
        followup_ids=tuple(state.followup_ids),
    )
