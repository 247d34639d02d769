"""``TelegramEmulator``: the Bot API stand-in as tests and the demo use it, a real HTTP server on
127.0.0.1 plus the students' side of the conversation and what the bot did to each chat."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar

from emulators.telegram import users
from emulators.telegram.api import BotApi
from emulators.telegram.control import ControlApi
from emulators.telegram.flood import Throttle, TimelineEntry
from emulators.telegram.httpd import BotApiServer
from emulators.telegram.methods_bot import commands_key
from emulators.telegram.objects import ChatMessage, bot_json, snapshot
from emulators.telegram.settings import TelegramSettings
from emulators.telegram.webhook import WebhookSender
from emulators.telegram.world import AnsweredCallback, World

T = TypeVar("T")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
DEFAULT_TOKEN = "123456:TEST-TOKEN"
STOP_JOIN_TIMEOUT_S = 5.0
WAIT_POLL_S = 0.05


class TelegramEmulator:
    """Start it (``with TelegramEmulator() as emu:`` or ``start()``/``stop()``) and point
    python-telegram-bot at ``emu.base_url``; drive the students with ``send_text`` and
    ``press_button``; read what they see with ``chat``.

    ``clock`` times the flood limits and the timeline; long polls and webhook retries always
    run on real time.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        settings: TelegramSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        bot_name: str = "VTU AutoPilot",
        bot_username: str = "vtu_autopilot_bot",
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.token = token
        self.settings = settings if settings is not None else TelegramSettings()
        if problems := self.settings.problems():
            raise ValueError("; ".join(problems))
        self.world = World(bot=bot_json(int(bot_id), bot_name, bot_username))
        self._api = BotApi(token, self.world, self.settings, clock)
        self._server: BotApiServer | None = None
        self._thread: threading.Thread | None = None
        self._webhook: WebhookSender | None = None

    # ------------------------------------------------------------------------- lifecycle

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the emulator only listens on loopback ({LOOPBACK_HOSTS})")
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        with self.world.lock:
            self.world.closed = False
        self._server = BotApiServer((host, port), self._api, self.settings, ControlApi(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"telegram-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._webhook = WebhookSender(self.world, self.settings)
        self._webhook.start()
        return self

    def stop(self) -> None:
        """Stop serving: waiting long polls return, open connections are closed."""
        server, self._server = self._server, None
        if server is None:
            return
        with self.world.changed:
            self.world.closed = True
            self.world.changed.notify_all()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(STOP_JOIN_TIMEOUT_S)
        if self._webhook is not None:
            self._webhook.join(STOP_JOIN_TIMEOUT_S)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """The Bot API root in python-telegram-bot's ``base_url`` form (the token follows)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        return dict(self.world.bot)

    # ---------------------------------------------------------------------- students' side

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Student",
        *,
        last_name: str | None = None,
        username: str | None = None,
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """The user types ``text``; returns the user's Message as the bot receives it."""
        sender = users.Sender(
            user_id, first_name, chat_id, chat_type, last_name, username, chat_title
        )
        return users.send_message(
            self.world, sender, "text", text, reply_to_message_id=reply_to_message_id
        )

    def send_sticker(
        self,
        user_id: int,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Student",
        *,
        emoji: str = "👍",
        chat_title: str | None = None,
    ) -> dict[str, Any]:
        sender = users.Sender(user_id, first_name, chat_id, chat_type, chat_title=chat_title)
        return users.send_message(self.world, sender, "sticker", media=users.sticker_media(emoji))

    def send_photo(
        self,
        user_id: int,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Student",
        *,
        caption: str | None = None,
        chat_title: str | None = None,
    ) -> dict[str, Any]:
        sender = users.Sender(user_id, first_name, chat_id, chat_type, chat_title=chat_title)
        return users.send_message(
            self.world, sender, "photo", text=caption, media=users.photo_media()
        )

    def press_button(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """Press the inline button with ``data`` on the message as the bot last set it;
        returns the callback query id. ValueError when no such button is visible."""
        return users.press_button(self.world, user_id, chat_id, message_id, data)

    # ------------------------------------------------------------------------ faults

    def set_can_delete(self, chat_id: int, allowed: bool) -> None:
        """With ``allowed`` False every deleteMessage in the chat fails with "message can't
        be deleted" (e.g. older than 48 hours, or missing admin rights)."""
        with self.world.lock:
            self.world.find_chat(chat_id).can_delete = allowed

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks the bot: sends to their private chat fail with 403 Forbidden until
        they unblock it or write again."""
        with self.world.lock:
            self.world.find_chat(user_id).blocked = blocked

    # ------------------------------------------------------------------------ observation

    def chat(self, chat_id: int) -> list[ChatMessage]:
        """Every message of the chat in order, deleted ones flagged; [] for an unknown chat."""
        with self.world.lock:
            chat = self.world.chats.get(chat_id)
            return [] if chat is None else [snapshot(m) for m in chat.messages.values()]

    def bot_messages(self, chat_id: int) -> list[ChatMessage]:
        """The bot's messages the user can still see."""
        return [m for m in self.chat(chat_id) if m.from_bot and not m.deleted]

    def last_bot_message(self, chat_id: int) -> ChatMessage | None:
        shown = self.bot_messages(chat_id)
        return shown[-1] if shown else None

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The custom reply keyboard the bot last showed in the chat (None once removed)."""
        with self.world.lock:
            chat = self.world.chats.get(chat_id)
            return None if chat is None else chat.keyboard

    def wait_for(
        self,
        predicate: Callable[..., T],
        timeout: float = 5.0,
        *,
        chat_id: int | None = None,
    ) -> T:
        """Wait until ``predicate`` returns something truthy and return that.

        With ``chat_id`` the predicate is called with ``chat(chat_id)``, otherwise with no
        arguments. It is re-checked after every change and at least every 50 ms. Raises
        TimeoutError (showing the chat when ``chat_id`` is given).
        """
        deadline = time.monotonic() + timeout
        with self.world.changed:
            while True:
                value = predicate(self.chat(chat_id)) if chat_id is not None else predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    shown = f"; chat {chat_id}: {self.chat(chat_id)}" if chat_id is not None else ""
                    raise TimeoutError(f"condition not met within {timeout} s{shown}")
                self.world.changed.wait(min(remaining, WAIT_POLL_S))

    @property
    def calls(self) -> list[str]:
        """Every method called with the right token, in order (unknown ones as sent)."""
        with self.world.lock:
            return list(self._api.calls)

    @property
    def unknown_calls(self) -> list[str]:
        with self.world.lock:
            return list(self._api.unknown_calls)

    @property
    def internal_errors(self) -> list[str]:
        """Bugs of the stand-in itself (answered with 500); tests may assert it stays empty."""
        with self.world.lock:
            return list(self._api.internal_errors)

    @property
    def answered_callbacks(self) -> list[AnsweredCallback]:
        with self.world.lock:
            return list(self.world.answered_callbacks)

    @property
    def too_many_requests(self) -> dict[int, int]:
        """How many 429 answers each chat's sends and edits got."""
        with self.world.lock:
            return dict(Counter(entry.chat_id for entry in self._api.flood.throttled))

    @property
    def throttled(self) -> list[Throttle]:
        """Every 429 answer: (t, chat_id, method, retry_after)."""
        with self.world.lock:
            return list(self._api.flood.throttled)

    @property
    def timeline(self) -> list[TimelineEntry]:
        """Every accepted outgoing message: (t, chat_id, method), t on the emulator's clock."""
        with self.world.lock:
            return list(self._api.flood.timeline)

    @property
    def chat_actions(self) -> list[tuple[int, str]]:
        with self.world.lock:
            return list(self.world.chat_actions)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by getUpdates' offset (or not yet taken by the webhook)."""
        with self.world.lock:
            return [dict(update) for update in self.world.updates]

    @property
    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """Updates the webhook receiver accepted, in order."""
        with self.world.lock:
            return list(self.world.webhook_deliveries)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The command menu set with setMyCommands for ``scope`` (default scope when None)."""
        with self.world.lock:
            key = commands_key(scope, language_code)
            return [dict(entry) for entry in self.world.commands.get(key, [])]
