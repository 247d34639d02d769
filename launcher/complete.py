"""`autopilot complete`: one student's courses, in the foreground, with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import getpass
import hashlib
import os
import sys
import time
import warnings
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlparse

from redis.asyncio import Redis

from config import ConfigError, Settings
from core.engine import (
    CourseRun,
    MemoryCheckpoint,
    Progress,
    RedisCheckpoint,
    RunOutcome,
    render_line,
    resumed_note,
    steady_finish,
    stuck_note,
)
from core.limits import LocalRateLimiter
from core.vtu import (
    AccountLocked,
    CourseNotFound,
    Credentials,
    LoginFailed,
    RetryPolicy,
    VTUClient,
    VTUError,
)
from launcher import complete_words as words
from launcher.common import require_redis

if TYPE_CHECKING:
    from core.engine import Checkpoint

EXIT_COMPLETE = 0
EXIT_INCOMPLETE = 1
EXIT_LOGIN_FAILED = 3
EXIT_COURSE_NOT_FOUND = 4
REDRAW_S = 1.0
"""The bar is redrawn this often as well as at each finished lecture: the percent and the ETA
move between them."""
RETRY = RetryPolicy()
"""How hard one request tries before the run stops: six attempts, about 15 s at most."""
EXIT_CODES = (
    "Exit codes: 0 complete (lectures without video are reported, they cannot be watched); "
    "1 not complete (the platform is down or stopped answering, or some lectures are locked "
    "there; run the same command again later to resume); 2 bad settings (including no "
    "password: set VTU_PASSWORD or run it in a terminal); 3 login refused (wrong password, "
    "or the account locked by VTU); 4 course not found (the message lists your enrolled "
    "courses); 130 interrupted (Ctrl-C; what the platform credited so far stays credited)."
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "complete",
        help="complete a course's lectures now, in this terminal",
        description=(
            "Watches every incomplete lecture of a course on the VTU platform (VTU_BASE_URL) "
            "with a progress bar. The email comes from --email, VTU_EMAIL or a prompt; the "
            "password from VTU_PASSWORD or a hidden prompt. With REDIS_URL set, a checkpoint "
            "in Redis lets a killed run resume without sending credit twice."
        ),
        epilog=EXIT_CODES,
    )
    parser.add_argument(
        "--course",
        metavar="SLUG",
        help="course slug as in the platform's address, e.g. 1-social-networks "
        "(default: every unfinished course)",
    )
    parser.add_argument("--email", help="platform login email (default: VTU_EMAIL or a prompt)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    email = args.email or os.environ.get("VTU_EMAIL") or ask("VTU email: ", "email", hidden=False)
    password = os.environ.get("VTU_PASSWORD") or ask(
        "VTU password (hidden): ", "password", hidden=True
    )
    if settings.redis_url:
        # A clear answer now, not a traceback mid-course.
        require_redis(settings, ride_out_restarts=False).close()
    return asyncio.run(complete(settings, Credentials(email.strip(), password), args.course))


def ask(prompt: str, what: str, *, hidden: bool) -> str:
    """Ask the person at the terminal; `ConfigError` (exit 2) when nobody can answer."""
    variable = f"VTU_{what.upper()}"
    try:
        with warnings.catch_warnings():
            # Without a terminal getpass reads stdin and says so itself: no Python warning.
            warnings.simplefilter("ignore", getpass.GetPassWarning)
            answer = getpass.getpass(prompt) if hidden else input(prompt)
    except EOFError:
        raise ConfigError(
            f"no VTU {what}: the input is closed, so nobody can type it. Set {variable}"
            + (" (or pass --email)" if what == "email" else "")
            + ", or run `autopilot complete` in a terminal to be asked"
        ) from None
    if not answer.strip():
        raise ConfigError(f"no VTU {what} given: type it at the prompt, or set {variable}")
    return answer


async def complete(
    settings: Settings, credentials: Credentials, course: str | None, out: TextIO | None = None
) -> int:
    """Complete `course` (or every unfinished one) and return the exit code."""
    out = out or sys.stderr
    host = urlparse(settings.vtu_base_url).netloc or settings.vtu_base_url
    limiter = LocalRateLimiter(settings.vtu_rate_limit)
    redis = _redis(settings)
    client = VTUClient(
        settings.vtu_base_url,
        credentials,
        limiter=limiter,
        retry=RETRY,
        on_retry=lambda notice: say(out, words.retrying(notice, host)),
    )
    logged_in = False
    async with client:
        try:
            say(out, words.logging_in(host, credentials.email))
            account = await client.login()
            logged_in = True
            say(out, f"Logged in to VTU as {account.name}.")
            slugs = [course] if course else await _unfinished(client, out)
            for slug in slugs:
                checkpoint = _checkpoint(redis, credentials.email, slug)
                bar = TerminalBar(out)
                say(out, f"Reading course {slug}…")
                course_run = CourseRun(
                    client,
                    slug,
                    checkpoint=checkpoint,
                    rate_limit=settings.vtu_rate_limit,
                    on_progress=bar.show,
                )
                outcome = await _with_redraws(course_run, bar)
                bar.close()
                for title, reason in outcome.skipped:
                    print(f"  skipped: {title} ({reason})", file=out)
                if not outcome.finished:
                    return EXIT_INCOMPLETE
        except (LoginFailed, AccountLocked) as exc:
            say(out, f"Login refused: {exc.user_message}")
            return EXIT_LOGIN_FAILED
        except CourseNotFound as exc:
            say(out, f"{exc.user_message} ({course})")
            say(out, await _enrolled(client))
            return EXIT_COURSE_NOT_FOUND
        except VTUError as exc:
            say(out, words.stopped(exc, host, RETRY.attempts, started=logged_in))
            return EXIT_INCOMPLETE
        finally:
            if redis is not None:
                await redis.aclose()
    return EXIT_COMPLETE


def say(out: TextIO, text: str) -> None:
    """A line of its own ("" says nothing); on a terminal it first clears the progress bar,
    which the next redraw puts back."""
    if not text:
        return
    if out.isatty():
        out.write("\r\x1b[2K")
    print(text, file=out, flush=True)


async def _with_redraws(course_run: CourseRun, bar: TerminalBar) -> RunOutcome:
    """Run the course, redrawing the bar every `REDRAW_S` seconds while it works."""

    async def redraw() -> None:
        while True:
            await asyncio.sleep(REDRAW_S)
            if course_run.ledgers:
                bar.show(course_run.progress())

    ticker = asyncio.create_task(redraw())
    try:
        return await course_run.run()
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker


async def _unfinished(client: VTUClient, out: TextIO) -> list[str]:
    enrollments = await client.enrollments()
    if not enrollments:
        say(out, "This account is not enrolled in any course on VTU.")
    elif all(e.progress_percent >= 100 for e in enrollments):
        say(out, "Every enrolled course is already complete.")
    return [e.slug for e in enrollments if e.progress_percent < 100]


async def _enrolled(client: VTUClient) -> str:
    """The student's enrolled courses, to pick the right slug from."""
    try:
        return words.enrolled(await client.enrollments())
    except VTUError as exc:
        return f"(Your enrolled courses could not be listed: {exc.user_message})"


