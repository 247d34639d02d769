"""`autopilot demo`: the whole service on this machine, played through by a student.

Needs no token, no internet and no Redis. It starts, all on 127.0.0.1: an embedded Redis, the
VTU stand-in (time runs --time-scale times faster, a few answers are server errors, sessions
expire every few seconds), the Telegram stand-in, the real Telegram bot, worker processes and
the scheduler, with a throwaway encryption key. A synthetic student then sends /start, logs in,
picks a 12-lecture course in /courses and starts it with /run. This terminal shows their chat
as it changes: each new message of the bot, and the progress message again at every edit,
until the run completes; then what the stand-ins counted. Ctrl-C stops everything.
With --bot discord the student uses the Discord bot on a Discord stand-in instead.

With --engine-only the engine completes a course in this process instead (no Redis, no bot,
no workers), with a progress bar.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from redis import Redis

import config
from config import Settings
from core.conversation import texts
from core.embedded_redis import EmbeddedRedis
from core.vault import new_key
from core.vtu import Credentials
from emulators.telegram import ChatMessage, TelegramEmulator
from emulators.vtu import Catalog, EmulatorSettings, Student, VTUEmulator, seed_catalog
from launcher.complete import complete

if TYPE_CHECKING:
    pass

T = TypeVar("T")

DEMO_TIME_SCALE = 100.0
"""The service demo's speed-up: its longest lecture (25 min) takes 15 s, so the progress
message is seen moving."""
ENGINE_TIME_SCALE = 600.0
DEMO_RATE = 40.0
"""Requests per second to the stand-in: fast enough for a one-minute demo."""
SESSION_LIFETIME_S = 8.0
"""Real seconds a stand-in session lasts (the platform's is an hour): a few re-logins."""
ERROR_RATE = 0.02
"""Share of the stand-in's answers that are server errors, retried by the client."""
STUDENT_USER = 4242
"""The demo student's Telegram user id (and private chat id)."""
DEMO_COURSE = "1-demo-data-structures"
DEMO_COURSE_TITLE = "Data Structures (demo, 12 lectures)"
DEMO_LESSONS = [[540, 1320, 780, 0], [960, 1500, 660, 1080], [720, 1260, 900, 1140]]
"""Lecture durations in seconds by lesson; 0 is a lecture without video (it is skipped)."""
QUEUED, COMPLETED = "⏳ Queued", "✅ Completed"
ENDED = (COMPLETED, "❌ Failed", "✖ Cancelled")
"""Headlines of a run's progress message (core.conversation.progress)."""
STEP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="see the whole flow against local stand-ins (no tokens, no internet)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=None,
        help=f"emulated seconds per real second on the VTU stand-in (default: "
        f"{DEMO_TIME_SCALE:g}, or {ENGINE_TIME_SCALE:g} with --engine-only)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=DEMO_RATE,
        help="requests per second to the stand-in (default: %(default)s; the real "
        "platform gets VTU_RATE_LIMIT)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes (default: %(default)s)"
    )
    parser.add_argument(
        "--edit-interval",
        type=float,
        default=1.0,
        help="seconds between progress-message edits (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="give up when the run has not completed after this many seconds "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--bot",
        choices=("telegram", "discord"),
        default="telegram",
        help="which chat bot the student uses (default: %(default)s)",
    )
    parser.add_argument(
        "--engine-only",
        action="store_true",
        help="only the engine, in this process, with a progress bar (no Redis, bot or workers)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.time_scale is None:
        args.time_scale = ENGINE_TIME_SCALE if args.engine_only else DEMO_TIME_SCALE
    if args.engine_only:
        return engine_only(args)
    with _sigterm_as_interrupt():
        if args.bot == "discord":
            from launcher import demo_discord

            return demo_discord.full_demo(args, sys.stdout)
        return full_demo(args, sys.stdout)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the demo's processes are stopped either way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# ------------------------------------------------------------------------------ the service


def start_platform(
    stack: contextlib.ExitStack, args: argparse.Namespace, catalog: Catalog
) -> tuple[Path, EmbeddedRedis, VTUEmulator]:
    """A throwaway data folder, an embedded Redis and the VTU stand-in, stopped with `stack`."""
    data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="autopilot-demo-")))
    redis_server = EmbeddedRedis(data / "redis", persist=False)
    redis_server.start()
    stack.callback(redis_server.stop)
    vtu = stack.enter_context(VTUEmulator(catalog, platform_settings(args)))
    return data, redis_server, vtu


