"""Benchmark: one 166-lecture course, our engine against the round-robin baseline.

    python -m bench.engine [--rate 20] [--time-scale 60] [--modes chunk,wallclock,...]

For each crediting rule of the stand-in (`MODES`: the chunk cap C, a cap by the time since
the lecture's last touch at some rate, chunks above C clamped or refused, percents floored
or rounded), runs our engine at `--rate` requests/s and the baseline with no budget, against a
stand-in that answers 429 above `--platform-rate`. Reports heartbeats ÷ the minimum (sum over
lectures of ceil(duration / C)), completion time ÷ the lower bound (the larger of the longest
lecture's duration under the time cap and the requests the platform requires, login, one
opening per lecture and the minimum heartbeats, ÷ the rate), logins, 429s, partly credited
heartbeats and lectures credited past their duration.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.baseline import sweep_course
from bench.stand_ins import StandIn, vtu_stand_in
from core.engine import CourseRun
from core.limits import LocalRateLimiter
from core.vtu import Credentials, VTUClient

COURSE = "1-benchmark-166"

MODES: dict[str, dict[str, object]] = {
    "chunk": {"chunk_cap_s": 120.0, "wallclock_cap": False},
    "wallclock": {"chunk_cap_s": 120.0, "wallclock_cap": True},
    "cap90-time": {"chunk_cap_s": 90.0, "wallclock_cap": True},
    "cap60-refuse": {"chunk_cap_s": 60.0, "chunk_over_cap": "refuse", "wallclock_cap": False},
    "cap30-round": {"chunk_cap_s": 30.0, "percent_rounding": "round", "wallclock_cap": False},
    "cap90-time-0.5": {"chunk_cap_s": 90.0, "wallclock_cap": True, "wallclock_rate": 0.5},
}
"""The crediting rules measured: each sets these stand-in settings over the defaults."""
DEFAULTS: dict[str, object] = {
    "chunk_over_cap": "clamp",
    "percent_rounding": "floor",
    "wallclock_rate": 1.0,
}


@dataclass
class Result:
    mode: str
    contender: str
    completed: bool
    seconds: float
    heartbeats: int
    minimum_heartbeats: int
    lower_bound_s: float
    requests: int
    too_many_requests: int
    logins: int
    partial_credit: int
    over_credited: int
    max_over_s: float

    @property
    def heartbeat_ratio(self) -> float:
        return self.heartbeats / self.minimum_heartbeats

    @property
    def time_ratio(self) -> float:
        return self.seconds / self.lower_bound_s


async def _ours(client: VTUClient, rate: float) -> bool:
    return (await CourseRun(client, COURSE, rate_limit=rate).run()).finished


async def _baseline(client: VTUClient, _rate: float) -> bool:
    return await sweep_course(client, COURSE)


def measure(
    stand_in: StandIn,
    mode: str,
    contender: str,
    run: Callable[[VTUClient, float], Awaitable[bool]],
    rate: float,
    time_scale: float,
) -> Result:
    stand_in.reset()
    rule = {**DEFAULTS, **MODES[mode]}
    stand_in.configure(**rule)
    chunk = float(rule["chunk_cap_s"])  # type: ignore[arg-type]
    catalog = stand_in.catalog()
    student = catalog["students"][0]
    course = next(c for c in catalog["courses"] if c["slug"] == COURSE)
    durations = {
        lec["id"]: lec["duration_s"]
        for lesson in course["lessons"]
        for lec in lesson["lectures"]
        if lec["duration_s"]
    }
    minimum = sum(math.ceil(d / chunk) for d in durations.values())
    rate_of_time = float(rule["wallclock_rate"]) * time_scale  # type: ignore[arg-type]
    longest_s = max(durations.values()) / rate_of_time if rule["wallclock_cap"] else 0.0
    required = 1 + sum(len(lesson["lectures"]) for lesson in course["lessons"]) + minimum
    limiter = LocalRateLimiter(rate) if contender == "ours" else None

    async def go() -> bool:
        credentials = Credentials(student["email"], student["password"])
        async with VTUClient(stand_in.base_url, credentials, limiter=limiter) as client:
            return await run(client, rate)

    started = time.perf_counter()
    completed = asyncio.run(go())
    seconds = time.perf_counter() - started
    stats = stand_in.stats()["students"][student["email"]]
    lectures = stats["lectures"]
    overs = [lectures.get(str(i), {}).get("credited_s", 0) - d for i, d in durations.items()]
    return Result(
        mode=mode,
        contender=contender,
        completed=completed,
        seconds=seconds,
        heartbeats=stats["heartbeats"],
        minimum_heartbeats=minimum,
        lower_bound_s=max(longest_s, required / rate),
        requests=stats["requests"],
        too_many_requests=stats["too_many_requests"],
        logins=stats["logins"],
        partial_credit=sum(x["partial_credit"] for x in lectures.values()),
        over_credited=sum(over > 1e-6 for over in overs),
        max_over_s=max(overs),
    )


def table(results: list[Result]) -> str:
    lines = [
        "| rule | contender | complete | time (s) | time ÷ bound | heartbeats | ÷ minimum "
        "| requests | logins | 429s | partial credit | lectures over duration | most over (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.mode} | {r.contender} | {'yes' if r.completed else 'NO'} | {r.seconds:.1f} "
            f"| {r.time_ratio:.3f} | {r.heartbeats} | {r.heartbeat_ratio:.3f} | {r.requests} "
            f"| {r.logins} | {r.too_many_requests} | {r.partial_credit} | {r.over_credited} "
            f"| {max(0.0, r.max_over_s):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="our requests/s (VTU_RATE_LIMIT)")
    parser.add_argument("--platform-rate", type=int, default=25, help="stand-in's 429 threshold/s")
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--modes", default=",".join(MODES), help="rules, from MODES")
    parser.add_argument("--contenders", default="ours,baseline")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    runs = {"ours": _ours, "baseline": _baseline}
    flags = [
        "--students",
        "1",
        "--benchmark-course",
        "--time-scale",
        str(args.time_scale),
        "--rate-limit",
        f"{args.platform_rate}/1",
    ]
    results = []
    with vtu_stand_in(*flags) as stand_in:
        for mode in args.modes.split(","):
            for contender in args.contenders.split(","):
                result = measure(
                    stand_in, mode, contender, runs[contender], args.rate, args.time_scale
                )
                print(table([result]).splitlines()[-1], flush=True)
                results.append(result)
    print()
    print(
        f"rate {args.rate:g}/s, platform 429s above {args.platform_rate}/s, "
        f"time scale x{args.time_scale:g}"
    )
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
