"""Benchmark: many students using the Discord bot at once, with their runs in progress.

Everything is real except the two services: the bot (`python -m launcher discord`, on
the gateway), worker processes (`python -m launcher worker`), an embedded Redis-protocol
server, the Discord stand-in (with Discord's rate limits: 5 messages and 5 edits per channel
in 5 s, 50 requests a second in all, 429s for anything over) and the VTU stand-in (a course
of 6 lectures of 4-10 minutes, time sped up 30x, so for about half a minute lectures keep
completing and every progress message keeps changing).

0. One warm-up run until the platform's crediting is learned (a running service keeps it).
1. Every student starts a run with `/run` (picker prepared, as after /courses), spread over
   a window: each run gets a progress message in the student's DM that the workers edit.
   Meanwhile every run's redraw is requested twice a second (as progress or Refresh presses
   would), so every progress message is edited as often as the budget allows.
2. Twenty seconds later, while those messages are being edited, every student sends
   `/status` at once; the runs go on for another thirty seconds.
Measured on the stand-in's clock: interaction-to-acknowledgement (Discord fails an
interaction after 3 s), 429s received by the bot and the workers together, and edits per
progress message in any 5 s (Discord allows 5 per channel).

    python -m bench.discord --students 100 --workers 3
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from redis import Redis

from config import Settings, child_environment
from core import keys
from core.conversation import CoursePicker, PickedCourse
from core.embedded_redis import EmbeddedRedis
from core.runs import Runs
from core.runs.events import request_refresh
from core.vault import SecretBox, Vault, new_key
from core.vtu import Credentials
from emulators.discord import DiscordEmulator, InteractionRecord
from emulators.vtu.catalog import Catalog
from emulators.vtu.server import VTUEmulator
from emulators.vtu.settings import EmulatorSettings

COURSE = "1-benchmark"
PASSWORD = "bench password"
FIRST_USER = 600_000
WARM_UP_USER = 599_999
REDRAW_EVERY_S = 0.5
DISCORD_WINDOW_S = 5.0
DISCORD_EDITS_PER_WINDOW = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--window", type=float, default=10.0, help="seconds /run spreads over")
    parser.add_argument("--edit-interval", type=float, default=3.0)
    parser.add_argument(
        "--lead", type=float, default=20.0, help="seconds of runs before the /status burst"
    )
    parser.add_argument("--settle", type=float, default=30.0, help="seconds of runs after it")
    parser.add_argument("--lectures", type=int, default=6, help="lectures per course")
    parser.add_argument("--time-scale", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        print(run(args, Path(data)))


def run(args: argparse.Namespace, data: Path) -> str:
    catalog = Catalog()
    rng = random.Random(1)
    lessons = [[rng.randint(240, 600) for _ in range(args.lectures)]]
    catalog.add_course(COURSE, "Benchmark course", lessons)
    users = [FIRST_USER + i for i in range(args.students)]
    for user in [WARM_UP_USER, *users]:
        catalog.add_student(f"s{user}@vtu.test", PASSWORD, f"1VT{user}", [COURSE])
    redis_server = EmbeddedRedis(data)
    redis_url = redis_server.start()
    vtu_settings = EmulatorSettings(
        rate_limit_requests=None, wallclock_cap=True, time_scale=args.time_scale
    )
    with VTUEmulator(catalog, vtu_settings) as vtu, DiscordEmulator() as discord_api:
        settings = Settings(
            redis_url=redis_url,
            vtu_base_url=vtu.base_url,
            secret_keys=(new_key(),),
            discord_bot_token=discord_api.token,
            discord_api_base_url=discord_api.api_base_url,
            discord_gateway_url=discord_api.gateway_url,
            discord_edit_interval_s=args.edit_interval,
            vtu_rate_limit=5.0,
            vtu_global_rate_limit=400.0,
        )
        redis = Redis.from_url(redis_url)
        prepare(redis, settings, [WARM_UP_USER, *users])
        workers = start_workers(settings, args.workers)
        try:
            discord_api.wait_until_connected(timeout=60)
            discord_api.wait_for(lambda: discord_api.commands(), timeout=30)
            warm_up(discord_api, redis)
            runs_sent = invoke_spread(discord_api, users, "run", args.window)
            discord_api.wait_for(
                lambda: all(progress_message(discord_api, u) for u in users), timeout=120
            )
            runs = Runs(redis, Vault(redis, SecretBox(settings.secret_keys)), settings)
            active = sum(r.state.active for u in users for r in runs.status(f"discord:{u}"))
            stop_editing = threading.Event()
            editing = threading.Thread(
                target=keep_redrawing, args=(redis, runs, users, stop_editing), daemon=True
            )
            editing.start()
            time.sleep(args.lead)
            status_at = time.monotonic()
            status_sent = invoke_spread(discord_api, users, "status", 0.0)
            time.sleep(args.settle)
            stop_editing.set()
            editing.join()
            settled = [discord_api.interaction(i) for i in [*runs_sent, *status_sent]]
            progress = [progress_message(discord_api, u) for u in users]
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(10)
            redis.close()
            redis_server.stop()
        edit_times = [list(discord_api.message(m).edit_times) for m in progress if m]
        return report(
            args,
            [r for r in settled if r.id in runs_sent],
            [r for r in settled if r.id in status_sent],
            edit_times,
            discord_api,
            active,
            status_at,
        )


def prepare(redis: Redis, settings: Settings, users: list[int]) -> None:
    """Logged-in students with the course ticked in their picker (as after /courses)."""
    vault = Vault(redis, SecretBox(settings.secret_keys))
    picker = CoursePicker(redis)
    for user in users:
        student = f"discord:{user}"
        vault.save_credentials(student, Credentials(f"s{user}@vtu.test", PASSWORD))
        picker.save(student, [PickedCourse(COURSE, "Benchmark course", 0.0)])
        picker.toggle(student, 0)


def start_workers(settings: Settings, count: int) -> list[subprocess.Popen[bytes]]:
    env = child_environment(settings, os.environ)
    commands = [[sys.executable, "-m", "launcher", "worker"]] * count
    commands.append([sys.executable, "-m", "launcher", "scheduler"])
    commands.append([sys.executable, "-m", "launcher", "discord"])
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for command in commands
    ]


def warm_up(discord_api: DiscordEmulator, redis: Redis) -> None:
    """One run before the others, until the crediting is learned: a service that has run
    before keeps what it learned for a day, so runs then start without probing."""
    discord_api.invoke_command(WARM_UP_USER, "run")
    discord_api.wait_for(lambda: redis.exists(keys.CREDIT_MODEL), timeout=120)


def keep_redrawing(redis: Redis, runs: Runs, users: list[int], stop: threading.Event) -> None:
    """Ask for a redraw of every run all the time (as a stream of progress, or students
    pressing Refresh, would): every progress message is then edited as often as the budget
    allows, the worst case for Discord's limits."""
    records = [r for u in users for r in runs.status(f"discord:{u}")]
    while not stop.wait(REDRAW_EVERY_S):
        for record in records:
            request_refresh(redis, runs.store.get(record.id) or record)