def demo_settings(
    redis_url: str, vtu: VTUEmulator, args: argparse.Namespace, **bot: object
) -> Settings:
    """The demo's settings: a throwaway key, the stand-in, `args`' rate, and the bot's."""
    return Settings(
        redis_url=redis_url,
        vtu_base_url=vtu.base_url,
        secret_keys=(new_key(),),
        vtu_rate_limit=args.rate,
        vtu_global_rate_limit=args.rate * 2,
        **bot,  # type: ignore[arg-type]
    )


def full_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Start everything, play the student, print the chat and the stand-ins' counts."""
    catalog, student = demo_catalog()
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        data, redis_server, vtu = start_platform(stack, args, catalog)
        telegram = stack.enter_context(TelegramEmulator())
        settings = demo_settings(
            redis_server.url,
            vtu,
            args,
            telegram_bot_token=telegram.token,
            telegram_api_base_url=telegram.base_url,
            telegram_edit_interval_s=args.edit_interval,
        )
        log_path = data / "processes.log"
        children = stack.enter_context(Children(log_path))
        children.start_all(settings, args.workers)
        redis = Redis.from_url(redis_server.url)
        stack.callback(redis.close)
        stack.enter_context(bot_running(settings, redis))
        stack.callback(print, "Stopping everything…", file=out, flush=True)
        print(
            f"Started: Redis {redis_server.address}, VTU stand-in {vtu.base_url} (time x"
            f"{args.time_scale:g}, sessions expire every {SESSION_LIFETIME_S:g} s, "
            f"{ERROR_RATE:.0%} server errors), Telegram stand-in {telegram.base_url}, the bot, "
            f"{args.workers} worker(s) and the scheduler. Ctrl-C stops everything.\n"
            f"The student's chat:",
            file=out,
            flush=True,
        )
        printer = ChatPrinter(out)
        try:
            outcome = DemoStudent(telegram, printer, student, args.timeout).play()
        except (TimeoutError, DemoFailed) as exc:
            print(f"\nThe demo stopped: {exc}", file=out)
            print(children.log_tail(), file=out)
            return 1
        print(summary(vtu, telegram, student, time.monotonic() - started), file=out)
        return 0 if outcome else 1


def demo_catalog() -> tuple[Catalog, Student]:
    """One student enrolled in a short demo course and a long course left alone."""
    catalog = seed_catalog(students=1, courses_per_student=1)
    student = catalog.students[0]
    catalog.add_course(DEMO_COURSE, DEMO_COURSE_TITLE, DEMO_LESSONS)
    catalog.enroll(student.email, DEMO_COURSE)
    return catalog, student


def platform_settings(args: argparse.Namespace) -> EmulatorSettings:
    return EmulatorSettings(
        time_scale=args.time_scale,
        rate_limit_requests=max(1, int(args.rate * 1.25)),
        rate_limit_window_s=1.0,
        session_lifetime_s=SESSION_LIFETIME_S,
        error_rate=ERROR_RATE,
    )


class DemoFailed(RuntimeError):
    """The student's journey went somewhere it should not (login refused, run failed)."""


