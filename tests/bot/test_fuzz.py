"""A few hundred random and malformed updates through the Telegram stand-in, reproducibly.

Every private message and every group command gets an answer, every button press is answered
whatever its data, channel posts and update types the bot has no use for are ignored, no
handler raises (nothing reaches the error handler or logs an error), and no secret (password,
email, bot token, Fernet key, platform cookie) appears in anything the bot shows.
"""

from __future__ import annotations

import logging
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rq import SimpleWorker
from rq.serializers import JSONSerializer

from core.conversation import texts
from core.runs.queues import FAST_QUEUE, JSONJob, queue
from emulators.telegram import TelegramEmulator
from emulators.telegram.objects import ChatState, chat_json, message_json, user_json
from emulators.telegram.users import chat_instance, command_entities
from emulators.telegram.world import CallbackQuery
from tests.bot.conftest import STUDENT_USER
from tests.bot.helpers import log_in
from tests.core.conftest import EMAIL, PASSWORD

SEED = 20261110
UPDATES = 300
USERS = tuple(range(7001, 7041))
"""Private chats to spread the updates over: each chat may get one answer a second."""
GROUP = -100_700
CHANNEL = -100_800
GROUP_COMMANDS = 8
"""Group chats may get 20 messages a minute: keep the answered ones well under that."""
ANSWER_WAIT_S = 20.0

BUTTON_DATA = (
    "pick:0",
    "pick:1",
    "unfinished:",
    "start:",
    "forget:no",
    "cancel:0123456789abcdef",
    "refresh:fedcba9876543210",
)
COMMANDS = ("start", "help", "login", "courses", "run", "status", "cancel", "forget")
ALPHABETS = (
    string.printable,
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "漢字かなカナ한국어",
    "😀🎓📚🔥👍🏽‍♀️",
    "\u200b\u200d\u202e\u2066\ufeff\u0301\u0000\u0007\t\n\r",
    "ಕನ್ನಡ हिन्दी العربية עברית",
)
FUTURE_UPDATE_TYPES = ("some_future_update", "zz_unknown_kind", "x")
"""Update types this Bot API version does not have: PTB keeps them aside, no handler sees them."""


