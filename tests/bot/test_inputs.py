"""Bad and odd input: each answered sensibly, none reaching another student's data."""

from __future__ import annotations

from core.conversation import texts
from core.keys import pending_login
from core.runs import RunState
from emulators.telegram import TelegramEmulator
from emulators.vtu.server import VTUEmulator
from tests.bot.conftest import OTHER_USER, STUDENT_USER, says
from tests.bot.helpers import answer_to, forge_press, log_in, message, start_course
from tests.core.conftest import EMAIL, PASSWORD
from tests.workers.conftest import STUDENT

CHAT = STUDENT_USER
GROUP = -100500


def test_start_and_help_explain_the_steps_and_the_credentials(telegram, bot):
    for command in ("/start", "/help"):
        telegram.send_text(STUDENT_USER, command)
        reply = telegram.wait_for(says("/login"), chat_id=CHAT)
        assert "encrypted" in (reply.text or "")
        telegram.send_text(STUDENT_USER, "hello")
        telegram.wait_for(says(texts.USE_BUTTONS), chat_id=CHAT)


def test_credentials_in_a_group_are_refused(telegram: TelegramEmulator, bot, ctx):
    sent = telegram.send_text(STUDENT_USER, f"/login {EMAIL} {PASSWORD}", GROUP, "supergroup")
    telegram.wait_for(says("private chat"), chat_id=GROUP)
    assert telegram.calls.count("deleteMessage") == 1  # tried; a bot is no admin here
    assert not message(telegram.chat(GROUP), sent["message_id"]).from_bot
    telegram.send_text(STUDENT_USER, EMAIL, GROUP, "supergroup")
    telegram.send_text(STUDENT_USER, "/status", GROUP, "supergroup")
    telegram.wait_for(says(texts.PRIVATE_ONLY), chat_id=GROUP)
    assert sum(m.from_bot for m in telegram.chat(GROUP)) == 2
    assert not ctx.vault.has_credentials(STUDENT)
    assert not ctx.vault.has_credentials(pending_login(STUDENT))


def test_unknown_commands_stickers_photos_and_long_texts(telegram: TelegramEmulator, bot):
    telegram.send_text(STUDENT_USER, "/frobnicate")
    telegram.wait_for(says(texts.UNKNOWN_COMMAND), chat_id=CHAT)
    telegram.send_sticker(STUDENT_USER)
    telegram.wait_for(says(texts.NOT_UNDERSTOOD), chat_id=CHAT)
    telegram.send_text(STUDENT_USER, "x" * 4096)
    telegram.wait_for(says(texts.USE_BUTTONS), chat_id=CHAT)
    telegram.send_photo(STUDENT_USER, caption="my password")
    telegram.wait_for(lambda chat: len([m for m in chat if m.from_bot]) == 4, chat_id=CHAT)
    assert telegram.last_bot_message(CHAT).text == texts.NOT_UNDERSTOOD


def test_login_rejects_odd_input_and_a_password_the_bot_cannot_delete(
    telegram: TelegramEmulator, bot, ctx, drain
):
    telegram.send_text(STUDENT_USER, "/login")
    telegram.wait_for(says("VTU email"), chat_id=CHAT)
    telegram.send_sticker(STUDENT_USER)
    telegram.wait_for(lambda chat: len([m for m in chat if m.from_bot]) == 2, chat_id=CHAT)
    telegram.send_text(STUDENT_USER, "a" * 4000)
    telegram.wait_for(says(texts.BAD_EMAIL), chat_id=CHAT)
    assert all(m.deleted for m in telegram.chat(CHAT) if (m.text or "").startswith("aaa"))
    telegram.send_text(STUDENT_USER, EMAIL)
    telegram.wait_for(says(texts.ASK_PASSWORD), chat_id=CHAT)
    telegram.send_text(STUDENT_USER, "p" * 500)
    telegram.wait_for(says(texts.BAD_PASSWORD), chat_id=CHAT)
    telegram.set_can_delete(CHAT, False)
    telegram.send_text(STUDENT_USER, PASSWORD)
    telegram.wait_for(says("Checking"), chat_id=CHAT)
    not_deleted = texts.PASSWORD_NOT_DELETED.format(how="long-press it, Delete")
    assert any(m.text == not_deleted for m in telegram.chat(CHAT))
    drain(lambda: ctx.vault.has_credentials(STUDENT))
    long_one = [m for m in telegram.chat(CHAT) if (m.text or "").startswith("ppp")]
    assert long_one and long_one[0].deleted


def test_a_password_typed_at_the_email_step_is_deleted_and_the_bot_says_why(
    telegram: TelegramEmulator, bot
):
    telegram.send_text(STUDENT_USER, "/login")
    telegram.wait_for(says("VTU email"), chat_id=CHAT)
    slip = telegram.send_text(STUDENT_USER, PASSWORD)
    telegram.wait_for(says(texts.BAD_EMAIL), chat_id=CHAT)
    assert message(telegram.chat(CHAT), slip["message_id"]).deleted
    assert "might have been your password" in texts.BAD_EMAIL
    caption = telegram.send_photo(STUDENT_USER, caption=PASSWORD)
    telegram.wait_for(says("I deleted your message: at this step I only take text"), chat_id=CHAT)
    assert message(telegram.chat(CHAT), caption["message_id"]).deleted
    telegram.send_text(STUDENT_USER, EMAIL)
    telegram.wait_for(says(texts.ASK_PASSWORD), chat_id=CHAT)
    blank = telegram.send_text(STUDENT_USER, " ")
    telegram.wait_for(says(texts.BAD_PASSWORD), chat_id=CHAT)
    assert message(telegram.chat(CHAT), blank["message_id"]).deleted
    telegram.set_can_delete(CHAT, False)
    telegram.send_text(STUDENT_USER, "/cancel")
    telegram.wait_for(says(texts.LOGIN_CANCELLED), chat_id=CHAT)
    telegram.send_text(STUDENT_USER, "/login")
    telegram.wait_for(says("VTU email"), chat_id=CHAT)
    telegram.send_text(STUDENT_USER, PASSWORD)
    telegram.wait_for(says(texts.BAD_EMAIL_KEPT.format(how="long-press it, Delete")), chat_id=CHAT)
    shown = [m.text for m in telegram.chat(CHAT) if not m.deleted]
    assert shown.count(PASSWORD) == 1  # only the one the bot could not delete, and it said so


