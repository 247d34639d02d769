"""Benchmark: many students using the Telegram bot at once, with their runs in progress.

Everything is real except the two services: the bot (python-telegram-bot, long polling),
worker processes (`python -m launcher worker`), an embedded Redis-protocol server, the
Telegram stand-in (with Telegram's flood limits) and the VTU stand-in (time sped up so runs
make progress, and so progress edits, every few seconds).

1. Every student starts a run through the bot (picker prepared, then `/run`).
2. While the runs go on, every student sends `/status` at a random moment of a window.
Measured: time from each command to the bot's first answer in that chat (on the stand-in's
clock, shared with this process), peak messages per chat per second, 429s received.

    python -m bench.telegram --students 200 --workers 4
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis

from bot.telegram import build_application, polling_in_thread
from config import Settings, child_environment
from core.conversation import CoursePicker, PickedCourse
from core.embedded_redis import EmbeddedRedis
from core.runs import Runs
from core.vault import SecretBox, Vault, new_key
from core.vtu import Credentials
from emulators.telegram import TelegramEmulator, peak_per_chat
from emulators.vtu.catalog import Catalog, benchmark_course
from emulators.vtu.server import VTUEmulator
from emulators.vtu.settings import EmulatorSettings

COURSE = "1-benchmark-166"
PASSWORD = "bench password"
FIRST_USER = 500_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--window", type=float, default=20.0, help="seconds /status spreads over")
    parser.add_argument("--edit-interval", type=float, default=3.0)
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    with tempfile.TemporaryDirectory() as data:
        print(run(args, Path(data)))


def run(args: argparse.Namespace, data: Path) -> str:
    catalog = Catalog()
    benchmark_course(catalog, COURSE)
    users = [FIRST_USER + i for i in range(args.students)]
    for user in users:
        catalog.add_student(f"s{user}@vtu.test", PASSWORD, f"1VT{user}", [COURSE])
    redis_server = EmbeddedRedis(data)
    redis_url = redis_server.start()
    vtu_settings = EmulatorSettings(rate_limit_requests=None, wallclock_cap=True, time_scale=600.0)
    with VTUEmulator(catalog, vtu_settings) as vtu, TelegramEmulator() as telegram:
        settings = Settings(
            redis_url=redis_url,
            vtu_base_url=vtu.base_url,
            secret_keys=(new_key(),),
            telegram_bot_token=telegram.token,
            telegram_api_base_url=telegram.base_url,
            telegram_edit_interval_s=args.edit_interval,
            vtu_rate_limit=5.0,
            vtu_global_rate_limit=400.0,
        )
        redis = Redis.from_url(redis_url)
        prepare(redis, settings, users)
        workers = start_workers(settings, args.workers)
        try:
            with polling_in_thread(build_application(settings)):
                sent = send_spread(telegram, users, "/run", args.window * 2)
                telegram.wait_for(lambda: all(telegram.bot_messages(u) for u in users), timeout=120)
                run_latency = first_answers(telegram, sent)
                runs = Runs(redis, Vault(redis, SecretBox(settings.secret_keys)), settings)
                active = sum(r.state.active for u in users for r in runs.status(f"telegram:{u}"))
                status_sent = send_spread(telegram, users, "/status", args.window)
                time.sleep(3.0)
                status_latency = first_answers(telegram, status_sent)
                active_after = sum(
                    r.state.active for u in users for r in runs.status(f"telegram:{u}")
                )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(10)
            redis.close()
            redis_server.stop()
        timeline = telegram.timeline
        edits = [e for e in timeline if e.method == "editMessageText"]
        peak_edits = max(peak_per_chat(edits, window_s=args.edit_interval).values(), default=0)
        peak_all = max(peak_per_chat(timeline).values(), default=0)
        span = timeline[-1].t - timeline[0].t if timeline else 1.0
        return report(
            args,
            run_latency,
            status_latency,
            peak_edits,
            peak_all,
            len(edits),
            span,
            telegram.too_many_requests,
            active,
            active_after,
        )


def prepare(redis: Redis, settings: Settings, users: list[int]) -> None:
    """Logged-in students with the course ticked in their picker (as after /courses)."""
    vault = Vault(redis, SecretBox(settings.secret_keys))
    picker = CoursePicker(redis)
    for user in users:
        student = f"telegram:{user}"
        vault.save_credentials(student, Credentials(f"s{user}@vtu.test", PASSWORD))
        picker.save(student, [PickedCourse(COURSE, "Benchmark course", 0.0)])
        picker.toggle(student, 0)


def start_workers(settings: Settings, count: int) -> list[subprocess.Popen[bytes]]:
    env = child_environment(settings, os.environ)
    commands = [[sys.executable, "-m", "launcher", "worker"]] * count
    commands.append([sys.executable, "-m", "launcher", "scheduler"])
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for command in commands
    ]


def send_spread(
    telegram: TelegramEmulator, users: list[int], text: str, window_s: float
) -> dict[int, float]:
    """Each user sends `text` once at a random moment of `window_s`; returns when."""
    sent = {}
    start = time.monotonic()
    for user, at in sorted(((u, random.uniform(0, window_s)) for u in users), key=lambda p: p[1]):
        time.sleep(max(0.0, start + at - time.monotonic()))
        telegram.send_text(user, text)
        sent[user] = time.monotonic()
    return sent


def first_answers(telegram: TelegramEmulator, sent: dict[int, float]) -> list[float]:
    """Seconds from each command to the bot's first sendMessage in that chat after it."""
    latencies = []
    for user, at in sent.items():
        answers = [e.t for e in telegram.timeline if e.chat_id == user and e.t >= at]
        answers = [t for t in answers if t >= at]
        if answers:
            latencies.append(min(answers) - at)
    return latencies


def report(
    args: argparse.Namespace,
    run_latency: list[float],
    status_latency: list[float],
    peak_edits: int,
    peak_all: int,
    edits: int,
    span: float,
    throttled: dict[int, int],
    active: int,
    active_after: int,
) -> str:
    def p95(values: list[float]) -> str:
        if not values:
            return "n/a"
        return f"{statistics.quantiles(values, n=20)[-1] * 1000:.0f} ms"

    return "\n".join(
        [
            f"students: {args.students}, workers: {args.workers}, "
            f"edit interval: {args.edit_interval} s",
            f"runs in progress: {active} after /run, {active_after} after the /status window",
            f"/run -> first answer: p50 {statistics.median(run_latency) * 1000:.0f} ms, "
            f"p95 {p95(run_latency)} ({len(run_latency)} answered)",
            f"/status -> first answer: p50 {statistics.median(status_latency) * 1000:.0f} ms, "
            f"p95 {p95(status_latency)} ({len(status_latency)} answered)",
            f"progress edits: {edits} in {span:.0f} s; peak per chat in any "
            f"{args.edit_interval} s: {peak_edits}",
            f"peak messages per chat in any 1 s (answers + edits): {peak_all}",
            f"429 answers received: {sum(throttled.values())}",
        ]
    )


if __name__ == "__main__":
    main()
