"""Learns how the platform credits watched time, and paces heartbeats to earn full credit.

The platform credits a heartbeat at most `chunk_s` seconds (120 on the real one), and maybe
also at most the real time since the previous touch of that lecture times some rate. Neither
the rate nor whether that cap exists is known, so both are learned from answers:

- a fully credited heartbeat of `s` seconds sent `e` seconds after the last touch proves the
  full-chunk interval T is at most `chunk_s * e / s` (`interval_max_s`);
- a partly credited one proves T at least `chunk_s * e / high` and at most `chunk_s * e / low`.

Heartbeats are paced at the proven-safe interval plus a margin. Until one is proven, a single
probe at a time explores: the first right after opening a lecture, then at twice the proven
lower bound. Under a per-heartbeat cap only, the first probe already proves T is about zero.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from core.engine.ledger import Credit

DOCUMENTED_CHUNK_S = 120
# Client-side timing is not the server's: leave room for latency jitter and rounding.
SAFETY_FACTOR = 1.1
SAFETY_SLACK_S = 0.05
# Below this, waiting between heartbeats on one lecture costs nothing worth learning about.
NEGLIGIBLE_INTERVAL_S = 0.25


@dataclass
class CreditModel:
    chunk_s: int = DOCUMENTED_CHUNK_S
    interval_min_s: float = 0.0
    interval_max_s: float | None = None
    probes: int = 0

    def observe(self, credit: Credit, elapsed_s: float) -> None:
        """Learn from one heartbeat that earned `credit` `elapsed_s` after the last touch."""
        elapsed_s = max(elapsed_s, 1e-3)
        if credit.full:
            self._tighten_max(self.chunk_s * elapsed_s / max(credit.sent_s, 1))
            return
        if self.interval_max_s is not None and elapsed_s >= self.wait_s(credit.sent_s):
            # The time cap cannot have bitten: the platform's chunk cap is below ours.
            self.chunk_s = max(1, math.floor(credit.low_s)) if credit.low_s >= 1 else self.chunk_s
            return
        if credit.high_s > 0:
            self.interval_min_s = max(self.interval_min_s, self.chunk_s * elapsed_s / credit.high_s)
        if credit.low_s > 0:
            self._tighten_max(self.chunk_s * elapsed_s / credit.low_s)

    @property
    def known(self) -> bool:
        """Whether a safe interval is proven (no more probing needed)."""
        return self.interval_max_s is not None

    def wait_s(self, send_s: int) -> float:
        """How long after the last touch a heartbeat of `send_s` seconds earns it in full."""
        if self.interval_max_s is None:
            return self.probe_wait_s()
        if self.interval_max_s <= NEGLIGIBLE_INTERVAL_S:
            return 0.0
        share = min(1.0, send_s / self.chunk_s)
        return self.interval_max_s * share * SAFETY_FACTOR + SAFETY_SLACK_S

    def probe_wait_s(self) -> float:
        return 2 * self.interval_min_s

    def _tighten_max(self, bound: float) -> None:
        if self.interval_max_s is None or bound < self.interval_max_s:
            self.interval_max_s = max(bound, self.interval_min_s)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CreditModel:
        return cls(**data)
