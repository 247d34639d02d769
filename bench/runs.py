"""Benchmark of the run queue: submit speed, start latency, 1,000 runs at once, chaos.

    python -m bench.runs [submit] [latency] [scale] [chaos]   (default: all four)

Everything runs on this machine: an embedded Redis-protocol server, the VTU stand-in as its
own process, and `autopilot worker` processes (at most four).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from redis import Redis

from bench.processes import Fleet
from bench.stand_ins import StandIn, vtu_stand_in
from config import Settings, child_environment
from core import jobs
from core.embedded_redis import EmbeddedRedis
from core.runs import Runs, RunState
from core.runs.queues import FAST_QUEUE, RUNS_QUEUE, JSONJob, queue
from core.vault import SecretBox, Vault, new_key
from core.vtu import Credentials

WORKERS = 4


@contextmanager
def service(base_url: str, **settings: Any) -> Iterator[tuple[Settings, Redis, Runs, Fleet]]:
    """A fresh embedded Redis, settings for it and the stand-in, and an empty worker fleet."""
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        url = server.start()
        config = Settings(
            redis_url=url, vtu_base_url=base_url, secret_keys=(new_key(),), **settings
        )
        redis = Redis.from_url(url)
        vault = Vault(redis, SecretBox(config.secret_keys))
        env = child_environment(config, os.environ)
        log_dir = os.environ.get("BENCH_LOG_DIR")
        fleet = Fleet(env, Path(log_dir or tmp), verbosity=("-v",) if log_dir else ())
        try:
            yield config, redis, Runs(redis, vault, config), fleet
        finally:
            fleet.stop()
            redis.close()
            server.stop()


def bench_submit(base_url: str, count: int = 2000) -> dict[str, float]:
    """Submissions/s through `Runs.submit` (dedup, record, enqueue, event) against raw RQ
    `enqueue` of an empty job, one after another from one process. Logins are encrypted
    into the vault at /login, not per submit; `login_and_submit_per_s` times both."""
    with service(base_url, max_active_runs=count * 4, max_runs_per_student=count) as (
        _,
        redis,
        runs,
        _fleet,
    ):
        raw_queue = queue(redis, FAST_QUEUE)
        started = time.perf_counter()
        for _ in range(count):
            raw_queue.enqueue("bench.jobs.empty", result_ttl=0)
        raw = count / (time.perf_counter() - started)
        students = [f"telegram:{i}" for i in range(count)]
        for student in students:
            runs.vault.save_credentials(student, Credentials(f"{student}@vtu.test", "pw"))
        started = time.perf_counter()
        for student in students:
            runs.submit(student, "1-social-networks")
        ours = count / (time.perf_counter() - started)
        started = time.perf_counter()
        for student in students:
            runs.vault.save_credentials(student, Credentials(f"{student}@vtu.test", "pw"))
            runs.submit(student, "1-machine-learning")
        both = count / (time.perf_counter() - started)
    return {
        "raw_enqueue_per_s": raw,
        "submit_per_s": ours,
        "ratio": ours / raw,
        "login_and_submit_per_s": both,
    }


def bench_latency(base_url: str, count: int = 300) -> dict[str, float]:
    """Enqueue-to-start latency on the runs queue with idle workers."""
    with service(base_url) as (_, redis, _runs, fleet):
        fleet.start(WORKERS, "worker")
        time.sleep(3)
        runs_queue = queue(redis, RUNS_QUEUE)
        # Workers run only registered jobs: a redraw of a run that has no chat message is the
        # cheapest; RQ's own enqueued/started times give the latency.
        job_ids = []
        for n in range(count):
            job = runs_queue.enqueue(jobs.REFRESH_PROGRESS, f"bench-{n}", result_ttl=600)
            job_ids.append(job.id)
            time.sleep(0.02)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            started = [
                j for j in JSONJob.fetch_many(job_ids, connection=redis) if j and j.started_at
            ]
            if len(started) == count:
                break
            time.sleep(0.1)
        latencies = sorted((j.started_at - j.enqueued_at).total_seconds() for j in started)
    return {
        "samples": len(latencies),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "max_ms": 1000 * latencies[-1],
    }


def _login_all(runs: Runs, students: list[dict[str, Any]]) -> list[str]:
    ids = []
    for student in students:
        sid = f"telegram:{student['id']}"
        runs.vault.save_credentials(sid, Credentials(student["email"], student["password"]))
        ids.append(sid)
    return ids


def _accepted(stats: dict[str, Any], since: float, until: float) -> dict[str, int]:
    return {
        email: sum(since <= t < until for t in s["accepted_times"])
        for email, s in stats["students"].items()
    }


def _jain(values: list[int]) -> float:
    total = sum(values)
    squares = sum(v * v for v in values)
    return total * total / (len(values) * squares) if squares else 0.0


def bench_scale(
    stand_in: StandIn, runs_count: int, rate: float, window_s: float
) -> dict[str, float]:
    """`runs_count` runs at once, one per student, global budget `rate` requests/s."""
    catalog = stand_in.catalog()
    students = catalog["students"][:runs_count]
    stand_in.reset()
    with service(stand_in.base_url, vtu_global_rate_limit=rate, max_active_runs=runs_count * 2) as (
        _,
        redis,
        runs,
        fleet,
    ):
        ids = _login_all(runs, students)
        fleet.start(WORKERS, "worker")
        fleet.start(1, "scheduler")
        for sid, student in zip(ids, students, strict=True):
            runs.submit(sid, student["courses"][0])
        warm_up_s = 40.0  # every run has opened its lectures: heartbeats from here on
        time.sleep(warm_up_s)
        clock_start = _emulator_now(stand_in)
        peak_mb = 0.0
        deadline = time.monotonic() + window_s
        while time.monotonic() < deadline:
            peak_mb = max(peak_mb, fleet.rss_mb())
            time.sleep(1)
        clock_end = _emulator_now(stand_in)
        stats = stand_in.stats()
        active = redis.scard("autopilot:active-runs")
    counts = list(_accepted(stats, clock_start, clock_end).values())
    counts = [
        c
        for email, c in zip(stats["students"], counts, strict=True)
        if email in {s["email"] for s in students}
    ]
    lectures = [lec for s in stats["students"].values() for lec in s["lectures"].values()]
    achieved = sum(counts) / (clock_end - clock_start)
    return {
        "runs": runs_count,
        "runs_active_at_end": active,
        "global_rate": rate,
        "achieved_per_s": achieved,
        "achieved_ratio": achieved / rate,
        "jain_fairness": _jain(counts),
        "peak_worker_memory_mib": peak_mb,
        "heartbeats": sum(x["heartbeats"] for x in lectures),
        "partial_credit_heartbeats": sum(x["partial_credit"] for x in lectures),
        "too_many_requests": sum(s["too_many_requests"] for s in stats["students"].values()),
    }


def _emulator_now(stand_in: StandIn) -> float:
    """The stand-in's clock (its stats are stamped with it), read from a fresh request."""
    times = [t for s in stand_in.stats()["students"].values() for t in s["accepted_times"][-1:]]
    return max(times) if times else 0.0


