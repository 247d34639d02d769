"""Benchmark: a crowd of students sending /run in the same instant (issue 10).

Everything is real except the two services: the bot (`autopilot telegram`, its own process,
long polling), worker processes and the scheduler, an embedded Redis-protocol server, the
Telegram stand-in (in this process, with Telegram's flood limits; its clock stamps every
message the bot sends) and the VTU stand-in (its own process, time x600, courses of two or
three short lectures, so runs end within a minute or two).

1. Every student is logged in with their one course ticked (as after /login and /courses).
2. All of them send /run at once.
Measured: students answered, time from /run to the bot's first message in that chat,
selections lost (cleared with no run), duplicates (more than one run or progress message),
handler failures in the bot's log, 429s; then, for every run, how long after it ended its
progress message first showed its final state (polled every `POLL_S`).

    python -m bench.crowd --students 500 --workers 4
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from bench.processes import Fleet
from bench.stand_ins import vtu_stand_in
from config import Settings, child_environment
from core.conversation import CoursePicker, PickedCourse, render_run, texts
from core.embedded_redis import EmbeddedRedis
from core.runs import RunRecord, Runs
from core.vault import SecretBox, Vault, new_key
from core.vtu import Credentials
from emulators.telegram import TelegramEmulator

FIRST_USER = 900_000
POLL_S = 0.5
ANSWER_TIMEOUT_S = 180.0
FINAL_TARGET_S = 30.0
HEADLINES = ("Queued", "Running", "Retrying", "Completed", "Failed", "Cancelled")
"""The first words of a progress message's headline (after its emoji)."""


@dataclass
class Student:
    user: int
    email: str
    password: str
    course: str
    title: str
    sent_at: float = 0.0
    run_id: str = ""
    ended_at: float | None = None
    final_shown_at: float | None = None


