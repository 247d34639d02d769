"""Learns how the platform credits watched time, and paces heartbeats to earn full credit.

The platform credits a heartbeat at most `chunk_s` seconds (120 on the real one), and maybe
also at most the real time since the previous touch of that lecture times some rate. Neither
the rate nor whether that cap exists is known, so both are learned from answers:

- a heartbeat credited at least `low` seconds, sent `e` seconds after the last touch, proves
  the interval T that earns a full chunk is at most `chunk_s * e / low` (`interval_max_s`);
- one credited certainly less than it sent (at most `high`) proves T at least
  `chunk_s * e / high` (`interval_min_s`).
Credit is known only to the platform's whole percent, so short lectures teach the most.

Heartbeats are paced at the proven-safe interval plus a margin. Probes, one at a time, find
and then tighten it (see `next_probe_wait_s`). Under a per-heartbeat cap only, the first
probe already proves T is about zero.
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
# The smallest heartbeat worth sending when the platform caps or refuses larger ones.
MIN_CHUNK_S = 15
# A credit below this share of what was sent cannot be a rounding artefact.
CLEARLY_SHORT = 0.9
# Refine a proven interval while it is this loose, with at most this many probes.
REFINE_RATIO = 1.25
MAX_PROBES = 8
# Below this, waiting between heartbeats on one lecture costs nothing worth learning about.
NEGLIGIBLE_INTERVAL_S = 0.02


@dataclass
class CreditModel:
    chunk_s: int = DOCUMENTED_CHUNK_S
    interval_min_s: float = 0.0
    interval_max_s: float | None = None
    probes: int = 0

    def observe(self, credit: Credit, elapsed_s: float) -> None:
        """Learn from one heartbeat that earned `credit` `elapsed_s` after the last touch.

        Credit never exceeds rate * elapsed, so `low_s` always bounds the rate from below
        (and the interval from above); only a heartbeat certainly credited less than it sent
        bounds the interval from below.
        """
        elapsed_s = max(elapsed_s, 1e-3)
        partial = credit.high_s < credit.sent_s
        clearly_short = credit.high_s < CLEARLY_SHORT * credit.sent_s
        if (
            clearly_short
            and credit.sent_s == self.chunk_s
            and self.known
            and elapsed_s >= 2 * self.wait_s(credit.sent_s)
        ):
            # A full chunk, twice the proven interval after the last touch, and still well
            # short: the platform's per-heartbeat cap is below ours.
            self.chunk_s = max(MIN_CHUNK_S, min(self.chunk_s, math.floor(credit.low_s)))
            return
        if credit.low_s > 0:
            self._tighten_max(self.chunk_s * elapsed_s / credit.low_s)
        if partial and credit.high_s > 0:
            self.interval_min_s = max(self.interval_min_s, self.chunk_s * elapsed_s / credit.high_s)
            if self.interval_max_s is not None:
                self.interval_max_s = max(self.interval_max_s, self.interval_min_s)

    @property
    def known(self) -> bool:
        """Whether a safe interval is proven (no more probing needed)."""
        return self.interval_max_s is not None

    def wait_s(self, send_s: int) -> float:
        """How long after the last touch a heartbeat of `send_s` seconds earns it in full."""
        if self.interval_max_s is None:
            return math.inf
        if self.interval_max_s <= NEGLIGIBLE_INTERVAL_S:
            return 0.0
        share = min(1.0, send_s / self.chunk_s)
        slack = min(SAFETY_SLACK_S, self.interval_max_s * (SAFETY_FACTOR - 1))
        return self.interval_max_s * share * SAFETY_FACTOR + slack

    def next_probe_wait_s(self) -> float | None:
        """How long after a lecture's last touch the next probe goes, or None for no probe.

        Until an interval is proven: right away, then at twice the proven lower bound. After:
        while the interval is loose, at the geometric middle of what is known, which halves
        the doubt each time, for at most `MAX_PROBES` probes in all.
        """
        if self.interval_max_s is None:
            return 2 * self.interval_min_s
        if self.interval_max_s <= NEGLIGIBLE_INTERVAL_S or self.probes >= MAX_PROBES:
            return None
        lower = self.interval_min_s or self.interval_max_s / 4
        if self.interval_max_s / lower <= REFINE_RATIO:
            return None
        return math.sqrt(lower * self.interval_max_s)

    def _tighten_max(self, bound: float) -> None:
        if self.interval_max_s is None or bound < self.interval_max_s:
            self.interval_max_s = max(bound, self.interval_min_s)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CreditModel:
        return cls(**data)
