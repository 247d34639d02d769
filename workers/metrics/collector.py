"""A prometheus_client collector that reads the metrics and live state from Redis at each
scrape, so one exporter shows the work of every process on every host."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from core.metrics import names
from core.metrics.snapshot import Snapshot, take_snapshot

if TYPE_CHECKING:
    from redis import Redis

    from core.metrics.store import Sample

log = logging.getLogger(__name__)


class RedisCollector(Collector):
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def collect(self) -> Iterator[Metric]:
        try:
            snapshot = take_snapshot(self.redis)
        except RedisError as exc:
            log.warning("metrics scrape: Redis unreachable (%s)", exc)
            yield GaugeMetricFamily("autopilot_redis_up", "Whether Redis answered.", value=0)
            return
        yield GaugeMetricFamily("autopilot_redis_up", "Whether Redis answered.", value=1)
        yield from _live(snapshot)
        yield from _counters(snapshot.counters)
        yield from _histograms(snapshot.histograms)


def _live(snapshot: Snapshot) -> Iterator[Metric]:
    per_queue = {
        "autopilot_queue_depth": ("Jobs waiting in each queue.", "queued"),
        "autopilot_queue_scheduled_jobs": (
            "Jobs scheduled for later (delayed slices, retries).",
            "scheduled",
        ),
        "autopilot_queue_started_jobs": ("Jobs being worked on.", "started"),
        "autopilot_dead_letter_jobs": (
            "Jobs in the dead-letter queue (failed for good).",
            "failed",
        ),
    }
    for name, (text, attribute) in per_queue.items():
        family = GaugeMetricFamily(name, text, labels=["queue"])
        for state in snapshot.queues:
            family.add_metric([state.name], getattr(state, attribute))
        yield family
    workers = GaugeMetricFamily("autopilot_workers", "Workers alive, by state.", labels=["state"])
    for state, number in sorted(snapshot.workers.items()):
        workers.add_metric([state], number)
    yield workers
    runs = GaugeMetricFamily(
        "autopilot_active_runs", "Runs not yet finished, by state.", labels=["state"]
    )
    for state, number in sorted(snapshot.runs_active.items()):
        runs.add_metric([state], number)
    yield runs
    yield GaugeMetricFamily(
        "autopilot_active_students",
        "Students with a run not yet finished.",
        value=snapshot.students_active,
    )


def _counters(samples: list[Sample]) -> Iterator[Metric]:
    for metric in names.COUNTERS:
        family = CounterMetricFamily(metric.name, metric.help, labels=list(metric.labels))
        for sample in samples:
            if sample.name == metric.name:
                labels = dict(sample.labels)
                family.add_metric([labels.get(label, "") for label in metric.labels], sample.value)
        yield family


def _histograms(samples: list[Sample]) -> Iterator[Metric]:
    for metric in names.HISTOGRAMS:
        buckets: dict[tuple[str, ...], dict[str, float]] = defaultdict(dict)
        sums: dict[tuple[str, ...], float] = defaultdict(float)
        for sample in samples:
            name, _, part = sample.name.partition("|")
            if name != metric.name:
                continue
            labels = dict(sample.labels)
            key = tuple(labels.get(label, "") for label in metric.labels)
            if part == "le":
                buckets[key][labels["le"]] = sample.value
            elif part == "sum":
                sums[key] = sample.value
        family = HistogramMetricFamily(metric.name, metric.help, labels=list(metric.labels))
        for key in sorted(set(buckets) | set(sums)):
            cumulative, rows = 0.0, []
            for bound in [*(repr(float(b)) for b in metric.buckets), "+Inf"]:
                cumulative += buckets[key].get(bound, 0.0)
                rows.append((_le(bound), cumulative))
            family.add_metric(list(key), rows, sums[key])
        yield family


def _le(bound: str) -> str:
    return bound if bound == "+Inf" else format(float(bound), "g")
