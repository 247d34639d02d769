"""Driving the stand-in like a student: log in, pick, start; forge a button press."""

from __future__ import annotations

from core.conversation import CoursePicker, PickedCourse
from core.vault import SecretBox, Vault
from core.vtu import Credentials
from emulators.telegram import ChatMessage, TelegramEmulator
from emulators.telegram.objects import message_json, user_json
from emulators.telegram.users import chat_instance
from emulators.telegram.world import CallbackQuery
from tests.bot.conftest import says
from tests.core.conftest import EMAIL, PASSWORD
from tests.workers.conftest import SMALL


def log_in(telegram: TelegramEmulator, drain, user: int, password: str = PASSWORD) -> str:
    telegram.send_text(user, "/login")
    telegram.wait_for(says("VTU email"), chat_id=user)
    telegram.send_text(user, EMAIL)
    telegram.wait_for(says("password"), chat_id=user)
    telegram.send_text(user, password)
    telegram.wait_for(says("Checking"), chat_id=user)
    drain(lambda: "Checking" not in (telegram.last_bot_message(user).text or ""))
    return telegram.last_bot_message(user).text or ""


def start_course(telegram: TelegramEmulator, drain, user: int, index: int = 0) -> ChatMessage:
    """/courses, tick course `index`, press Start; returns the run's progress message (or the
    pointer to it when the course is already running)."""
    telegram.send_text(user, "/courses")
    telegram.wait_for(says("Fetching"), chat_id=user)
    drain(lambda: "Your courses" in (telegram.last_bot_message(user).text or ""))
    picker = telegram.last_bot_message(user)
    telegram.press_button(user, user, picker.message_id, f"pick:{index}")
    telegram.wait_for(
        lambda chat: "✓" in (message(chat, picker.message_id).text or ""), chat_id=user
    )
    telegram.press_button(user, user, picker.message_id, "start:")
    started, duplicate = says("Queued"), says("already running")
    return telegram.wait_for(lambda chat: started(chat) or duplicate(chat), chat_id=user)


def message(chat: list[ChatMessage], message_id: int) -> ChatMessage:
    return next(m for m in chat if m.message_id == message_id)


def forge_press(
    telegram: TelegramEmulator, user: int, chat_id: int, message_id: int, data: str
) -> str:
    """A callback query with any data, as a modified client could send it."""
    world = telegram.world
    with world.changed:
        chat = world.find_chat(chat_id)
        query_id = str(world.next_callback_id)
        world.next_callback_id += 1
        world.callback_queries[query_id] = CallbackQuery(query_id, user, chat_id, message_id, data)
        world.enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": user_json(user, "Mallory"),
                "message": message_json(chat.messages[message_id], chat),
                "chat_instance": chat_instance(chat_id),
                "data": data,
            },
        )
        world.changed.notify_all()
    return query_id


def answer_to(telegram: TelegramEmulator, query_id: str) -> str | None:
    answered = telegram.wait_for(
        lambda: [a for a in telegram.answered_callbacks if a.callback_query_id == query_id]
    )
    return answered[0].text


def ready_to_run(redis, settings, users: list[int]) -> None:
    """Students logged in with the small course ticked, as after /login and /courses."""
    vault = Vault(redis, SecretBox(settings.secret_keys))
    picker = CoursePicker(redis)
    for user in users:
        student = f"telegram:{user}"
        vault.save_credentials(student, Credentials(f"s{user}@vtu.test", "pw"))
        picker.save(student, [PickedCourse(SMALL, "Control Systems", 0.0)])
        picker.toggle(student, 0)
