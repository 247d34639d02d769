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
    if found := port_and_student(update, context):
        await context.conversation.welcome(found[0])


async def courses(update: Update, context: BotContext) -> None:
    """/courses: the picker, fetched in the background."""
    if found := port_and_student(update, context):
        port, student = found
        await context.conversation.courses(student, port)


async def run(update: Update, context: BotContext) -> None:
    """/run [when]: start the picked courses now, or at a time ("tonight", "at 02:00")."""
    if found := port_and_student(update, context):
        port, student = found
        await context.conversation.run(student, port, _arguments(context))


async def keep(update: Update, context: BotContext) -> None:
    """/keep [on|off]: keep completed courses complete, checked every night."""
    if found := port_and_student(update, context):
        port, student = found
        await context.conversation.keep(student, port, _arguments(context))


async def timezone(update: Update, context: BotContext) -> None:
    """/timezone [Region/City]: the student's time zone, for start times."""
    if found := port_and_student(update, context):
        port, student = found
        await context.conversation.timezone(student, port, _arguments(context))


async def status(update: Update, context: BotContext) -> None:
    """/status: every run of the student with its state."""
    if found := port_and_student(update, context):
        port, student = found
        await context.conversation.status(student, port)


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: one button per active run."""
    if found := port_and_student(update, context):
        port, student = found
        await context.conversation.cancel_menu(student, port)


async def forget(update: Update, context: BotContext) -> None:
    """/forget: ask to confirm with a button."""
    if found := port_and_student(update, context):
        await context.conversation.forget_menu(found[0])


def _arguments(context: BotContext) -> str:
    """What follows the command, as typed (PTB splits it at whitespace)."""
    return " ".join(context.args or [])


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    if found := port_and_student(update, context):
        await found[0].reply(texts.UNKNOWN_COMMAND)


async def stray_text(update: Update, context: BotContext) -> None:
    """Text where a button or a command was expected; in a group, possibly a secret."""
    found = port_and_student(update, context)
    if found and found[0].private:
        await found[0].reply(texts.USE_BUTTONS)


async def not_text(update: Update, context: BotContext) -> None:
    """Stickers, photos and anything else that is not text."""
    found = port_and_student(update, context)
    if found and found[0].private:
        await found[0].reply(texts.NOT_UNDERSTOOD)
