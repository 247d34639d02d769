"""Starting the picked courses: one progress message per new run, a pointer for a duplicate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.telegram.replies import say
from core.conversation import render_run, run_keyboard, texts
from core.runs import RunError

if TYPE_CHECKING:
    from bot.telegram.services import BotContext


async def start_picked(context: BotContext, chat_id: int, student: str) -> None:
    """Submit every picked course; each new run gets a message the workers keep editing."""
    services = context.services
    picked = await services.picker.take_picked(student)
    if not picked:
        await say(context, chat_id, texts.PICK_FIRST)
        return
    await say(context, chat_id, texts.STARTING.format(count=len(picked)))
    for course in picked:
        try:
            submission = await services.runs.submit(
                student, course.slug, {"telegram": {"chat_id": chat_id}}
            )
        except RunError as exc:
            await say(context, chat_id, f"{course.title}: {exc.message}")
            continue
        record = submission.run
        existing = (record.notify.get("telegram") or {}).get("message_id")
        if not submission.created and existing:
            text = texts.ALREADY_RUNNING.format(course=course.title)
            await say(context, chat_id, text, reply_to=int(existing))
            continue
        record.course_title = record.course_title or course.title
        shown = await say(context, chat_id, render_run(record), run_keyboard(record))
        notify = {"telegram": {"chat_id": chat_id, "message_id": shown.message_id}}
        await services.runs.show_in(student, record.id, notify)
