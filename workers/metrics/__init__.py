"""The Prometheus exporter: one HTTP endpoint per host serving what every process counted."""

from workers.metrics.collector import RedisCollector
from workers.metrics.exporter import (
    MetricsOffer,
    MetricsServer,
    serve_metrics,
    serve_metrics_when_free,
)

__all__ = [
    "MetricsOffer",
    "MetricsServer",
    "RedisCollector",
    "serve_metrics",
    "serve_metrics_when_free",
]