def invoke_spread(
    discord_api: DiscordEmulator, users: list[int], command: str, window_s: float
) -> set[int]:
    """Each user invokes `/command` once at a random moment of `window_s` (0: all at once);
    returns the interaction ids."""
    start = time.monotonic()
    sent = set()
    for user, at in sorted(((u, random.uniform(0, window_s)) for u in users), key=lambda p: p[1]):
        time.sleep(max(0.0, start + at - time.monotonic()))
        sent.add(discord_api.invoke_command(user, command))
    return sent


def progress_message(discord_api: DiscordEmulator, user: int) -> int | None:
    """The id of the run's progress message in the user's DM, once posted."""
    for message in discord_api.dm(user):
        if message.from_bot and not message.ephemeral and "Benchmark" in message.history[0]:
            return message.id
    return None


def peak_in_window(times: list[float], window_s: float) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if s <= t < s + window_s) for s in times), default=0)


def report(
    args: argparse.Namespace,
    run_acks: list[InteractionRecord],
    status_acks: list[InteractionRecord],
    edit_times: list[list[float]],
    discord_api: DiscordEmulator,
    active: int,
    status_at: float,
) -> str:
    def latencies(records: list[InteractionRecord]) -> str:
        values = [r.ack_latency_s for r in records if r.ack_latency_s is not None]
        if len(values) < 2:
            return "n/a"
        p95 = statistics.quantiles(values, n=20)[-1]
        return (
            f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {max(values) * 1000:.0f} ms ({len(values)}/{len(records)} acknowledged)"
        )

    edits = sum(len(times) for times in edit_times)
    throttled = discord_api.throttled
    requests = discord_api.requests
    ordered = [sorted(times) for times in edit_times]
    gaps = [b - a for times in ordered for a, b in itertools.pairwise(times)]
    peak = max((peak_in_window(t, DISCORD_WINDOW_S) for t in edit_times), default=0)
    failed = len(discord_api.failed_interactions)
    around = [t for times in edit_times for t in times if abs(t - status_at) <= DISCORD_WINDOW_S]
    edited_around = sum(
        any(abs(t - status_at) <= DISCORD_WINDOW_S for t in times) for times in edit_times
    )
    bot_token_calls = [
        r.t for r in requests if not r.path.startswith(("/interactions/", "/webhooks/"))
    ]
    peak_rest = peak_in_window(bot_token_calls, 1.0)
    span = requests[-1].t - requests[0].t if requests else 1.0
    return "\n".join(
        [
            f"students: {args.students}, workers: {args.workers}, "
            f"edit interval: {args.edit_interval} s",
            f"runs in progress after /run: {active}",
            f"/run -> acknowledgement: {latencies(run_acks)}",
            f"/status, all at once while edits go on -> acknowledgement: {latencies(status_acks)}",
            f"interactions failed (not acknowledged in 3 s): {failed}",
            f"progress edits: {edits} on {len(edit_times)} messages; peak per message in any "
            f"{DISCORD_WINDOW_S:g} s: {peak} "
            f"(Discord: {DISCORD_EDITS_PER_WINDOW}); shortest gap between two edits of one "
            f"message: {min(gaps, default=0):.2f} s",
            f"progress edits within {DISCORD_WINDOW_S:g} s of the /status burst: {len(around)} "
            f"on {edited_around} messages",
            f"REST requests: {len(requests)} in {span:.0f} s "
            f"({len(requests) / span:.1f}/s on average); bot-token calls (the global limit's): "
            f"peak {peak_rest} in any 1 s (Discord: 50)",
            "requests per route: "
            + ", ".join(
                f"{route} {n}" for route, n in discord_api.requests_per_route.most_common(6)
            ),
            f"429 answers received: {len(throttled)}"
            + (f" ({sum(t.is_global for t in throttled)} global)" if throttled else ""),
        ]
    )


if __name__ == "__main__":
    main()
