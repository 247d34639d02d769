"""/login: email, then password (deleted at once), then a background check on the platform."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from telegram.ext import ConversationHandler

from bot.telegram.replies import say, try_delete
from bot.telegram.services import student_id
from core.conversation import texts
from core.conversation.login import pending_login
from core.jobs import CHECK_LOGIN
from core.vtu import Credentials

if TYPE_CHECKING:
    from telegram import Update

    from bot.telegram.services import BotContext


class LoginState(IntEnum):
    EMAIL = 1
    PASSWORD = 2


async def ask_email(update: Update, context: BotContext) -> int:
    """Start a login in a private chat; refuse (and delete the message) anywhere else."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if chat.type != chat.PRIVATE:
        await try_delete(context, chat.id, message.message_id)
        await say(context, chat.id, texts.LOGIN_PRIVATE_ONLY)
        return ConversationHandler.END
    _prompt(context, chat.id, texts.ASK_EMAIL)
    return LoginState.EMAIL


async def take_email(update: Update, context: BotContext) -> int:
    """Keep a well-formed email in memory and ask for the password."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None and context.user_data is not None
    email = (message.text or "").strip()
    if not texts.looks_like_email(email):
        await say(context, chat.id, texts.BAD_EMAIL)
        return LoginState.EMAIL
    context.user_data["email"] = email
    await try_delete(context, chat.id, message.message_id)  # no login in the chat history
    _prompt(context, chat.id, texts.ASK_PASSWORD)
    return LoginState.PASSWORD


async def take_password(update: Update, context: BotContext) -> int:
    """Delete the password message, store the login encrypted, and queue its check."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    assert chat is not None and message is not None and user is not None
    assert context.user_data is not None
    deleted = await try_delete(context, chat.id, message.message_id)
    if not deleted:
        await say(context, chat.id, texts.PASSWORD_NOT_DELETED)
    password = message.text or ""
    if not password.strip() or len(password) > texts.MAX_PASSWORD_CHARS:
        await say(context, chat.id, texts.BAD_PASSWORD)
        return LoginState.PASSWORD
    student = student_id(user.id)
    email = context.user_data.pop("email", "")
    services = context.services
    await services.vault.save_credentials(pending_login(student), Credentials(email, password))
    checking = await say(context, chat.id, texts.LOGIN_CHECKING)
    await services.jobs.enqueue(
        CHECK_LOGIN,
        student,
        chat.id,
        checking.message_id,
        description=f"check login of {student}",
    )
    return ConversationHandler.END


def _prompt(context: BotContext, chat_id: int, text: str) -> None:
    """Ask for the next step only after the handler has returned its new state: with updates
    handled concurrently, a quick answer could otherwise arrive while the old state holds."""
    context.application.create_task(say(context, chat_id, text))


async def repeat_prompt(update: Update, context: BotContext) -> int | None:
    """Anything but text during a login: ask again for what is awaited."""
    chat = update.effective_chat
    assert chat is not None and context.user_data is not None
    awaiting_password = "email" in context.user_data
    await say(context, chat.id, texts.ASK_PASSWORD if awaiting_password else texts.ASK_EMAIL)
    return None


async def cancel_login(update: Update, context: BotContext) -> int:
    """/cancel during a login: forget the email typed so far."""
    chat = update.effective_chat
    assert chat is not None and context.user_data is not None
    context.user_data.pop("email", None)
    await say(context, chat.id, texts.LOGIN_CANCELLED)
    return ConversationHandler.END