def test_wrong_password_is_reported_and_not_kept(telegram: TelegramEmulator, bot, ctx, drain):
    answer = log_in(telegram, drain, STUDENT_USER, password="wrong password")
    assert answer.startswith("Login failed: VTU did not accept")
    assert not ctx.vault.has_credentials(STUDENT)
    assert not ctx.vault.has_credentials(pending_login(STUDENT))


def test_a_locked_account_is_reported_as_locked_not_as_a_wrong_password(
    telegram: TelegramEmulator, vtu: VTUEmulator, bot, ctx, drain
):
    vtu.catalog.student(EMAIL).locked = True
    answer = log_in(telegram, drain, STUDENT_USER)
    assert answer.startswith("Login failed: VTU has locked your account")
    assert "Unlock it on online.vtu.ac.in" in answer and "did not accept" not in answer
    assert not ctx.vault.has_credentials(STUDENT)


def test_courses_before_login(telegram: TelegramEmulator, bot):
    telegram.send_text(STUDENT_USER, "/courses")
    telegram.wait_for(says(texts.NOT_LOGGED_IN), chat_id=CHAT)


def test_forged_stale_and_foreign_buttons_touch_nothing(
    telegram: TelegramEmulator, bot, ctx, drain, redis
):
    log_in(telegram, drain, STUDENT_USER)
    progress = start_course(telegram, drain, STUDENT_USER)
    run = ctx.runs.status(STUDENT)[0]
    for data in ("cancel:../../x", "explode:1", "x" * 70):
        query = forge_press(telegram, OTHER_USER, CHAT, progress.message_id, data)
        assert answer_to(telegram, query) == texts.BUTTON_INVALID
    query = forge_press(telegram, OTHER_USER, CHAT, progress.message_id, "cancel:" + "0" * 16)
    assert answer_to(telegram, query) == texts.NOT_YOURS
    query = telegram.press_button(OTHER_USER, CHAT, progress.message_id, f"cancel:{run.id}")
    assert answer_to(telegram, query) == texts.NOT_YOURS
    assert ctx.runs.get(STUDENT, run.id).state is RunState.QUEUED
    redis.delete(*redis.keys("autopilot:picker:*"))
    query = forge_press(telegram, STUDENT_USER, CHAT, progress.message_id, "pick:0")
    assert answer_to(telegram, query) == texts.PICKER_STALE


def test_button_data_that_is_not_valid_text_is_answered_not_raised(
    telegram: TelegramEmulator, bot, caplog
):
    telegram.send_text(STUDENT_USER, "/forget")
    confirm = telegram.wait_for(says("cannot be undone"), chat_id=CHAT)
    for data in ("forget:\ud800", "\udfff" * 3, "pick:\ud83d"):
        query = forge_press(telegram, STUDENT_USER, CHAT, confirm.message_id, data)
        assert answer_to(telegram, query) == texts.BUTTON_INVALID
    query = telegram.press_button(STUDENT_USER, CHAT, confirm.message_id, "forget:no")
    assert answer_to(telegram, query) is None
    assert not [m for m in telegram.chat(CHAT) if m.text == texts.SOMETHING_WENT_WRONG]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_press_on_a_message_the_bot_cannot_edit_is_answered_not_raised(
    telegram: TelegramEmulator, bot, caplog
):
    sent = telegram.send_text(STUDENT_USER, "/help")
    telegram.wait_for(says("/login"), chat_id=CHAT)
    for data, answer in (("pick:0", texts.PICKER_STALE), ("forget:no", texts.FORGET_KEPT)):
        query = forge_press(telegram, STUDENT_USER, CHAT, sent["message_id"], data)
        assert answer_to(telegram, query) == answer
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_forget_asks_first_then_deletes_everything(telegram: TelegramEmulator, bot, ctx, drain):
    log_in(telegram, drain, STUDENT_USER)
    telegram.send_text(STUDENT_USER, "/forget")
    confirm = telegram.wait_for(says("cannot be undone"), chat_id=CHAT)
    telegram.send_text(STUDENT_USER, "yes")
    telegram.wait_for(says(texts.USE_BUTTONS), chat_id=CHAT)
    assert ctx.vault.has_credentials(STUDENT)
    telegram.press_button(STUDENT_USER, CHAT, confirm.message_id, "forget:yes")
    telegram.wait_for(
        lambda chat: "deleted" in (message(chat, confirm.message_id).text or ""), chat_id=CHAT
    )
    assert not ctx.vault.has_credentials(STUDENT)
    assert ctx.runs.status(STUDENT) == []
