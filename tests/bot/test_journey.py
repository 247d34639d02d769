"""End to end: the real bot, a real worker, Redis and both stand-ins."""

from __future__ import annotations

from core.conversation import texts
from emulators.telegram import TelegramEmulator, peak_per_chat
from emulators.vtu.server import VTUEmulator
from tests.bot.conftest import STUDENT_USER, says
from tests.core.conftest import EMAIL, PASSWORD
from tests.workers.test_runs import video_lectures

CHAT = STUDENT_USER


def test_login_courses_run_to_completion(
    telegram: TelegramEmulator, vtu: VTUEmulator, bot, drain, ctx
):
    telegram.send_text(STUDENT_USER, "/login")
    telegram.wait_for(says("VTU email"), chat_id=CHAT)
    email_message = telegram.send_text(STUDENT_USER, EMAIL)
    telegram.wait_for(says("password"), chat_id=CHAT)
    password_message = telegram.send_text(STUDENT_USER, PASSWORD)
    telegram.wait_for(says("Checking"), chat_id=CHAT)
    drain(lambda: "Logged in" in (telegram.last_bot_message(CHAT).text or ""))
    chat = telegram.chat(CHAT)
    for sent in (email_message, password_message):  # no login left in the chat history
        assert next(m for m in chat if m.message_id == sent["message_id"]).deleted
    visible = " ".join(m.text or "" for m in chat if not m.deleted)
    assert EMAIL not in visible and PASSWORD not in visible

    telegram.send_text(STUDENT_USER, "/courses")
    telegram.wait_for(says("Fetching"), chat_id=CHAT)
    drain(lambda: "Your courses" in (telegram.last_bot_message(CHAT).text or ""))
    picker = telegram.last_bot_message(CHAT)
    telegram.press_button(STUDENT_USER, CHAT, picker.message_id, "pick:0")
    telegram.wait_for(lambda chat: "✓" in (chat[picker.message_id - 1].text or ""), chat_id=CHAT)
    telegram.send_text(STUDENT_USER, "/run")
    progress = telegram.wait_for(says("Queued"), chat_id=CHAT)

    def finished() -> bool:
        message = next(m for m in telegram.chat(CHAT) if m.message_id == progress.message_id)
        return "Completed" in (message.text or "")

    drain(finished, timeout=60)
    message = next(m for m in telegram.chat(CHAT) if m.message_id == progress.message_id)
    assert message.edit_count >= 1 and message.history[0].startswith("⏳ Queued")
    assert message.buttons == []
    assert "Skipped 1 lecture(s) without video" in (message.text or "")
    assert all(vtu.progress(EMAIL, lec.id).is_completed for lec in video_lectures(vtu))
    assert telegram.too_many_requests == {}
    assert max(peak_per_chat(telegram.timeline).values()) <= 3
    assert PASSWORD not in " ".join(m.text or "" for m in telegram.chat(CHAT) if m.from_bot)


def test_two_students_at_once_one_cancels(
    telegram: TelegramEmulator, vtu: VTUEmulator, bot, drain, ctx
):
    from tests.bot.conftest import OTHER_USER
    from tests.bot.helpers import log_in, message, start_course

    for user in (STUDENT_USER, OTHER_USER):
        assert log_in(telegram, drain, user).startswith("Logged in")
    first = start_course(telegram, drain, STUDENT_USER, index=1)  # the long benchmark course
    second = start_course(telegram, drain, OTHER_USER, index=0)

    telegram.send_text(STUDENT_USER, "/run")
    telegram.wait_for(says(texts.PICK_FIRST), chat_id=STUDENT_USER)
    telegram.press_button(
        STUDENT_USER, STUDENT_USER, first.message_id, first.callback_data("✖ Cancel")
    )

    def settled() -> bool:
        a = message(telegram.chat(STUDENT_USER), first.message_id).text or ""
        b = message(telegram.chat(OTHER_USER), second.message_id).text or ""
        return "Cancelled" in a and "Completed" in b

    drain(settled, timeout=120)  # a whole course on a busy machine: a bound, not a pace
    assert message(telegram.chat(STUDENT_USER), first.message_id).buttons == []
    assert telegram.too_many_requests == {}
    telegram.send_text(STUDENT_USER, "/status")
    status = telegram.wait_for(says("Cancelled"), chat_id=STUDENT_USER)
    assert "Completed" not in (status.text or "")


def test_duplicate_run_points_to_the_message_and_a_deleted_one_is_reposted(
    telegram: TelegramEmulator, bot, drain, ctx, redis
):
    from tests.bot.helpers import log_in, start_course

    log_in(telegram, drain, STUDENT_USER)
    first = start_course(telegram, drain, STUDENT_USER, index=1)
    pointer = start_course(telegram, drain, STUDENT_USER, index=1)
    assert pointer.reply_to_message_id == first.message_id
    assert len(ctx.runs.status("telegram:1001")) == 1

    world = telegram.world
    with world.changed:
        world.find_chat(STUDENT_USER).messages[first.message_id].deleted = True
        world.changed.notify_all()
    run = ctx.runs.status("telegram:1001")[0]
    drain(
        lambda: (
            ctx.runs.get("telegram:1001", run.id).target.message_id
            != str(first.message_id)
        ),
        timeout=30,
    )
    reposted = int(ctx.runs.get("telegram:1001", run.id).target.message_id)
    assert any(m.message_id == reposted and not m.deleted for m in telegram.chat(STUDENT_USER))
    ctx.runs.cancel("telegram:1001", run.id)