def _redis(settings: Settings) -> Redis | None:
    return Redis.from_url(settings.redis_url) if settings.redis_url else None


def _checkpoint(redis: Redis | None, email: str, slug: str) -> Checkpoint:
    """In Redis when one is configured, so a killed run resumes; else in memory."""
    if redis is None:
        return MemoryCheckpoint()
    key = hashlib.sha256(f"cli:{email.lower()}:{slug}".encode()).hexdigest()[:16]
    return RedisCheckpoint(redis, key)


class TerminalBar:
    """Redraws one line in a terminal; elsewhere prints a line each time the lectures done or
    the whole percent move. Notes (resumed, not progressing) are printed on lines of their
    own, above the bar."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()
        self._shown: tuple[int, int] | None = None
        self._title_shown = False
        self._stuck = ""
        self._finish_at: float | None = None

    def show(self, progress: Progress) -> None:
        if not self._title_shown:
            print(f"{progress.course}: {progress.total} lectures", file=self.out)
            if resumed_note(progress):
                print(resumed_note(progress), file=self.out)
            self._title_shown = True
        now = time.time()
        self._finish_at = steady_finish(self._finish_at, progress.eta_s, now)
        eta_s = None if self._finish_at is None else max(0.0, self._finish_at - now)
        progress = dataclasses.replace(progress, eta_s=eta_s)
        if progress.stuck != self._stuck:
            self._stuck = progress.stuck
            if stuck_note(progress):
                self._note(stuck_note(progress))
        shown = (progress.done, progress.percent)
        if self.live:
            self.out.write("\r\x1b[2K" + render_line(progress)[:160])
            self.out.flush()
        elif shown != self._shown or progress.finished:
            print(render_line(progress), file=self.out)
        self._shown = shown

    def _note(self, text: str) -> None:
        if self.live:
            self.out.write("\r\x1b[2K")
        print(text, file=self.out)

    def close(self) -> None:
        if self.live:
            self.out.write("\n")
            self.out.flush()
