"""Counters and histograms kept in Redis, shared by every process that counts.

Layout (keys in `core.keys`):
- `METRICS_COUNTERS`: hash, field `name|label=value|...` -> count (HINCRBY).
- `METRICS_HISTOGRAMS`: hash, fields `name|labels|le=<bound>` (that bucket alone, not
  cumulative) and `name|labels|sum`.
- `metrics_recent(minute)`: the same counter fields for one wall-clock minute, kept an hour,
  so `autopilot status` can say what happened lately.
- `METRICS_ERRORS`: list of the latest errors as JSON, newest first, capped.

Counting is one pipelined round trip and never raises: a metric lost to a Redis hiccup must
not fail the request or the run it describes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from core import keys
from core.metrics.names import Metric

if TYPE_CHECKING:
    from redis import Redis
    from redis.asyncio import Redis as AsyncRedis

log = logging.getLogger(__name__)

RECENT_TTL_S = 3600
ERRORS_KEPT = 20
_UNSAFE = str.maketrans({"|": "_", "=": "_", "\n": " "})

Labels = Mapping[str, str]


@dataclass(frozen=True)
class Sample:
    """One counter's value (or one histogram part) for one set of labels."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


def encode_field(name: str, labels: Labels | None = None) -> str:
    """The hash field of metric `name` with `labels` (values stripped of separators)."""
    parts = [name]
    for label, value in sorted((labels or {}).items()):
        parts.append(f"{label}={str(value).translate(_UNSAFE)}")
    return "|".join(parts)


def parse_field(raw: bytes | str) -> tuple[str, tuple[tuple[str, str], ...]]:
    name, *parts = (raw.decode() if isinstance(raw, bytes) else raw).split("|")
    pairs = tuple(tuple(part.split("=", 1)) for part in parts if "=" in part)
    return name, pairs  # type: ignore[return-value]


def count(redis: Redis, metric: Metric, labels: Labels | None = None, amount: int = 1) -> None:
    """Add `amount` to a counter, also in this minute's recent figures."""
    commands = _count_commands(metric, labels, amount)
    try:
        with redis.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            pipe.execute()
    except RedisError as exc:
        log.debug("metric %s not counted: %s", metric.name, exc)


async def count_async(
    redis: AsyncRedis, metric: Metric, labels: Labels | None = None, amount: int = 1
) -> None:
    """`count` for code on an event loop."""
    try:
        async with redis.pipeline(transaction=False) as pipe:
            for command in _count_commands(metric, labels, amount):
                pipe.execute_command(*command)
            await pipe.execute()
    except RedisError as exc:
        log.debug("metric %s not counted: %s", metric.name, exc)


def observe(redis: Redis, metric: Metric, value: float, labels: Labels | None = None) -> None:
    """Record one observation (seconds) in a histogram."""
    base = encode_field(metric.name, labels)
    bound = next((b for b in metric.buckets if value <= b), None)
    bucket = f"{base}|le={'+Inf' if bound is None else _bound(bound)}"
    try:
        with redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(keys.METRICS_HISTOGRAMS, bucket, 1)
            pipe.hincrbyfloat(keys.METRICS_HISTOGRAMS, f"{base}|sum", value)
            pipe.execute()
    except RedisError as exc:
        log.debug("metric %s not observed: %s", metric.name, exc)


def record_error(redis: Redis, source: str, message: str) -> None:
    """Keep `message` (already free of secrets) among the latest errors."""
    entry = json.dumps({"at": time.time(), "source": source, "message": message[:500]})
    try:
        with redis.pipeline(transaction=False) as pipe:
            pipe.lpush(keys.METRICS_ERRORS, entry)
            pipe.ltrim(keys.METRICS_ERRORS, 0, ERRORS_KEPT - 1)
            pipe.execute()
    except RedisError as exc:
        log.debug("error not recorded: %s", exc)


def counters(redis: Redis) -> list[Sample]:
    """Every counter ever counted, as stored."""
    return _samples(redis.hgetall(keys.METRICS_COUNTERS))


def recent_counters(redis: Redis, minutes: int, now: float | None = None) -> list[Sample]:
    """Counters summed over the last `minutes` wall-clock minutes (this one included)."""
    minute = int((now or time.time()) // 60)
    with redis.pipeline(transaction=False) as pipe:
        for past in range(minutes):
            pipe.hgetall(keys.metrics_recent(minute - past))
        hashes = pipe.execute()
    totals: dict[str, float] = {}
    for found in hashes:
        for raw, value in found.items():
            key = raw.decode() if isinstance(raw, bytes) else raw
            totals[key] = totals.get(key, 0.0) + float(value)
    return _samples(totals)


def histograms(redis: Redis) -> list[Sample]:
    """Histogram parts as stored: `le` buckets (not cumulative) and `sum`, the part being
    the sample's name suffix (`name|le`, `name|sum`)."""
    samples = []
    for raw, value in redis.hgetall(keys.METRICS_HISTOGRAMS).items():
        text = raw.decode() if isinstance(raw, bytes) else raw
        base, _, part = text.rpartition("|")
        name, labels = parse_field(base)
        if part.startswith("le="):
            labels = (*labels, ("le", part[3:]))
            part = "le"
        samples.append(Sample(f"{name}|{part}", labels, float(value)))
    return samples


def last_errors(redis: Redis, limit: int = ERRORS_KEPT) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in redis.lrange(keys.METRICS_ERRORS, 0, limit - 1)]


def _count_commands(
    metric: Metric, labels: Labels | None, amount: int
) -> list[tuple[str | int, ...]]:
    name = encode_field(metric.name, labels)
    recent = keys.metrics_recent(int(time.time() // 60))
    return [
        ("HINCRBY", keys.METRICS_COUNTERS, name, amount),
        ("HINCRBY", recent, name, amount),
        ("EXPIRE", recent, RECENT_TTL_S),
    ]


def _samples(raw: Mapping[Any, Any]) -> list[Sample]:
    samples = []
    for key, value in raw.items():
        name, labels = parse_field(key)
        samples.append(Sample(name, labels, float(value)))
    return samples


def _bound(bound: float) -> str:
    return repr(float(bound))
