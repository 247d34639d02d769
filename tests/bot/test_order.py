"""One chat's messages are handled in the order they were sent, however fast they come."""

from __future__ import annotations

from emulators.telegram import TelegramEmulator
from tests.bot.conftest import OTHER_USER, STUDENT_USER
from tests.core.conftest import EMAIL, PASSWORD


def last_said(telegram: TelegramEmulator, user: int) -> str:
    message = telegram.last_bot_message(user)
    return (message.text or "") if message is not None else ""


def test_a_login_sent_all_at_once_is_taken_in_order(telegram: TelegramEmulator, bot, drain):
    for user in (STUDENT_USER, OTHER_USER):  # two chats at once, each in a hurry
        for text in ("/login", EMAIL, PASSWORD):
            telegram.send_text(user, text)
    for user in (STUDENT_USER, OTHER_USER):
        drain(lambda u=user: "Logged in" in last_said(telegram, u))
        said = [m.text or "" for m in telegram.chat(user) if m.from_bot]
        assert not any("did not look like an email" in text for text in said), said
        assert all(m.deleted for m in telegram.chat(user) if m.text in (EMAIL, PASSWORD))
