"""The conversation with a student, once for every chat platform.

An adapter (Telegram, Discord) turns its platform's updates into calls here, with the
student's id and a `ChatPort` for answering, and this service owns every rule: private chats
only for anything personal, "logged in?" checks, login validation, what each button does,
the submit loop with duplicate detection, and where a run's progress message lives. It never
waits on the platform: checks and course lists are background jobs that answer by editing a
message this service posted (`ChatTarget` in the job's arguments).
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from core.conversation import texts
from core.conversation.callbacks import Action, Callback, CallbackError, decode, encode
from core.conversation.progress import render_run, run_keyboard, start_described, status_text
from core.conversation.start_time import StartTime, StartTimeError, describe, parse_start
from core.jobs import CHECK_LOGIN, LIST_COURSES
from core.keys import pending_login
from core.runs import RunError, RunNotFound, RunState
from core.timezones import close_zones, find_zone, local_now
from core.vtu import Credentials

if TYPE_CHECKING:
    from core.chat import ChatLimits, ChatTarget
    from core.conversation.backend import ConversationBackend
    from core.conversation.picker import PickedCourse
    from core.conversation.texts import Keyboard


class MessageNotEditable(Exception):
    """The message a button sits on cannot be edited (deleted since, or not the bot's)."""


class LoginStep(StrEnum):
    """Where in a chat login a message was refused."""

    EMAIL = "email"
    PASSWORD = "password"
    NOT_TEXT = "not-text"


class ProgressHomeClosed(Exception):
    """The adapter cannot post a lasting progress message for this student (e.g. their
    Discord DMs are closed); `hint` tells them how to open it."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


class ChatPort(Protocol):
    """How the conversation answers in one chat; implemented by each adapter."""

    @property
    def private(self) -> bool:
        """Whether only the student sees what is said here."""

    @property
    def limits(self) -> ChatLimits: ...

    async def reply(
        self, text: str, keyboard: Keyboard | None = None, *, reply_to: ChatTarget | None = None
    ) -> ChatTarget:
        """Answer in the conversation; returns where the answer is, for a job to edit."""

    async def reply_waiting(self, text: str) -> ChatTarget:
        """Answer with a message that a background job will replace; returns the address the
        job answers to (where the platform lets only the bot edit it, an address the adapter
        itself watches for the job's answer)."""

    async def post_progress(self, text: str, keyboard: Keyboard) -> ChatTarget:
        """Post a message the workers keep editing for hours; `ProgressHomeClosed` if none
        can be posted."""

    async def edit(self, target: ChatTarget, text: str, keyboard: Keyboard | None = None) -> None:
        """Replace one of the bot's messages (no keyboard removes the buttons);
        `MessageNotEditable` when it is gone or not the bot's."""

    async def private_home(self) -> ChatTarget:
        """The student's private chat with the bot (Telegram: this private chat; Discord:
        their DM channel), where workers may write to them unprompted."""


class Conversation:
    """Every step of the conversation; one instance per bot process."""

    def __init__(self, backend: ConversationBackend) -> None:
        self.backend = backend

    async def welcome(self, port: ChatPort) -> None:
        """/start and /help."""
        await port.reply(texts.WELCOME)

    async def may_log_in(self, port: ChatPort) -> bool:
        """Whether a login may start here; refuses (and says why) in a shared chat."""
        if port.private:
            return True
        await port.reply(texts.LOGIN_PRIVATE_ONLY)
        return False

    def email_from(self, text: str) -> str | None:
        """The email of a chat's email step, or None to refuse the message. A refused
        message may be the password typed one step early: adapters delete it, then call
        `refused_at_login`."""
        email = text.strip()
        return email if texts.looks_like_email(email) else None

    def password_usable(self, password: str) -> bool:
        return bool(password.strip()) and len(password) <= texts.MAX_PASSWORD_CHARS

    async def refused_at_login(
        self, port: ChatPort, step: LoginStep, *, deleted: bool, prompt: str = ""
    ) -> None:
        """Say why a message at a login step was refused, and that it was deleted (or how
        to delete it: it may hold the password)."""
        how = port.limits.delete_hint
        text = {
            (LoginStep.EMAIL, True): texts.BAD_EMAIL,
            (LoginStep.EMAIL, False): texts.BAD_EMAIL_KEPT,
            (LoginStep.PASSWORD, True): texts.BAD_PASSWORD,
            (LoginStep.PASSWORD, False): texts.BAD_PASSWORD_KEPT,
            (LoginStep.NOT_TEXT, True): texts.NOT_TEXT_AT_LOGIN,
            (LoginStep.NOT_TEXT, False): texts.NOT_TEXT_AT_LOGIN_KEPT,
        }[step, deleted]
        await port.reply(text.format(how=how, prompt=prompt))

    async def password_not_deleted(self, port: ChatPort) -> None:
        await port.reply(texts.PASSWORD_NOT_DELETED.format(how=port.limits.delete_hint))

    async def login_submitted(
        self, student: str, port: ChatPort, email: str, password: str
    ) -> bool:
        """Keep the login encrypted as pending and queue its check; the job answers by
        editing the "Checking…" message. False when refused (the student is told why)."""
        if not await self.may_log_in(port):
            return False
        if self.email_from(email) is None:
            await port.reply(texts.BAD_EMAIL_FORM)
            return False
        if not self.password_usable(password):
            await port.reply(texts.BAD_PASSWORD_FORM)
            return False
        credentials = Credentials(email.strip(), password)
        await self.backend.vault.save_credentials(pending_login(student), credentials)
        checking = await port.reply_waiting(texts.LOGIN_CHECKING)
        await self.backend.jobs.enqueue(
            CHECK_LOGIN, student, checking.to_json(), description=f"check login of {student}"
        )
        return True

    async def courses(self, student: str, port: ChatPort) -> None:
        """/courses: queue a fetch of the enrollments; the picker replaces the waiting message."""
        if not await self._private(port) or not await self._logged_in(student, port):
            return
        waiting = await port.reply_waiting(texts.COURSES_LOADING)
        await self.backend.jobs.enqueue(
            LIST_COURSES, student, waiting.to_json(), description=f"list courses of {student}"
        )

    async def run(self, student: str, port: ChatPort, when: str = "") -> None:
        """/run [when]: start the picked courses now, or schedule them for `when` (a start
        time in the student's time zone: "tonight", "at 02:00", ...)."""
        if not await self._private(port):
            return
        start = None
        if when.strip():
            zone = await self.backend.zones.zone(student)
            try:
                start = parse_start(when, time.time(), zone)
            except StartTimeError as refused:
                text = texts.START_TIME_UNREADABLE.format(
                    text=when.strip()[:60], problem=refused.problem, zone=zone
                )
                await port.reply(text)
                return
        await self._start_picked(student, port, start)

    async def timezone(self, student: str, port: ChatPort, text: str = "") -> None:
        """/timezone [Region/City]: show the student's time zone, or set it (checked against
        the IANA database)."""
        if not await self._private(port):
            return
        zones = self.backend.zones
        if not text.strip():
            zone = await zones.zone(student)
            await port.reply(texts.TIMEZONE_SHOW.format(zone=zone, now=_clock(zone)))
            return
        zone = find_zone(text)
        if zone is None:
            close = close_zones(text)
            hint = texts.TIMEZONE_SUGGESTIONS.format(names=" or ".join(close)) if close else ""
            await port.reply(
                texts.TIMEZONE_UNKNOWN.format(text=text.strip()[:64], suggestions=hint)
            )
            return
        await zones.set_zone(student, zone)
        await port.reply(texts.TIMEZONE_SET.format(zone=zone, now=_clock(zone)))

    async def keep(self, student: str, port: ChatPort, choice: str = "") -> None:
        """/keep [on|off]: say what keeping courses complete does, or turn it on or off."""
        if not await self._private(port):
            return
        choice = choice.strip().casefold()
        backend = self.backend
        zone = await backend.zones.zone(student)
        if not choice:
            state = await backend.keep.state(student)
            shown = texts.KEEP_STATE_ON if state.enabled else texts.KEEP_STATE_OFF
            await port.reply(texts.KEEP_ABOUT.format(state=shown, zone=zone))
        elif choice == "on":
            if not await backend.vault.has_credentials(student):
                await port.reply(texts.KEEP_NEEDS_LOGIN)
                return
            await backend.keep.enable(student, await port.private_home())
            await port.reply(texts.KEEP_ON.format(zone=zone))
        elif choice == "off":
            await backend.keep.disable(student)
            await port.reply(texts.KEEP_OFF)
        else:
            await port.reply(texts.KEEP_USAGE)

    async def status(self, student: str, port: ChatPort) -> None:
        """/status: every run of the student with its state."""
        if not await self._private(port):
            return
        records = await self.backend.runs.status(student)
        await port.reply(status_text(records) if records else texts.NO_RUNS)

    async def cancel_menu(self, student: str, port: ChatPort) -> None:
        """/cancel: one button per active or scheduled run."""
        if not await self._private(port):
            return
        active = [r for r in await self.backend.runs.status(student) if r.state.pending]
        if not active:
            await port.reply(texts.NOTHING_TO_CANCEL)
            return
        keyboard = [
            [
                (
                    f"{texts.BUTTON_CANCEL} {r.course_title or r.course}"[:60],
                    encode(Action.CANCEL, r.id),
                )
            ]
            for r in active
        ]
        await port.reply(texts.CANCEL_WHICH, keyboard)

    async def forget_menu(self, port: ChatPort) -> None:
        """/forget: ask to confirm with a button."""
        if not await self._private(port):
            return
        keyboard = [
            [
                (texts.BUTTON_FORGET_YES, encode(Action.FORGET, "yes")),
                (texts.BUTTON_FORGET_NO, encode(Action.FORGET, "no")),
            ]
        ]
        await port.reply(texts.FORGET_CONFIRM, keyboard)

    async def pressed(
        self, student: str, port: ChatPort, data: str | None, origin: ChatTarget
    ) -> str | None:
        """A button pressed on message `origin`: forged or stale data, or another student's
        run, reaches nothing. Returns a short notice for the presser, or None."""
        try:
            callback = decode(data)
        except CallbackError:
            return texts.BUTTON_INVALID
        return await self._act(student, port, callback, origin)

    async def redraw_picker(self, student: str, port: ChatPort, origin: ChatTarget) -> str | None:
        """Draw the picker on `origin` again (an adapter turning its pages); returns a notice
        when the list is out of date."""
        if not await self.backend.picker.courses(student):
            return texts.PICKER_STALE
        text, keyboard = await self.backend.picker.render(student)
        await port.edit(origin, text, keyboard)
        return None

    async def _act(
        self, student: str, port: ChatPort, callback: Callback, origin: ChatTarget
    ) -> str | None:
        backend = self.backend
        match callback.action:
            case Action.PICK | Action.PICK_UNFINISHED:
                if callback.action is Action.PICK:
                    if not await backend.picker.toggle(student, int(callback.argument)):
                        return texts.PICKER_STALE
                elif not await backend.picker.courses(student):
                    return texts.PICKER_STALE
                elif not await backend.picker.pick_unfinished(student):
                    return texts.NOTHING_PICKED_UNFINISHED
                text, keyboard = await backend.picker.render(student)
                return None if await _redraw(port, origin, text, keyboard) else texts.BUTTON_INVALID
            case Action.START:
                if not await backend.picker.courses(student):
                    return texts.PICKER_STALE
                text, _ = await backend.picker.render(student)
                if not await _redraw(port, origin, text, None):
                    return texts.BUTTON_INVALID
                await self._start_picked(student, port)
                return None
            case Action.CANCEL:
                try:
                    record = await backend.runs.cancel(student, callback.argument)
                except RunNotFound:
                    return texts.NOT_YOURS
                except RunError as exc:
                    return exc.message
                return texts.CANCELLED.format(course=record.course_title or record.course)
            case Action.REFRESH:
                try:
                    await backend.runs.refresh(student, callback.argument)
                except RunNotFound:
                    return texts.NOT_YOURS
                return texts.REFRESHING
            case Action.FORGET:
                if callback.argument == "yes":
                    runs = await backend.runs.forget(student)
                    done = texts.FORGOTTEN.format(runs=runs)
                    return None if await _redraw(port, origin, done, None) else done
                if not await _redraw(port, origin, texts.FORGET_KEPT, None):
                    return texts.FORGET_KEPT
                return None
        return texts.NOT_YOURS

    async def _start_picked(
        self, student: str, port: ChatPort, start: StartTime | None = None
    ) -> None:
        """Submit every picked course (to start at `start`, or now); each new run gets a
        message the workers keep editing.
        The selection is cleared only once every picked course has its run and its message:
        a start that fails half-way keeps it, and the next /run picks up where it stopped
        (a run that already exists is found again, not started twice)."""
        picker = self.backend.picker
        picked = await picker.begin_start(student)
        if picked is None:
            await port.reply(texts.ALREADY_STARTING)
            return
        if not picked:
            await port.reply(texts.PICK_FIRST)
            return
        started = False
        try:
            if len(picked) > 1:  # one course: its progress message is the answer
                count = len(picked)
                await port.reply(
                    texts.STARTING.format(count=count)
                    if start is None
                    else texts.SCHEDULING.format(count=count, when=describe(start.local))
                )
            for course in picked:
                await self._start_one(student, port, course, start)
            started = True
        finally:
            await picker.end_start(student, started=started)

    async def _start_one(
        self, student: str, port: ChatPort, course: PickedCourse, start: StartTime | None
    ) -> None:
        runs = self.backend.runs
        try:
            if start is None:
                submission = await runs.submit(student, course.slug)
            else:
                submission = await runs.schedule(
                    student, course.slug, start.at, start.zone, course.title
                )
        except RunError as exc:
            await port.reply(f"{course.title}: {exc.message}")
            return
        record = submission.run
        if not submission.created and record.target is not None and record.target.has_message:
            if record.state is RunState.SCHEDULED:
                when = start_described(record)
                text = texts.ALREADY_SCHEDULED.format(course=course.title, when=when)
            else:
                text = texts.ALREADY_RUNNING.format(course=course.title)
            await port.reply(text, reply_to=record.target)
            return
        record.course_title = record.course_title or course.title
        try:
            shown = await port.post_progress(render_run(record), run_keyboard(record))
        except ProgressHomeClosed as closed:
            await port.reply(closed.hint)
            return
        await self.backend.runs.show_in(student, record.id, shown)

    async def _private(self, port: ChatPort) -> bool:
        if port.private:
            return True
        await port.reply(texts.PRIVATE_ONLY)
        return False

    async def _logged_in(self, student: str, port: ChatPort) -> bool:
        if await self.backend.vault.has_credentials(student):
            return True
        await port.reply(texts.NOT_LOGGED_IN)
        return False


def _clock(zone: str) -> str:
    """The time now in `zone`, as the student's clock shows it."""
    return f"{local_now(zone, time.time()):%H:%M}"


async def _redraw(port: ChatPort, origin: ChatTarget, text: str, keyboard: Keyboard | None) -> bool:
    """Replace the message whose button was pressed; False when it cannot be edited
    (deleted since, or not the bot's own: a forged press)."""
    try:
        await port.edit(origin, text, keyboard)
    except MessageNotEditable:
        return False
    return True
