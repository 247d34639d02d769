"""`autopilot demo --bot discord`: the same service demo, played through the Discord stand-in.

The real discord.py bot connects to a local Discord stand-in (REST and gateway on
127.0.0.1); the synthetic student runs /start, /login (a modal), /courses (a select menu)
and /run in their DM with the bot. This terminal shows what the student sees as it changes:
ephemeral answers (only they see them), and the progress message the workers edit in their
DM, until the run completes; then what the stand-ins counted.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO, TypeVar

from redis import Redis

from config import Settings
from core.conversation import texts
from emulators.discord import DiscordEmulator, SeenMessage
from emulators.vtu import Student, VTUEmulator
from launcher.demo import (
    COMPLETED,
    DEMO_COURSE_TITLE,
    ENDED,
    ERROR_RATE,
    QUEUED,
    SESSION_LIFETIME_S,
    STEP_TIMEOUT_S,
    STOP_TIMEOUT_S,
    STUDENT_USER,
    Children,
    DemoFailed,
    demo_catalog,
    demo_settings,
    start_platform,
)

if TYPE_CHECKING:
    import argparse

T = TypeVar("T")


def full_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Start everything, play the student on Discord, print what they see and the counts."""
    catalog, student = demo_catalog()
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        data, redis_server, vtu = start_platform(stack, args, catalog)
        redis_url = redis_server.url
        discord_api = stack.enter_context(DiscordEmulator())
        settings = demo_settings(
            redis_url,
            vtu,
            args,
            discord_bot_token=discord_api.token,
            discord_api_base_url=discord_api.api_base_url,
            discord_gateway_url=discord_api.gateway_url,
            discord_edit_interval_s=args.edit_interval,
        )
        children = stack.enter_context(Children(data / "processes.log"))
        children.start_all(settings, args.workers)
        redis = Redis.from_url(redis_url)
        stack.callback(redis.close)
        stack.enter_context(bot_running(settings, redis))
        stack.callback(print, "Stopping everything…", file=out, flush=True)
        print(
            f"Started: Redis {redis_server.address}, VTU stand-in {vtu.base_url} (time x"
            f"{args.time_scale:g}, sessions expire every {SESSION_LIFETIME_S:g} s, "
            f"{ERROR_RATE:.0%} server errors), Discord stand-in {discord_api.api_base_url}, "
            f"the Discord bot, {args.workers} worker(s) and the scheduler. Ctrl-C stops "
            f"everything.\nWhat the student sees in their DM with the bot:",
            file=out,
            flush=True,
        )
        printer = SeenPrinter(out)
        try:
            DiscordDemoStudent(discord_api, printer, student, args.timeout).play()
        except (TimeoutError, DemoFailed) as exc:
            print(f"\nThe demo stopped: {exc}", file=out)
            print(children.log_tail(), file=out)
            return 1
        print(summary(vtu, discord_api, student, time.monotonic() - started), file=out)
        return 0


def bot_running(settings: Settings, redis: Redis) -> contextlib.AbstractContextManager[object]:
    """The real Discord bot connected to the stand-in from a thread with its own loop."""
    from bot.discord import bot_in_thread, build_bot

    return bot_in_thread(build_bot(settings, redis), "demo-discord-bot", STOP_TIMEOUT_S)


@dataclass
class SeenPrinter:
    """Prints what the student sees as it changes: new messages of the bot and every new
    text of an edited one."""

    out: TextIO
    _shown: dict[int, str] = field(default_factory=dict)

    def student(self, text: str) -> None:
        print(f"\n  you: {text}", file=self.out, flush=True)

    def update(self, seen: list[SeenMessage]) -> None:
        for message in seen:
            if not message.from_bot or message.deleted or message.loading:
                continue
            shown = render(message)
            previous = self._shown.get(message.id)
            if shown == previous:
                continue
            self._shown[message.id] = shown
            where = "only you can see this" if message.ephemeral else "DM"
            label = f"bot ({where})" if previous is None else f"bot, edited ({where})"
            body = shown.replace("\n", "\n       ")
            print(f"\n  {label}:\n       {body}", file=self.out, flush=True)


def render(message: SeenMessage) -> str:
    parts = [message.content]
    for select in message.selects:
        options = ", ".join(str(o.get("label")) for o in select.get("options", []))
        parts.append(f"[{select.get('placeholder', 'choose')}: {options}]")
    buttons = "  ".join(f"[{label}]" for label in message.button_labels)
    if buttons:
        parts.append(buttons)
    return "\n".join(parts)


