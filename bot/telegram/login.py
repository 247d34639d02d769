"""/login on Telegram: email, then password, each message deleted at once; the conversation
in core validates, words every answer, stores the login encrypted and queues its check."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from telegram.ext import ConversationHandler

from bot.telegram.replies import say, try_delete
from bot.telegram.services import port_and_student
from core.conversation import texts
from core.conversation.service import LoginStep

if TYPE_CHECKING:
    from telegram import Message, Update

    from bot.telegram.services import BotContext


class LoginState(IntEnum):
    EMAIL = 1
    PASSWORD = 2


async def ask_email(update: Update, context: BotContext) -> int:
    """Start a login in a private chat; refuse (and delete the message) anywhere else."""
    message, found = update.effective_message, port_and_student(update, context)
    if message is None or found is None:
        return ConversationHandler.END
    port, _ = found
    if not port.private:
        await try_delete(context, message.chat_id, message.message_id)
    if not await context.conversation.may_log_in(port):
        return ConversationHandler.END
    _prompt(context, message.chat_id, texts.ASK_EMAIL)
    return LoginState.EMAIL


async def take_email(update: Update, context: BotContext) -> int:
    """Keep a well-formed email in memory and ask for the password. Every message of this
    step is deleted: an email is part of the login, and a refused one may be the password."""
    message, found = update.effective_message, port_and_student(update, context)
    assert message is not None and found is not None and context.user_data is not None
    port, _ = found
    email = context.conversation.email_from(message.text or "")
    deleted = await _delete(context, message)
    if email is None:
        await context.conversation.refused_at_login(port, LoginStep.EMAIL, deleted=deleted)
        return LoginState.EMAIL
    context.user_data["email"] = email
    _prompt(context, message.chat_id, texts.ASK_PASSWORD)
    return LoginState.PASSWORD


async def take_password(update: Update, context: BotContext) -> int:
    """Delete the password message, then hand the login to the conversation."""
    message, found = update.effective_message, port_and_student(update, context)
    assert message is not None and found is not None and context.user_data is not None
    port, student = found
    password = message.text or ""
    deleted = await _delete(context, message)
    conversation = context.conversation
    if not conversation.password_usable(password):
        await conversation.refused_at_login(port, LoginStep.PASSWORD, deleted=deleted)
        return LoginState.PASSWORD
    if not deleted:
        await conversation.password_not_deleted(port)
    email = context.user_data.pop("email", "")
    await conversation.login_submitted(student, port, email, password)
    return ConversationHandler.END


async def repeat_prompt(update: Update, context: BotContext) -> int | None:
    """Anything but text during a login (a photo's caption may hold the password): delete
    it, say so, and ask again for what is awaited."""
    message, found = update.effective_message, port_and_student(update, context)
    assert message is not None and found is not None and context.user_data is not None
    prompt = texts.ASK_PASSWORD if "email" in context.user_data else texts.ASK_EMAIL
    deleted = await _delete(context, message)
    await context.conversation.refused_at_login(
        found[0], LoginStep.NOT_TEXT, deleted=deleted, prompt=prompt
    )
    return None


async def cancel_login(update: Update, context: BotContext) -> int:
    """/cancel during a login: forget the email typed so far."""
    chat = update.effective_chat
    assert chat is not None and context.user_data is not None
    context.user_data.pop("email", None)
    await say(context, chat.id, texts.LOGIN_CANCELLED)
    return ConversationHandler.END


async def _delete(context: BotContext, message: Message) -> bool:
    return await try_delete(context, message.chat_id, message.message_id)


def _prompt(context: BotContext, chat_id: int, text: str) -> None:
    """Ask for the next step only after the handler has returned its new state: with updates
    handled concurrently, a quick answer could otherwise arrive while the old state holds."""
    context.application.create_task(say(context, chat_id, text))