def unused_updates(user: dict[str, Any], bot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Well-formed updates of kinds the bot has no handler for (polls left out: their shape
    changes with every Bot API version, and PTB refuses a whole batch it cannot parse)."""
    group = {"id": GROUP, "type": "supergroup", "title": "Group"}
    return {
        "inline_query": {"id": "1", "from": user, "query": PASSWORD, "offset": ""},
        "chosen_inline_result": {"result_id": "r", "from": user, "query": EMAIL},
        "my_chat_member": {
            "chat": group,
            "from": user,
            "date": 0,
            "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0},
        },
        "chat_join_request": {"chat": group, "from": user, "user_chat_id": user["id"], "date": 0},
        "edited_channel_post": {
            "message_id": 1,
            "chat": {"id": CHANNEL, "type": "channel", "title": "Channel"},
            "date": 0,
            "edit_date": 1,
            "text": "/start",
        },
    }


@dataclass
class Expectations:
    """What the run of updates must show at the end."""

    replies: list[tuple[int, int, str]] = field(default_factory=list)
    """(chat, bot messages before, what was sent) for updates that must be answered."""
    presses: list[str] = field(default_factory=list)
    quiet_chats: set[int] = field(default_factory=set)


class Fuzzer:
    """Makes one random update at a time, as Telegram would deliver it or malformed."""

    def __init__(self, telegram: TelegramEmulator, rng: random.Random) -> None:
        self.telegram = telegram
        self.world = telegram.world
        self.rng = rng
        self.expect = Expectations()
        self.group_commands = 0

    def text(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.08:
            return PASSWORD
        if kind < 0.12:
            return rng.choice([" ", "\n\n", "\u200b", "."])
        if kind < 0.17:
            return rng.choice(ALPHABETS[:3]) * rng.randint(1_000, 6_000)
        if kind < 0.22:
            return "<b>*_`[x](tg://user?id=1)</b> %s {0} {email} \\"
        if kind < 0.27:
            return f"{rng.choice(string.ascii_lowercase)}@{rng.choice(['x', 'vtu.test', ''])}"
        alphabet = rng.choice(ALPHABETS)
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))

    def button_data(self) -> Any:
        rng = self.rng
        kind = rng.random()
        if kind < 0.25:
            return rng.choice(BUTTON_DATA)
        if kind < 0.45:
            prefix = rng.choice(["pick:", "cancel:", "forget:", ""])
            return prefix + "".join(chr(rng.randint(0xD800, 0xDFFF)) for _ in range(3))
        if kind < 0.6:
            raw = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
            return raw.decode("utf-8", "surrogateescape")
        if kind < 0.7:
            return "x" * rng.choice([65, 300, 5_000])
        if kind < 0.8:
            return rng.choice(["", ":", "pick", "pick:", "pick:-1", "pick:1e3", "start:extra"])
        return self.text()[:64]

    # --------------------------------------------------------------------- update kinds

    def private_text(self) -> None:
        user = self.rng.choice(USERS)
        text = self.text()
        if self.rng.random() < 0.3:
            tails = ["", " ", "@vtu_autopilot_bot", "@other_bot", " " + self.text()[:40]]
            text = f"/{self.rng.choice(COMMANDS)}{self.rng.choice(tails)}"
        elif self.rng.random() < 0.1:
            text = "/" + "".join(self.rng.choice(string.ascii_letters) for _ in range(12))
        self._answered(user, lambda: self.telegram.send_text(user, text), text)

    def private_media(self) -> None:
        user = self.rng.choice(USERS)
        if self.rng.random() < 0.5:
            send = lambda: self.telegram.send_sticker(user)  # noqa: E731
        else:
            send = lambda: self.telegram.send_photo(user, caption=self.text()[:1000])  # noqa: E731
        self._answered(user, send, "media")

    def login_slip(self) -> None:
        """/login, then the password where the email belongs (or other junk)."""
        user = self.rng.choice(USERS)
        self._answered(user, lambda: self.telegram.send_text(user, "/login"), "/login")
        text = PASSWORD if self.rng.random() < 0.5 else self.text()
        self._answered(user, lambda: self.telegram.send_text(user, text), "at login")

    def group_message(self) -> None:
        user = self.rng.choice(USERS)
        command = self.group_commands < GROUP_COMMANDS and self.rng.random() < 0.3
        text = f"/{self.rng.choice(COMMANDS)} {PASSWORD}" if command else self.text()
        send = lambda: self.telegram.send_text(user, text, GROUP, "supergroup")  # noqa: E731
        if command:
            self.group_commands += 1
            self._answered(GROUP, send, text)
        else:
            send()

    def channel_post(self) -> None:
        chat = self._chat(CHANNEL, "channel")
        body: dict[str, Any] = {
            "message_id": chat.next_message_id,
            "sender_chat": chat.info,
            "chat": chat.info,
            "date": int(time.time()),
            "text": self.rng.choice(["/start", "/login", "/status", "/nope", self.text()]),
        }
        if body["text"].startswith("/"):
            body["entities"] = command_entities(body["text"])
        chat.next_message_id += 1
        self._inject("channel_post", body)
        self.expect.quiet_chats.add(CHANNEL)

    def edited_message(self) -> None:
        user = self.rng.choice(USERS)
        chat = self.world.chats.get(user)
        mine = [m for m in chat.messages.values() if not m.from_bot] if chat else []
        if not mine:
            return self.private_text()
        body = message_json(self.rng.choice(mine), chat)
        body.pop("entities", None)
        body["text"] = self.text()
        body["edit_date"] = int(time.time())
        self._inject("edited_message", body)
        return None

    def stripped_message(self) -> None:
        """A message missing optional fields: no text, no sender, a service message, or one
        sent on behalf of a channel in a group."""
        rng = self.rng
        user = rng.choice(USERS)
        chat = self._chat(user, "private", user)
        body: dict[str, Any] = {
            "message_id": chat.next_message_id,
            "from": user_json(user, "Student"),
            "chat": chat.info,
            "date": int(time.time()),
        }
        chat.next_message_id += 1
        variant = rng.randrange(4)
        if variant == 0:
            body["text"] = "".join(chr(rng.randint(0xD800, 0xDFFF)) for _ in range(5))
        elif variant == 1:
            body["pinned_message"] = {"message_id": 1, "chat": chat.info, "date": 0}
        elif variant == 2:
            body["text"] = "/status"
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": 7}]
            del body["from"]
        else:
            group = self._chat(GROUP, "supergroup")
            body["chat"] = group.info
            body["from"] = user_json(1087968824, "Group", username="GroupAnonymousBot")
            body["sender_chat"] = group.info
            body["text"] = self.text()
        self._inject("message", body)

    def button_press(self) -> None:
        rng = self.rng
        chats = [c for c in self.world.chats.values() if c.messages and c.type == "private"]
        user = rng.choice((*USERS, STUDENT_USER))
        query_id = str(self.world.next_callback_id)
        self.world.next_callback_id += 1
        body: dict[str, Any] = {
            "id": query_id,
            "from": user_json(user, "Mallory"),
            "chat_instance": chat_instance(user),
        }
        data = self.button_data()
        if rng.random() < 0.9:
            body["data"] = data
        else:
            body["game_short_name"] = "tetris"
        chat_id, message_id = user, 0
        if chats and rng.random() < 0.85:
            chat = rng.choice(chats)
            message = rng.choice(list(chat.messages.values()))
            body["message"] = message_json(message, chat)
            chat_id, message_id = chat.id, message.message_id
        else:
            body["inline_message_id"] = "AgAAAN" + str(rng.randrange(10**9))
        self.world.callback_queries[query_id] = CallbackQuery(
            query_id, user, chat_id, message_id, str(body.get("data", ""))
        )
        self._inject("callback_query", body)
        self.expect.presses.append(query_id)

    def unused_update(self) -> None:
        if self.rng.random() < 0.3:
            kind = self.rng.choice(FUTURE_UPDATE_TYPES)
            self._inject(kind, {"id": self.rng.randrange(10**9), "junk": self.text()[:100]})
            return
        known = unused_updates(user_json(self.rng.choice(USERS), "S"), self.world.bot)
        kind = self.rng.choice(sorted(known))
        self._inject(kind, known[kind])

    # ------------------------------------------------------------------------ plumbing

    def one(self) -> None:
        kinds: list[tuple[Callable[[], None], int]] = [
            (self.private_text, 30),
            (self.private_media, 5),
            (self.login_slip, 6),
            (self.group_message, 8),
            (self.channel_post, 5),
            (self.edited_message, 6),
            (self.stripped_message, 6),
            (self.button_press, 25),
            (self.unused_update, 6),
        ]
        choose = self.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        if choose in (self.private_text, self.private_media, self.login_slip, self.group_message):
            choose()  # through the stand-in's own student side, which locks the world itself
            return
        with self.world.lock:
            choose()

    def _answered(self, chat_id: int, send: Callable[[], object], sent: str) -> None:
        before = len([m for m in self.telegram.chat(chat_id) if m.from_bot])
        send()
        self.telegram.wait_for(
            lambda chat: len([m for m in chat if m.from_bot]) > before,
            timeout=ANSWER_WAIT_S,
            chat_id=chat_id,
        )
        self.expect.replies.append((chat_id, before, sent[:40]))

    def _chat(self, chat_id: int, chat_type: str, user_id: int | None = None) -> ChatState:
        chat = self.world.chats.get(chat_id)
        if chat is None:
            user = user_json(user_id or 1, "Student")
            chat = ChatState(chat_json(chat_id, chat_type, user, None))
            self.world.chats[chat_id] = chat
        return chat

    def _inject(self, kind: str, body: dict[str, Any]) -> None:
        with self.world.changed:
            self.world.enqueue(kind, body)
            self.world.changed.notify_all()


def answer_fast_jobs(redis) -> None:
    """The login checks and course lists the updates queued, answered by a worker."""
    worker = SimpleWorker(
        [queue(redis, FAST_QUEUE)],
        connection=redis,
        serializer=JSONSerializer,
        job_class=JSONJob,
    )
    worker.work(burst=True, logging_level="WARNING")


def test_random_and_malformed_updates_are_answered_or_ignored_and_leak_nothing(
    telegram: TelegramEmulator, bot, ctx, drain, redis, settings, caplog
):
    caplog.set_level(logging.WARNING)
    log_in(telegram, drain, STUDENT_USER)
    fuzzer = Fuzzer(telegram, random.Random(SEED))
    started = time.monotonic()
    for _ in range(UPDATES):
        fuzzer.one()
    answer_fast_jobs(redis)
    telegram.wait_for(
        lambda: (
            {a.callback_query_id for a in telegram.answered_callbacks} >= set(fuzzer.expect.presses)
        ),
        timeout=ANSWER_WAIT_S,
    )
    took = time.monotonic() - started

    assert len(fuzzer.expect.presses) > 40 and len(fuzzer.expect.replies) > 100
    for chat_id in fuzzer.expect.quiet_chats:
        assert not [m for m in telegram.chat(chat_id) if m.from_bot]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors]
    shown = [
        text
        for chat in telegram.world.chats
        for message in telegram.chat(chat)
        if message.from_bot
        for text in (*message.history, str(message.reply_markup))
    ] + [a.text or "" for a in telegram.answered_callbacks]
    assert not [text for text in shown if text == texts.SOMETHING_WENT_WRONG]
    secrets = (PASSWORD, EMAIL, telegram.token, *settings.secret_keys, "eyJ")
    leaks = [(secret[:3], text[:60]) for text in shown for secret in secrets if secret in text]
    assert not leaks
    assert took < 90