class DiscordDemoStudent:
    """The demo student on the Discord stand-in: /start, /login, /courses, pick, /run."""

    def __init__(
        self,
        discord_api: DiscordEmulator,
        printer: SeenPrinter,
        account: Student,
        timeout: float,
    ) -> None:
        self.discord_api = discord_api
        self.printer = printer
        self.account = account
        self.timeout = timeout

    def play(self) -> SeenMessage:
        """The journey; returns the completed progress message."""
        self.command("start")
        self.until(newest(texts.WELCOME[:40]))
        self.command("login")
        self.discord_api.wait_for(lambda: self.discord_api.open_modal(STUDENT_USER))
        self.printer.student(
            f"(fills the login form: {self.account.email}, {'•' * len(self.account.password)})"
        )
        self.discord_api.submit_modal(
            STUDENT_USER, {"email": self.account.email, "password": self.account.password}
        )
        answer = self.until(newest(_lead(texts.LOGIN_OK), _lead(texts.LOGIN_FAILED)))
        if not answer.content.startswith(_lead(texts.LOGIN_OK)):
            raise DemoFailed(answer.content or "login failed")
        self.command("courses")
        picker = self.until(
            newest(_lead(texts.COURSES_PICK), _lead(texts.COURSES_FAILED), texts.COURSES_NONE)
        )
        options = {
            str(o.get("label")): str(o.get("value"))
            for s in picker.selects
            for o in s.get("options", [])
        }
        if DEMO_COURSE_TITLE not in options:
            raise DemoFailed(picker.content or "the course list has no demo course")
        self.printer.student(f"(picks {DEMO_COURSE_TITLE} in the menu)")
        self.discord_api.pick_select(STUDENT_USER, picker.id, [options[DEMO_COURSE_TITLE]])
        self.until(lambda seen: _find(seen, picker.id, f"✓ {DEMO_COURSE_TITLE}"))
        self.command("run")
        progress = self.until(newest(QUEUED))
        done = self.until(lambda seen: _find(seen, progress.id, *ENDED), self.timeout)
        if not done.content.startswith(COMPLETED):
            raise DemoFailed(done.content or "the run did not complete")
        return done

    def command(self, name: str) -> None:
        self.printer.student(f"/{name}")
        self.discord_api.invoke_command(STUDENT_USER, name)

    def until(
        self, check: Callable[[list[SeenMessage]], T | None], timeout: float = STEP_TIMEOUT_S
    ) -> T:
        """Print what the student sees as it changes until `check` finds what it wants."""

        def watch() -> T | None:
            seen = self.discord_api.seen_by(STUDENT_USER)
            self.printer.update(seen)
            return check(seen)

        found: T = self.discord_api.wait_for(watch, timeout)
        return found


def newest(*fragments: str) -> Callable[[list[SeenMessage]], SeenMessage | None]:
    """The bot's newest visible message, once it contains one of `fragments`."""

    def check(seen: list[SeenMessage]) -> SeenMessage | None:
        shown = [m for m in seen if m.from_bot and not m.deleted and not m.loading]
        if shown and any(f in shown[-1].content for f in fragments):
            return shown[-1]
        return None

    return check


def _lead(template: str) -> str:
    return template.split("{", 1)[0]


def _find(seen: list[SeenMessage], message_id: int, *fragments: str) -> SeenMessage | None:
    for message in seen:
        if message.id == message_id and any(f in render(message) for f in fragments):
            return message
    return None


def summary(vtu: VTUEmulator, discord_api: DiscordEmulator, student: Student, took: float) -> str:
    stats = vtu.stats(student.email)
    full = sum(lecture.full_credit for lecture in stats.lectures.values())
    share = full / stats.heartbeats if stats.heartbeats else 0.0
    latencies = sorted(
        r.ack_latency_s for r in discord_api.interactions if r.ack_latency_s is not None
    )
    slowest = f"{latencies[-1] * 1000:.0f} ms" if latencies else "n/a"
    return (
        f"\nDone in {took:.0f} s.\n"
        f"VTU stand-in: {stats.requests} requests, {stats.heartbeats} heartbeats "
        f"({share:.0%} with full credit), {stats.logins} logins (sessions expired "
        f"{stats.expired_rejections} times), {stats.injected_errors} server errors survived, "
        f"{stats.too_many_requests} rate-limit answers.\n"
        f"Discord stand-in: {len(discord_api.requests)} REST requests, "
        f"{len(discord_api.throttled)} answered 429; {len(latencies)} interactions, the "
        f"slowest acknowledged in {slowest}, {len(discord_api.failed_interactions)} failed."
    )
