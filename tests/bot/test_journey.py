"""End to end: the real bot, a real worker, Redis and both stand-ins."""

from __future__ import annotations

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
    telegram.send_text(STUDENT_USER, EMAIL)
    telegram.wait_for(says("password"), chat_id=CHAT)
    password_message = telegram.send_text(STUDENT_USER, PASSWORD)
    telegram.wait_for(says("Checking"), chat_id=CHAT)
    drain(lambda: "Logged in" in (telegram.last_bot_message(CHAT).text or ""))
    chat = telegram.chat(CHAT)
    assert next(m for m in chat if m.message_id == password_message["message_id"]).deleted

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
