"""Metrics kept in Redis: what to count (`names`), counting (`store`), and where events are
counted (`events`, `http`). The exporter and `autopilot status` read them with the live state
(`core.metrics.snapshot`)."""

from core.metrics import names
from core.metrics.store import count, count_async, observe, record_error

__all__ = ["count", "count_async", "names", "observe", "record_error"]