class Children:
    """Worker and scheduler processes, in a session of their own so that Ctrl-C reaches only
    the demo, which then stops them with SIGTERM; their output goes to one log file."""

    def __init__(self, log_path: Path) -> None:
        self._log_path = log_path
        self._log = log_path.open("wb")
        self._processes: list[subprocess.Popen[bytes]] = []

    def start_all(self, settings: Settings, workers: int) -> None:
        env = child_environment(settings)
        for n in range(1, workers + 1):
            self._start(env, "worker", "--name", f"demo-{os.getpid()}-{n}")
        self._start(env, "scheduler")

    def _start(self, env: dict[str, str], *args: str) -> None:
        command = [sys.executable, "-m", "launcher", *args]
        self._processes.append(
            subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def log_tail(self, lines: int = 20) -> str:
        self._log.flush()
        tail = self._log_path.read_text(errors="replace").splitlines()[-lines:]
        return "Last lines of the workers' log:\n" + "\n".join(tail) if tail else ""

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self._processes:
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._log.close()


def child_environment(settings: Settings) -> dict[str, str]:
    """This environment with the demo's settings; no setting of the machine's leaks in."""
    return {**config.child_environment(settings, os.environ), "PTB_TIMEDELTA": "true"}


def bot_running(settings: Settings, redis: Redis) -> contextlib.AbstractContextManager[object]:
    """The real bot long-polling the stand-in from a thread with its own event loop."""
    from bot.telegram import build_application, polling_in_thread

    return polling_in_thread(build_application(settings, redis), "demo-bot", STOP_TIMEOUT_S)


# ------------------------------------------------------------------------------ the student


@dataclass
class ChatPrinter:
    """Prints the student's chat as it changes: the bot's new messages, every new text of an
    edited one (the progress message), and the messages the bot deleted."""

    out: TextIO
    _shown: dict[int, str] = field(default_factory=dict)
    _deleted: set[int] = field(default_factory=set)

    def student(self, text: str) -> None:
        print(f"\n  you: {text}", file=self.out, flush=True)

    def update(self, chat: list[ChatMessage]) -> None:
        for message in chat:
            if not message.from_bot:
                if message.deleted and message.message_id not in self._deleted:
                    self._deleted.add(message.message_id)
                    print("  (the bot deleted your message)", file=self.out, flush=True)
                continue
            if message.deleted:
                continue
            shown = render_message(message)
            previous = self._shown.get(message.message_id)
            if shown == previous:
                continue
            self._shown[message.message_id] = shown
            label = "bot" if previous is None else "bot, edited"
            body = shown.replace("\n", "\n       ")
            print(f"\n  {label}:\n       {body}", file=self.out, flush=True)


def render_message(message: ChatMessage) -> str:
    buttons = "  ".join(f"[{label}]" for row in message.buttons for label, _ in row)
    return (message.text or "") + (f"\n{buttons}" if buttons else "")


class DemoStudent:
    """The demo student in the Telegram stand-in: /start, /login, /courses, pick, /run."""

    def __init__(
        self, telegram: TelegramEmulator, printer: ChatPrinter, account: Student, timeout: float
    ) -> None:
        self.telegram = telegram
        self.printer = printer
        self.account = account
        self.timeout = timeout

    def play(self) -> ChatMessage:
        """The journey; returns the completed progress message."""
        self.send("/start")
        self.until(latest_says(texts.WELCOME))
        self.send("/login")
        self.until(latest_says(texts.ASK_EMAIL))
        self.send(self.account.email)
        self.until(latest_says(texts.ASK_PASSWORD))
        self.send(self.account.password, shown="•" * len(self.account.password))
        answer = self.until(latest_says(_lead(texts.LOGIN_OK), _lead(texts.LOGIN_FAILED)))
        if not (answer.text or "").startswith(_lead(texts.LOGIN_OK)):
            raise DemoFailed(answer.text or "login failed")
        self.send("/courses")
        picker = self.until(
            latest_says(_lead(texts.COURSES_PICK), _lead(texts.COURSES_FAILED), texts.COURSES_NONE)
        )
        labels = [label for row in picker.buttons for label, _ in row]
        if DEMO_COURSE_TITLE not in labels:
            raise DemoFailed(picker.text or "the course list has no demo course")
        self.printer.student(f"(taps [{DEMO_COURSE_TITLE}])")
        data = picker.callback_data(DEMO_COURSE_TITLE)
        self.telegram.press_button(STUDENT_USER, STUDENT_USER, picker.message_id, data)
        self.until(lambda chat: _find(chat, picker.message_id, f"✓ {DEMO_COURSE_TITLE}"))
        self.send("/run")
        progress = self.until(latest_says(QUEUED))
        done = self.until(lambda chat: _find(chat, progress.message_id, *ENDED), self.timeout)
        if not (done.text or "").startswith(COMPLETED):
            raise DemoFailed(done.text or "the run did not complete")
        return done

    def send(self, text: str, shown: str | None = None) -> None:
        self.printer.student(shown or text)
        self.telegram.send_text(STUDENT_USER, text)

    def until(
        self, check: Callable[[list[ChatMessage]], T | None], timeout: float = STEP_TIMEOUT_S
    ) -> T:
        """Print the chat as it changes until `check` finds what it looks for."""

        def watch(chat: list[ChatMessage]) -> T | None:
            self.printer.update(chat)
            return check(chat)

        found: T = self.telegram.wait_for(watch, timeout, chat_id=STUDENT_USER)
        return found


def latest_says(*fragments: str) -> Callable[[list[ChatMessage]], ChatMessage | None]:
    """The bot's latest visible message, once it contains one of `fragments`."""

    def check(chat: list[ChatMessage]) -> ChatMessage | None:
        shown = [m for m in chat if m.from_bot and not m.deleted]
        if shown and any(f in (shown[-1].text or "") for f in fragments):
            return shown[-1]
        return None

    return check


def _lead(template: str) -> str:
    """The fixed start of a message template, before its first placeholder."""
    return template.split("{", 1)[0]


def _find(chat: list[ChatMessage], message_id: int, *fragments: str) -> ChatMessage | None:
    for message in chat:
        if message.message_id == message_id and any(
            f in render_message(message) for f in fragments
        ):
            return message
    return None


def summary(vtu: VTUEmulator, telegram: TelegramEmulator, student: Student, took: float) -> str:
    stats = vtu.stats(student.email)
    full = sum(lecture.full_credit for lecture in stats.lectures.values())
    share = full / stats.heartbeats if stats.heartbeats else 0.0
    messages = len(telegram.timeline)
    throttled = sum(telegram.too_many_requests.values())
    return (
        f"\nDone in {took:.0f} s.\n"
        f"VTU stand-in: {stats.requests} requests, {stats.heartbeats} heartbeats "
        f"({share:.0%} with full credit), {stats.logins} logins (sessions expired "
        f"{stats.expired_rejections} times), {stats.injected_errors} server errors survived, "
        f"{stats.too_many_requests} rate-limit answers.\n"
        f"Telegram stand-in: {messages} messages and edits, {throttled} answered 429 "
        f"(the bot keeps within Telegram's flood limits)."
    )


# ------------------------------------------------------------------------------ engine only


def engine_only(args: argparse.Namespace) -> int:
    """The engine completes one course in this process, with a progress bar."""
    catalog = seed_catalog(students=1, courses_per_student=1)
    student = catalog.students[0]
    course = catalog.course(student.enrolled[0])
    assert course is not None
    platform = EmulatorSettings(
        time_scale=args.time_scale,
        rate_limit_requests=int(args.rate * 1.25),
        rate_limit_window_s=1.0,
        session_lifetime_s=20.0,
        error_rate=ERROR_RATE,
    )
    with VTUEmulator(catalog, platform) as emulator:
        print(
            f"VTU stand-in on {emulator.base_url} (time x{args.time_scale:g}, sessions expire "
            f"every 20 s, {ERROR_RATE:.0%} of answers are server errors).\n"
            f"Completing '{course.title}' ({len(course.lectures)} lectures) for {student.email}.",
            file=sys.stderr,
        )
        settings = Settings(vtu_base_url=emulator.base_url, vtu_rate_limit=args.rate)
        code = asyncio.run(
            complete(settings, Credentials(student.email, student.password), course.slug)
        )
        stats = emulator.stats(student.email)
        lectures = stats.lectures.values()
        print(
            f"The stand-in saw {stats.requests} requests: {stats.heartbeats} heartbeats "
            f"({sum(x.full_credit for x in lectures)} with full credit), {stats.logins} "
            f"logins, {stats.injected_errors} server errors retried, "
            f"{stats.too_many_requests} rate-limit answers.",
            file=sys.stderr,
        )
    return code