def bench_chaos(stand_in: StandIn, runs_count: int, kill_every_s: float) -> dict[str, float]:
    """Runs complete while a random worker is SIGKILLed every `kill_every_s` seconds."""
    catalog = stand_in.catalog()
    students = catalog["students"][:runs_count]
    stand_in.reset()
    with service(stand_in.base_url, vtu_rate_limit=5.0, vtu_global_rate_limit=200.0) as (
        _,
        _redis,
        runs,
        fleet,
    ):
        ids = _login_all(runs, students)
        fleet.start(WORKERS, "worker")
        scheduler = Fleet(fleet.env, fleet.log_dir)
        scheduler.start(1, "scheduler")
        run_ids = [
            runs.submit(sid, s["courses"][0]).run.id for sid, s in zip(ids, students, strict=True)
        ]
        started = time.monotonic()
        kills = 0
        next_kill = started + kill_every_s
        while time.monotonic() - started < 900:
            records = [runs.store.get(r) for r in run_ids]
            if all(r is not None and not r.state.active for r in records):
                break
            if time.monotonic() >= next_kill:
                fleet.kill(random.randrange(len(fleet.processes)))
                fleet.start(1, "worker")
                kills += 1
                next_kill += kill_every_s
            time.sleep(0.5)
        scheduler.stop()
        elapsed = time.monotonic() - started
        records = [runs.store.get(r) for r in run_ids]
    completed = sum(r is not None and r.state is RunState.COMPLETED for r in records)
    over = _over_credited(stand_in, catalog, students)
    return {
        "runs": runs_count,
        "completed": completed,
        "completed_share": completed / runs_count,
        "worker_kills": kills,
        "seconds": elapsed,
        **over,
    }


def _over_credited(
    stand_in: StandIn, catalog: dict[str, Any], students: list[Any]
) -> dict[str, int]:
    durations = {
        lec["id"]: lec["duration_s"]
        for course in catalog["courses"]
        for lesson in course["lessons"]
        for lec in lesson["lectures"]
    }
    stats = stand_in.stats()["students"]
    twice = beyond = 0
    for student in students:
        for lecture_id, lec in stats[student["email"]]["lectures"].items():
            duration = durations[int(lecture_id)]
            if lec["credited_s"] >= duration + 60:
                twice += 1  # a whole extra heartbeat's worth: credit sent again
            elif lec["credited_s"] > duration * 1.015 + 1:
                beyond += 1
    return {"lectures_credited_twice": twice, "lectures_over_by_rounding_only": beyond}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*", default=["submit", "latency", "scale", "chaos"])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100.0, help="global requests/s")
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured")
    parser.add_argument("--chaos-runs", type=int, default=80)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    flags = [
        "--students",
        str(args.runs),
        "--courses-per-student",
        "1",
        "--lectures",
        "3-6",
        "--rate-limit",
        "off",
        "--time-scale",
        "60",
    ]
    with vtu_stand_in(*flags) as stand_in:
        if "submit" in args.parts:
            results["submit"] = bench_submit(stand_in.base_url)
            print("submit", results["submit"], flush=True)
        if "latency" in args.parts:
            results["latency"] = bench_latency(stand_in.base_url)
            print("latency", results["latency"], flush=True)
        if "scale" in args.parts:
            results["scale"] = bench_scale(stand_in, args.runs, args.rate, args.window)
            print("scale", results["scale"], flush=True)
    if "chaos" in args.parts:
        chaos_flags = [
            "--students",
            str(args.chaos_runs),
            "--courses-per-student",
            "1",
            "--lectures",
            "8-12",
            "--rate-limit",
            "off",
            "--time-scale",
            "600",
        ]
        with vtu_stand_in(*chaos_flags) as stand_in:
            results["chaos"] = bench_chaos(stand_in, args.chaos_runs, 10.0)
            print("chaos", results["chaos"], flush=True)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
