"""The Telegram stand-in driven by the real python-telegram-bot, as the bot will drive it."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from emulators.telegram import TelegramEmulator

T = TypeVar("T")
STUDENT = 4242


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[TelegramEmulator]:
    with TelegramEmulator(clock=clock) as emulator:
        yield emulator
        assert emulator.internal_errors == []


def with_bot(emu: TelegramEmulator, action: Callable[[Bot], Awaitable[T]]) -> T:
    async def main() -> T:
        async with Bot(emu.token, base_url=emu.base_url) as bot:
            return await action(bot)

    return asyncio.run(main())


def says(text: str) -> str:
    """A pattern for PTB's error text (PTB re-capitalizes Telegram's description)."""
    return "(?i)" + re.escape(text)


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=label.lower()) for label in labels]]
    )


def test_get_me_describes_the_bot(emu: TelegramEmulator) -> None:
    me = with_bot(emu, lambda bot: bot.get_me())

    assert me.is_bot
    assert me.id == 123456
    assert me.username == emu.bot_user["username"]
    assert emu.calls[-1] == "getMe"


def test_sent_message_with_inline_keyboard_is_what_the_user_sees(emu: TelegramEmulator) -> None:
    emu.send_text(STUDENT, "/start")

    sent = with_bot(
        emu,
        lambda bot: bot.send_message(
            STUDENT, "<b>Pick</b> a course", parse_mode="HTML", reply_markup=keyboard("Run", "Stop")
        ),
    )

    assert sent.text == "Pick a course"
    assert sent.entities[0].type == "bold"
    assert sent.reply_markup == keyboard("Run", "Stop")
    shown = emu.last_bot_message(STUDENT)
    assert shown is not None
    assert shown.message_id == sent.message_id
    assert shown.text == "Pick a course"
    assert shown.buttons == [[("Run", "run"), ("Stop", "stop")]]
    assert shown.callback_data("Stop") == "stop"
    assert [m.from_bot for m in emu.chat(STUDENT)] == [False, True]


def test_sending_to_a_chat_that_never_wrote_fails(emu: TelegramEmulator) -> None:
    with pytest.raises(BadRequest, match=says("chat not found")):
        with_bot(emu, lambda bot: bot.send_message(999, "hello"))


def test_edit_then_identical_edit_is_not_modified(emu: TelegramEmulator) -> None:
    emu.send_text(STUDENT, "/run")

    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(STUDENT, "10%", reply_markup=keyboard("Cancel"))
        await bot.edit_message_text(
            "20%", STUDENT, sent.message_id, reply_markup=keyboard("Cancel")
        )
        with pytest.raises(BadRequest, match=says("message is not modified")):
            await bot.edit_message_text(
                "20%", STUDENT, sent.message_id, reply_markup=keyboard("Cancel")
            )
        with pytest.raises(BadRequest, match=says("message is not modified")):
            await bot.edit_message_text(
                " 20%\n", STUDENT, sent.message_id, reply_markup=keyboard("Cancel")
            )

    with_bot(emu, scenario)

    shown = emu.last_bot_message(STUDENT)
    assert shown is not None
    assert (shown.text, shown.edit_count, shown.history) == ("20%", 1, ["10%", "20%"])


def test_edit_without_reply_markup_removes_the_keyboard(emu: TelegramEmulator) -> None:
    emu.send_text(STUDENT, "/run")

    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(STUDENT, "running", reply_markup=keyboard("Cancel"))
        await bot.edit_message_text("done", STUDENT, sent.message_id)

    with_bot(emu, scenario)

    shown = emu.last_bot_message(STUDENT)
    assert shown is not None
    assert shown.buttons == []


def test_edit_reply_markup_and_edit_of_unknown_message(emu: TelegramEmulator) -> None:
    emu.send_text(STUDENT, "/run")

    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(STUDENT, "running", reply_markup=keyboard("Cancel"))
        await bot.edit_message_reply_markup(STUDENT, sent.message_id, reply_markup=None)
        with pytest.raises(BadRequest, match=says("message is not modified")):
            await bot.edit_message_reply_markup(STUDENT, sent.message_id, reply_markup=None)
        with pytest.raises(BadRequest, match=says("message to edit not found")):
            await bot.edit_message_text("x", STUDENT, 999)
        with pytest.raises(BadRequest, match=says("message can't be edited")):
            await bot.edit_message_text("x", STUDENT, 1)

    with_bot(emu, scenario)


def test_delete_deleted_again_and_undeletable(emu: TelegramEmulator) -> None:
    password = emu.send_text(STUDENT, "hunter2")

    async def scenario(bot: Bot) -> int:
        assert await bot.delete_message(STUDENT, password["message_id"])
        with pytest.raises(BadRequest, match=says("message to delete not found")):
            await bot.delete_message(STUDENT, password["message_id"])
        with pytest.raises(BadRequest, match=says("message to edit not found")):
            await bot.edit_message_text("x", STUDENT, password["message_id"])
        kept = await bot.send_message(STUDENT, "stays")
        emu.set_can_delete(STUDENT, False)
        with pytest.raises(BadRequest, match=says("message can't be deleted")):
            await bot.delete_message(STUDENT, kept.message_id)
        return kept.message_id

    kept_id = with_bot(emu, scenario)

    by_id = {m.message_id: m for m in emu.chat(STUDENT)}
    assert by_id[password["message_id"]].deleted
    assert not by_id[kept_id].deleted


def test_bot_cannot_delete_a_students_message_in_a_group(emu: TelegramEmulator) -> None:
    said = emu.send_text(STUDENT, "hello", chat_id=-100, chat_type="group", chat_title="CSE")

    with pytest.raises(BadRequest, match=says("message can't be deleted")):
        with_bot(emu, lambda bot: bot.delete_message(-100, said["message_id"]))
    assert said["chat"] == {"id": -100, "type": "group", "title": "CSE"}


def test_long_poll_returns_when_a_message_arrives(emu: TelegramEmulator) -> None:
    threading.Timer(0.3, emu.send_text, args=(STUDENT, "/status")).start()
    started = time.monotonic()

    updates = with_bot(emu, lambda bot: bot.get_updates(timeout=5))

    assert time.monotonic() - started < 3
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.text == "/status"
    assert message.entities[0].type == "bot_command"
    assert message.from_user is not None and message.from_user.id == STUDENT


def test_long_poll_times_out_empty_and_offset_confirms(emu: TelegramEmulator) -> None:
    async def scenario(bot: Bot) -> None:
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
        assert 0.9 <= time.monotonic() - started < 2.5
        emu.send_text(STUDENT, "one")
        emu.send_text(STUDENT, "two")
        first = await bot.get_updates(limit=1)
        assert [u.message.text for u in first if u.message] == ["one"]
        again = await bot.get_updates()
        assert [u.message.text for u in again if u.message] == ["one", "two"]
        after = await bot.get_updates(offset=again[0].update_id + 1)
        assert [u.message.text for u in after if u.message] == ["two"]
        assert await bot.get_updates(offset=after[-1].update_id + 1) == ()
        assert emu.pending_updates == []

    with_bot(emu, scenario)


def test_second_bot_instance_ends_the_first_ones_long_poll(emu: TelegramEmulator) -> None:
    async def scenario(first: Bot) -> None:
        older = asyncio.create_task(first.get_updates(timeout=5))
        await asyncio.sleep(0.3)
        async with Bot(emu.token, base_url=emu.base_url) as second:
            assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match=says("terminated by other getupdates")):
            await older

    with_bot(emu, scenario)


def test_button_press_arrives_as_callback_query(emu: TelegramEmulator) -> None:
    emu.send_text(STUDENT, "/courses")

    async def scenario(bot: Bot) -> None:
        sent = await bot.send_message(STUDENT, "Which?", reply_markup=keyboard("Maths"))
        await bot.edit_message_text(
            "Which one?", STUDENT, sent.message_id, reply_markup=keyboard("Maths", "Physics")
        )
        stale = await bot.get_updates()
        query_id = emu.press_button(STUDENT, STUDENT, sent.message_id, "physics")
        updates = await bot.get_updates(offset=stale[-1].update_id + 1)
        query = updates[0].callback_query
        assert query is not None
        assert (query.id, query.data) == (query_id, "physics")
        assert query.from_user.id == STUDENT
        assert isinstance(query.message, type(sent))
        assert query.message.text == "Which one?"
        assert query.chat_instance
        assert await query.answer("Starting Physics")
        with pytest.raises(BadRequest, match=says("query is too old")):
            await bot.answer_callback_query(query_id)

    with_bot(emu, scenario)

    assert [(a.text, a.show_alert) for a in emu.answered_callbacks] == [("Starting Physics", False)]
    with pytest.raises(ValueError, match="no button"):
        emu.press_button(STUDENT, STUDENT, 2, "chemistry")


def test_sticker_and_photo_parse_as_ptb_objects(emu: TelegramEmulator) -> None:
    emu.send_sticker(STUDENT)
    emu.send_photo(STUDENT, caption="my screen")

    updates = with_bot(emu, lambda bot: bot.get_updates())

    sticker, photo = (u.message for u in updates)
    assert sticker is not None and sticker.sticker is not None
    assert sticker.sticker.emoji == "👍"
    assert photo is not None and photo.photo and photo.caption == "my screen"
    assert [m.kind for m in emu.chat(STUDENT)] == ["sticker", "photo"]


def test_flood_limit_answers_retry_after(
    emu: TelegramEmulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns when RetryAfter.retry_after is read as int; opt in to timedelta instead.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    emu.send_text(STUDENT, "/run")
    burst = emu.settings.per_chat_burst

    async def scenario(bot: Bot) -> None:
        for n in range(burst):
            await bot.send_message(STUDENT, f"update {n}")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(STUDENT, "one too many")
        assert caught.value.retry_after.total_seconds() == 1
        clock.advance(1.0)
        await bot.send_message(STUDENT, "after waiting")

    with_bot(emu, scenario)

    assert emu.too_many_requests == {STUDENT: 1}
    assert [entry.method for entry in emu.timeline] == ["sendMessage"] * (burst + 1)
    assert emu.throttled[0].retry_after == 1


def test_wrong_token_is_invalid_token(emu: TelegramEmulator) -> None:
    async def scenario() -> None:
        async with Bot("123456:WRONG", base_url=emu.base_url) as bot:
            await bot.get_me()

    with pytest.raises(InvalidToken):
        asyncio.run(scenario())
    assert emu.calls == []


def test_blocked_user_gives_forbidden_until_they_write_again(emu: TelegramEmulator) -> None:
    emu.send_text(STUDENT, "/start")
    emu.block_bot(STUDENT)

    with pytest.raises(Forbidden, match="blocked"):
        with_bot(emu, lambda bot: bot.send_message(STUDENT, "progress"))
    emu.send_text(STUDENT, "/start")
    assert with_bot(emu, lambda bot: bot.send_message(STUDENT, "welcome back")).text


def test_bad_markup_in_markdown_v2_and_html_is_rejected(emu: TelegramEmulator) -> None:
    emu.send_text(STUDENT, "/status")

    async def scenario(bot: Bot) -> None:
        with pytest.raises(
            BadRequest, match=says("can't parse entities: character '.' is reserved")
        ):
            await bot.send_message(STUDENT, "50.0% done", parse_mode="MarkdownV2")
        with pytest.raises(BadRequest, match=says('unsupported start tag "br"')):
            await bot.send_message(STUDENT, "line<br>line", parse_mode="HTML")
        sent = await bot.send_message(STUDENT, r"*50\.0%* done", parse_mode="MarkdownV2")
        assert sent.text == "50.0% done"
        assert sent.entities[0].type == "bold"

    with_bot(emu, scenario)


def test_commands_chat_actions_and_session_methods(emu: TelegramEmulator) -> None:
    emu.send_text(STUDENT, "/help")

    async def scenario(bot: Bot) -> None:
        assert await bot.set_my_commands([BotCommand("run", "Complete a course")])
        assert [c.command for c in await bot.get_my_commands()] == ["run"]
        assert await bot.send_chat_action(STUDENT, "typing")
        with pytest.raises(BadRequest, match=says("wrong parameter action")):
            await bot.send_chat_action(STUDENT, "dancing")
        assert await bot.delete_my_commands()
        assert await bot.get_my_commands() == ()
        assert await bot.close()

    with_bot(emu, scenario)

    assert emu.chat_actions == [(STUDENT, "typing")]
    assert emu.commands() == []
    assert emu.unknown_calls == []


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, Any], str | None]]
    status: int

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(
            (json.loads(body), self.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[ThreadingHTTPServer, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()
    thread.join()


def test_webhook_receives_updates_instead_of_get_updates(
    emu: TelegramEmulator, receiver: tuple[ThreadingHTTPServer, type[_Receiver]]
) -> None:
    server, handler = receiver
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    emu.settings.webhook_retry_s = 0.1
    emu.send_text(STUDENT, "before the webhook")

    async def scenario(bot: Bot) -> None:
        assert await bot.set_webhook(url, secret_token="s3cret")
        with pytest.raises(Conflict, match=says("webhook is active")):
            await bot.get_updates()
        emu.send_text(STUDENT, "/start")
        await asyncio.to_thread(emu.wait_for, lambda: len(handler.received) == 2)
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (url, 0)
        handler.status = 500
        emu.send_text(STUDENT, "lost?")
        await asyncio.to_thread(emu.wait_for, lambda: len(handler.received) >= 2 + 2)
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 1
        assert "500" in (info.last_error_message or "")
        assert await bot.delete_webhook()
        assert [u.message.text for u in await bot.get_updates() if u.message] == ["lost?"]

    with_bot(emu, scenario)

    texts = [update["message"]["text"] for update, _ in handler.received[:2]]
    assert texts == ["before the webhook", "/start"]
    assert {secret for _, secret in handler.received} == {"s3cret"}
    assert [u["message"]["text"] for u in emu.webhook_deliveries] == texts


def test_ptb_application_answers_start_over_polling(emu: TelegramEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("hi")

    async def main() -> None:
        app = ApplicationBuilder().token(emu.token).base_url(emu.base_url).build()
        app.add_handler(CommandHandler("start", start))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            emu.send_text(STUDENT, "/start")
            await asyncio.to_thread(
                emu.wait_for,
                lambda chat: any(m.from_bot and m.text == "hi" for m in chat),
                chat_id=STUDENT,
            )
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

    asyncio.run(main())

    assert emu.unknown_calls == []
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= set(emu.calls)
    assert emu.pending_updates == []
