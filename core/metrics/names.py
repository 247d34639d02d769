"""Every metric the project counts: its name, what it means, its labels and buckets.

Names follow Prometheus conventions: counters end in `_total`, durations are in seconds.
Counters and histograms live in Redis (`core.metrics.store`), so every worker process on
every host adds to the same figures and one exporter serves them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()
    """Upper bounds of a histogram's buckets, in seconds (empty for a counter)."""


RUNS_FINISHED = Metric(
    "autopilot_runs_finished_total",
    "Runs that reached a final state, by outcome (completed, failed, cancelled).",
    ("outcome",),
)
RUN_DURATION = Metric(
    "autopilot_run_duration_seconds",
    "Time from a run's submission to its final state.",
    ("outcome",),
    (10, 30, 60, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400, 259200),
)
JOB_START_LATENCY = Metric(
    "autopilot_job_start_latency_seconds",
    "Time a job waited in its queue, from enqueued (or moved there when due) to started.",
    ("queue",),
    (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
PLATFORM_REQUESTS = Metric(
    "autopilot_platform_requests_total",
    "Requests sent to the VTU platform, retries included, by endpoint.",
    ("endpoint",),
)
PLATFORM_THROTTLED = Metric(
    "autopilot_platform_throttled_total",
    "Platform answers 429 Too Many Requests, by endpoint.",
    ("endpoint",),
)
PLATFORM_SERVER_ERRORS = Metric(
    "autopilot_platform_server_errors_total",
    "Platform answers 500-599, by endpoint.",
    ("endpoint",),
)
PLATFORM_LOGINS = Metric(
    "autopilot_platform_logins_total",
    "Logins to the platform, by outcome (ok, refused, error).",
    ("outcome",),
)
CHAT_MESSAGES = Metric(
    "autopilot_chat_messages_total",
    "Chat messages sent and edited by the workers, by platform and kind (send, edit).",
    ("platform", "kind"),
)
CHAT_THROTTLED = Metric(
    "autopilot_chat_throttled_total",
    "Chat API answers 429 (flood control), by platform and kind.",
    ("platform", "kind"),
)

COUNTERS = (
    RUNS_FINISHED,
    PLATFORM_REQUESTS,
    PLATFORM_THROTTLED,
    PLATFORM_SERVER_ERRORS,
    PLATFORM_LOGINS,
    CHAT_MESSAGES,
    CHAT_THROTTLED,
)
HISTOGRAMS = (RUN_DURATION, JOB_START_LATENCY)
