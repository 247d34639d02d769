"""Starting the picked courses: one progress message per new run, a pointer for a duplicate.

The selection is cleared only once every picked course has its run and its message: a start
that fails half-way (Redis, Telegram) keeps it, and the next /run picks up where it stopped
(a run that already exists is found again, not started twice).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.telegram.replies import say
from core.conversation import render_run, run_keyboard, texts
from core.runs import RunError

if TYPE_CHECKING:
    from bot.telegram.services import BotContext
    from core.conversation import PickedCourse


async def start_picked(context: BotContext, chat_id: int, student: str) -> None:
    """Submit every picked course; each new run gets a message the workers keep editing."""
    picker = context.services.picker
    picked = await picker.begin_start(student)
    if picked is None:
        await say(context, chat_id, texts.ALREADY_STARTING)
        return
    if not picked:
        await say(context, chat_id, texts.PICK_FIRST)
        return
    started = False
    try:
        if len(picked) > 1:  # one course: its progress message is the answer
            await say(context, chat_id, texts.STARTING.format(count=len(picked)))
        for course in picked:
            await _start_one(context, chat_id, student, course)
        started = True
    finally:
        await picker.end_start(student, started=started)


async def _start_one(context: BotContext, chat_id: int, student: str, course: PickedCourse) -> None:
    services = context.services
    try:
        submission = await services.runs.submit(
            student, course.slug, {"telegram": {"chat_id": chat_id}}
        )
    except RunError as exc:
        await say(context, chat_id, f"{course.title}: {exc.message}")
        return
    record = submission.run
    existing = (record.notify.get("telegram") or {}).get("message_id")
    if not submission.created and existing:
        text = texts.ALREADY_RUNNING.format(course=course.title)
        await say(context, chat_id, text, reply_to=int(existing))
        return
    record.course_title = record.course_title or course.title
    shown = await say(context, chat_id, render_run(record), run_keyboard(record))
    notify = {"telegram": {"chat_id": chat_id, "message_id": shown.message_id}}
    await services.runs.show_in(student, record.id, notify)
