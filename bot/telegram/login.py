"""/login on Telegram: email, then password (both deleted at once), then the conversation
in core validates, stores the login encrypted and queues its check."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from telegram.ext import ConversationHandler

from bot.telegram.replies import say, try_delete
from bot.telegram.services import port_and_student
from core.conversation import texts

if TYPE_CHECKING:
    from telegram import Update

    from bot.telegram.services import BotContext


class LoginState(IntEnum):
    EMAIL = 1
    PASSWORD = 2


async def ask_email(update: Update, context: BotContext) -> int:
    """Start a login in a private chat; refuse (and delete the message) anywhere else."""
    message = update.effective_message
    assert message is not None
    port, _ = port_and_student(update, context)
    if not port.private:
        await try_delete(context, message.chat_id, message.message_id)
    if not await context.conversation.may_log_in(port):
        return ConversationHandler.END
    _prompt(context, message.chat_id, texts.ASK_EMAIL)
    return LoginState.EMAIL


async def take_email(update: Update, context: BotContext) -> int:
    """Keep a well-formed email in memory and ask for the password. Every message of this
    step is deleted: an email is part of the login, and a refused one may be the password."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    checked = context.conversation.check_email(message.text or "")
    deleted = await try_delete(context, message.chat_id, message.message_id)
    if checked.refusal:
        await say(context, message.chat_id, checked.refusal if deleted else texts.BAD_EMAIL)
        return LoginState.EMAIL
    context.user_data["email"] = checked.email
    _prompt(context, message.chat_id, texts.ASK_PASSWORD)
    return LoginState.PASSWORD


async def take_password(update: Update, context: BotContext) -> int:
    """Delete the password message, then hand the login to the conversation."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    port, student = port_and_student(update, context)
    if not await try_delete(context, message.chat_id, message.message_id):
        await port.reply(texts.PASSWORD_NOT_DELETED.format(how=port.limits.delete_hint))
    password = message.text or ""
    problem = context.conversation.password_problem(password)
    if problem:
        await port.reply(problem)
        return LoginState.PASSWORD
    email = context.user_data.pop("email", "")
    await context.conversation.login_submitted(student, port, email, password)
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
