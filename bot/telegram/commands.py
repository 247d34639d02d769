"""The commands besides /login, each handed to the conversation in core."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.telegram.services import port_and_student
from core.conversation import texts

if TYPE_CHECKING:
    from telegram import Update

    from bot.telegram.services import BotContext


async def welcome(update: Update, context: BotContext) -> None:
    """/start and /help: what the bot does, the steps, how credentials are kept."""
    port, _ = port_and_student(update, context)
    await context.conversation.welcome(port)


async def courses(update: Update, context: BotContext) -> None:
    """/courses: the picker, fetched in the background."""
    port, student = port_and_student(update, context)
    await context.conversation.courses(student, port)


async def run(update: Update, context: BotContext) -> None:
    """/run: start the picked courses."""
    port, student = port_and_student(update, context)
    await context.conversation.run(student, port)


async def status(update: Update, context: BotContext) -> None:
    """/status: every run of the student with its state."""
    port, student = port_and_student(update, context)
    await context.conversation.status(student, port)


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: one button per active run."""
    port, student = port_and_student(update, context)
    await context.conversation.cancel_menu(student, port)


async def forget(update: Update, context: BotContext) -> None:
    """/forget: ask to confirm with a button."""
    port, _ = port_and_student(update, context)
    await context.conversation.forget_menu(port)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    port, _ = port_and_student(update, context)
    await port.reply(texts.UNKNOWN_COMMAND)


async def stray_text(update: Update, context: BotContext) -> None:
    """Text where a button or a command was expected; in a group, possibly a secret."""
    port, _ = port_and_student(update, context)
    if port.private:
        await port.reply(texts.USE_BUTTONS)


async def not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos and anything else that is not text."""
    port, _ = port_and_student(update, context)
    if port.private:
        await port.reply(texts.NOT_UNDERSTOOD)