@dataclass
class Outcome:
    students: list[Student]
    answer_s: list[float] = field(default_factory=list)
    unanswered: int = 0
    apologies: int = 0
    lost: int = 0
    still_selected: int = 0
    duplicate_runs: int = 0
    duplicate_messages: int = 0
    handler_failures: int = 0
    throttled: int = 0
    throttled_detail: str = ""
    peak_per_s: int = 0
    final_lag_s: list[float] = field(default_factory=list)
    never_final: int = 0
    unfinished: int = 0
    runs_span_s: float = 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--edit-interval", type=float, default=3.0)
    parser.add_argument("--time-scale", type=float, default=600.0)
    parser.add_argument(
        "--finish-timeout", type=float, default=900.0, help="seconds to follow the runs"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        print(report(args, run(args, Path(data))))


def run(args: argparse.Namespace, data: Path) -> Outcome:
    vtu_args = ("--students", str(args.students), "--courses-per-student", "1")
    vtu_args += ("--lectures", "2-3", "--time-scale", str(args.time_scale), "--rate-limit", "off")
    redis_server = EmbeddedRedis(data / "redis")
    redis_url = redis_server.start()
    with vtu_stand_in(*vtu_args) as vtu, TelegramEmulator() as telegram:
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
        catalog = vtu.catalog()
        titles = {c["slug"]: c["title"] for c in catalog["courses"]}
        students = [
            Student(FIRST_USER + i, s["email"], s["password"], s["courses"][0], "")
            for i, s in enumerate(catalog["students"])
        ]
        for student in students:
            student.title = titles[student.course]
        prepare(redis, settings, students)
        env = {**child_environment(settings, os.environ), "PTB_TIMEDELTA": "true"}
        fleet = Fleet(env, data)
        fleet.start(args.workers, "worker")
        fleet.start(1, "scheduler")
        bot_log = data / "bot.log"
        bot = start_bot(env, bot_log)
        try:
            telegram.wait_for(lambda: "getUpdates" in telegram.calls, timeout=60)
            for student in students:  # the crowd: every /run within a few milliseconds
                student.sent_at = time.monotonic()
                telegram.send_text(student.user, "/run")
            runs = Runs(redis, Vault(redis, SecretBox(settings.secret_keys)), settings)
            outcome = Outcome(students)
            wait_answered(telegram, students)
            follow_runs(runs, telegram, students, outcome, args.finish_timeout)
            tally_runs(runs, CoursePicker(redis), outcome)
        finally:
            bot.terminate()
            bot.wait(20)
            fleet.stop()
            redis.close()
            redis_server.stop()
        measure_chats(telegram, outcome)
        outcome.handler_failures = bot_log.read_text().count("handler failed")
        outcome.throttled = sum(telegram.too_many_requests.values())
        crowd_at = min(s.sent_at for s in students)
        outcome.throttled_detail = ", ".join(
            f"{t.method} at +{t.t - crowd_at:.1f} s" for t in telegram.throttled
        )
        outcome.peak_per_s = peak_all(telegram)
        return outcome


def prepare(redis: Redis, settings: Settings, students: list[Student]) -> None:
    """Logged-in students with their course ticked in the picker (as after /courses)."""
    vault = Vault(redis, SecretBox(settings.secret_keys))
    picker = CoursePicker(redis)
    for student in students:
        sid = f"telegram:{student.user}"
        vault.save_credentials(sid, Credentials(student.email, student.password))
        picker.save(sid, [PickedCourse(student.course, student.title, 0.0)])
        picker.toggle(sid, 0)


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "launcher", "telegram"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def wait_answered(telegram: TelegramEmulator, students: list[Student]) -> None:
    """Until every student has a message from the bot (or the time is up), checked from the
    stand-in's timeline twice a second so this process leaves the stand-in its CPU."""
    users = {s.user for s in students}
    deadline = time.monotonic() + ANSWER_TIMEOUT_S
    while time.monotonic() < deadline:
        answered = {e.chat_id for e in telegram.timeline if e.method == "sendMessage"}
        if users <= answered:
            return
        time.sleep(POLL_S)


def follow_runs(
    runs: Runs,
    telegram: TelegramEmulator,
    students: list[Student],
    outcome: Outcome,
    finish_timeout_s: float,
) -> None:
    """Until every run has ended and shows its final state (or the time is up), note when
    each ended (its record's last update) and when its message first showed the end."""
    deadline = time.monotonic() + finish_timeout_s
    wall_to_mono = time.monotonic() - time.time()
    with_run = [s for s in students if runs.status(f"telegram:{s.user}")]  # others: lost
    while time.monotonic() < deadline:
        waiting = [s for s in with_run if s.final_shown_at is None]
        if not waiting:
            break
        for student in waiting:
            records = runs.status(f"telegram:{student.user}")
            if not records:
                continue
            record = records[0]
            student.run_id = record.id
            if record.state.active:
                continue
            student.ended_at = record.updated_at + wall_to_mono
            if shows_final(telegram, student.user, record):
                student.final_shown_at = time.monotonic()
        time.sleep(POLL_S)
    outcome.unfinished = sum(s.ended_at is None for s in students)


def shows_final(telegram: TelegramEmulator, user: int, record: RunRecord) -> bool:
    message_id = (record.notify.get("telegram") or {}).get("message_id")
    if not message_id:
        return False
    headline = render_run(record).split("\n")[0]
    return any(
        m.message_id == message_id and (m.text or "").split("\n")[0] == headline
        for m in telegram.chat(user)
    )


def tally_runs(runs: Runs, picker: CoursePicker, outcome: Outcome) -> None:
    """A selection is lost when no run came of it; a duplicate is a second run of it."""
    for student in outcome.students:
        sid = f"telegram:{student.user}"
        count = len(runs.status(sid))
        outcome.lost += count == 0
        outcome.duplicate_runs += max(0, count - 1)
        outcome.still_selected += bool(picker.picked(sid))


def measure_chats(telegram: TelegramEmulator, outcome: Outcome) -> None:
    timeline = telegram.timeline
    first_answer: dict[int, float] = {}
    for entry in timeline:
        if entry.method == "sendMessage" and entry.chat_id not in first_answer:
            first_answer[entry.chat_id] = entry.t
    for student in outcome.students:
        at = first_answer.get(student.user)
        if at is None:
            outcome.unanswered += 1
        else:
            outcome.answer_s.append(at - student.sent_at)
        shown = [m.text or "" for m in telegram.bot_messages(student.user)]
        outcome.apologies += sum(texts.SOMETHING_WENT_WRONG in t for t in shown)
        progress_messages = sum(t.split(":")[0].endswith(HEADLINES) for t in shown)
        outcome.duplicate_messages += max(0, progress_messages - 1)
        if student.ended_at is not None and student.final_shown_at is not None:
            outcome.final_lag_s.append(max(0.0, student.final_shown_at - student.ended_at))
        elif student.ended_at is not None:
            outcome.never_final += 1
    ended = [s.ended_at for s in outcome.students if s.ended_at is not None]
    outcome.runs_span_s = max(ended) - min(s.sent_at for s in outcome.students) if ended else 0


def peak_all(telegram: TelegramEmulator) -> int:
    """Most messages the whole bot sent in any 1 s (Telegram allows about 30)."""
    times = sorted(e.t for e in telegram.timeline)
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] > 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def report(args: argparse.Namespace, outcome: Outcome) -> str:
    def p(values: list[float], q: float) -> str:
        if not values:
            return "n/a"
        ordered = sorted(values)
        return f"{ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]:.2f} s"

    n = len(outcome.students)
    answered = n - outcome.unanswered
    lags = outcome.final_lag_s
    return "\n".join(
        [
            f"students: {n}, workers: {args.workers}, edit interval: {args.edit_interval} s, "
            f"VTU time x{args.time_scale:g}",
            f"answered: {answered}/{n} ({answered / n:.0%}); apologies: {outcome.apologies}; "
            f"handler failures: {outcome.handler_failures}",
            f"/run -> first answer: p50 {p(outcome.answer_s, 0.5)}, "
            f"p95 {p(outcome.answer_s, 0.95)}, worst {p(outcome.answer_s, 1.0)}",
            f"selections lost (no run came of them): {outcome.lost}; still selected after: "
            f"{outcome.still_selected}; duplicate runs: {outcome.duplicate_runs}; "
            f"duplicate progress messages: {outcome.duplicate_messages}",
            f"runs ended: {n - outcome.unfinished}/{n}, the last "
            f"{outcome.runs_span_s:.0f} s after the crowd's /run",
            f"final state shown after its run ended: p50 {p(lags, 0.5)}, p95 {p(lags, 0.95)}, "
            f"worst {p(lags, 1.0)} (polled every {POLL_S} s); within {FINAL_TARGET_S:.0f} s: "
            f"{sum(lag <= FINAL_TARGET_S for lag in lags)}/{len(lags)}; "
            f"never shown: {outcome.never_final}",
            f"429 answers: {outcome.throttled} ({outcome.throttled_detail or 'none'}); "
            f"peak bot messages in any 1 s: {outcome.peak_per_s}",
        ]
    )


if __name__ == "__main__":
    main()
