"""`autopilot complete`: one student's courses, in the foreground, with a progress bar."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import hashlib
import os
import sys
from typing import TYPE_CHECKING, TextIO

from redis.asyncio import Redis

from config import Settings
from core.engine import CourseRun, MemoryCheckpoint, Progress, RedisCheckpoint, render_line
from core.limits import LocalRateLimiter
from core.vtu import (
    AccountLocked,
    CourseNotFound,
    Credentials,
    LoginFailed,
    VTUClient,
    VTUError,
)

if TYPE_CHECKING:
    from core.engine import Checkpoint

EXIT_COMPLETE = 0
EXIT_INCOMPLETE = 1
EXIT_LOGIN_FAILED = 3
EXIT_COURSE_NOT_FOUND = 4


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "complete",
        help="complete a course's lectures now, in this terminal",
        description=(
            "Watches every incomplete lecture of a course on the VTU platform (VTU_BASE_URL) "
            "with a progress bar. The password comes from VTU_PASSWORD or a hidden prompt. "
            "Exit codes: 0 complete (lectures without video are reported, they cannot be "
            "watched), 1 not complete (platform trouble; run again to resume), 2 bad settings, "
            "3 login refused (wrong password, or the account locked by VTU), 4 course not found."
        ),
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
    email = args.email or os.environ.get("VTU_EMAIL") or input("VTU email: ").strip()
    password = os.environ.get("VTU_PASSWORD") or getpass.getpass("VTU password (hidden): ")
    return asyncio.run(complete(settings, Credentials(email, password), args.course))


async def complete(
    settings: Settings, credentials: Credentials, course: str | None, out: TextIO | None = None
) -> int:
    """Complete `course` (or every unfinished one) and return the exit code."""
    out = out or sys.stderr
    limiter = LocalRateLimiter(settings.vtu_rate_limit)
    redis = _redis(settings)
    async with VTUClient(settings.vtu_base_url, credentials, limiter=limiter) as client:
        try:
            account = await client.login()
            print(f"Logged in to VTU as {account.name}.", file=out)
            slugs = [course] if course else await _unfinished(client)
            if not slugs:
                print("Every enrolled course is already complete.", file=out)
                return EXIT_COMPLETE
            for slug in slugs:
                checkpoint = _checkpoint(redis, credentials.email, slug)
                bar = TerminalBar(out)
                outcome = await CourseRun(
                    client,
                    slug,
                    checkpoint=checkpoint,
                    rate_limit=settings.vtu_rate_limit,
                    on_progress=bar.show,
                ).run()
                bar.close()
                for title, reason in outcome.skipped:
                    print(f"  skipped: {title} ({reason})", file=out)
                if not outcome.finished:
                    return EXIT_INCOMPLETE
        except (LoginFailed, AccountLocked) as exc:
            print(f"Login refused: {exc.user_message}", file=out)
            return EXIT_LOGIN_FAILED
        except CourseNotFound as exc:
            print(f"{exc.user_message} ({course})", file=out)
            return EXIT_COURSE_NOT_FOUND
        except VTUError as exc:
            print(f"Stopped: {exc.user_message} Run the same command again to resume.", file=out)
            return EXIT_INCOMPLETE
        finally:
            if redis is not None:
                await redis.aclose()
    return EXIT_COMPLETE


async def _unfinished(client: VTUClient) -> list[str]:
    return [e.slug for e in await client.enrollments() if e.progress_percent < 100]


def _redis(settings: Settings) -> Redis | None:
    return Redis.from_url(settings.redis_url) if settings.redis_url else None


def _checkpoint(redis: Redis | None, email: str, slug: str) -> Checkpoint:
    """In Redis when one is configured, so a killed run resumes; else in memory."""
    if redis is None:
        return MemoryCheckpoint()
    key = hashlib.sha256(f"cli:{email.lower()}:{slug}".encode()).hexdigest()[:16]
    return RedisCheckpoint(redis, key)


class TerminalBar:
    """Redraws one line in a terminal; prints a line per finished lecture elsewhere."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()
        self._last_done = -1
        self._title_shown = False

    def show(self, progress: Progress) -> None:
        if not self._title_shown:
            print(f"{progress.course}: {progress.total} lectures", file=self.out)
            self._title_shown = True
        if self.live:
            self.out.write("\r\x1b[2K" + render_line(progress)[:160])
            self.out.flush()
        elif progress.done != self._last_done or progress.finished:
            print(render_line(progress), file=self.out)
        self._last_done = progress.done

    def close(self) -> None:
        if self.live:
            self.out.write("\n")
            self.out.flush()
