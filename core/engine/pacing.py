"""Learns how the platform credits watched time, and paces heartbeats to earn full credit.

A heartbeat that sends `s` seconds, `e` seconds after the lecture's last touch, may be credited
`min(s, C, r·e)`: `C` is a per-heartbeat cap (120 s is documented; the real one may be lower)
and `r` the rate of a cap by elapsed time, which may not exist (r = ∞). Chunks above `C` may
be clamped or refused (422), and the answer's percent may be floored or rounded. Neither `C`
nor `r` is known, so both are learned from answers, as proven bounds:

- The ledger turns an answer's whole percents into bounds `lo ≤ credit ≤ hi`. The platform
  touched the previous request and this one somewhere inside their send/answer windows, so
  the elapsed time it saw lies in `[e_min, e_max]` (`e_min` = this send - last answer).
- Any credit proves `C ≥ lo` and `r ≥ lo / e_max` (every term of the min is at least `lo`).
- A heartbeat certainly short (`hi < s`) proves `C ≤ hi` or `r ≤ hi / e_min`: a doubt. A
  doubt is settled by the other bounds: if `r` is proven faster than `hi / e_min`, it was the
  cap; if `C` is proven above `hi`, it was the time cap.
- A 422 for `s` proves `C < s` and that the platform refuses rather than clamps.

Probes settle doubts on purpose, one at a time, on one lecture: the same chunk after a clearly
longer wait. A shortfall that does not grow with the wait is `C`; one that grows is `r` (the
lower bound on `r` from the first answer then exceeds what the second allows, or the reverse).
While the cap is being learned and a time cap is proven that way, a doubt left over is settled
at once by the wait `s / r_lo` below (it outlasts the time cap for certain, so only `C` can
still fall short) rather than by longer and longer waits, each of which would cost one more
partly credited heartbeat.
The wait of a probe is `s / r_lo` (just enough under what is proven), so it never drifts
upwards on its own, and never exceeds the real-time playback of the chunk (`s` seconds).

Pacing uses only what is proven: chunks of `⌊C_lo⌋` sent `chunk / r_lo` after the last touch
earn full credit for certain, which keeps the books exact. An answer that contradicts the
bounds means the rule changed (or was never like this): the model starts over from that answer,
and after `MAX_MISSES` contradictions in a row heartbeats fall back to the real player's pace
(a 30 s chunk every 30 s), which any platform that works for people must credit.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from core.engine.ledger import Credit

DOCUMENTED_CHUNK_S = 120
"""The largest chunk the platform is known to accept; never sent larger."""
PLAYER_CHUNK_S = 30
"""The real player's heartbeat: this much every this many seconds of real time."""
MIN_CHUNK_S = 5
"""Below this a heartbeat is not worth its request."""
CAP_CANDIDATES = (120, 90, 60, 45, 30, 20, 15, 10, 5)
"""Chunk sizes to try first when the platform refuses larger ones."""
CAP_TIGHT = 1.03
"""Stop narrowing the cap when it is known to within this ratio (≤ 3 % more heartbeats), or
to within `CAP_PRECISION_S`, what whole percents can tell on a short lecture."""
CAP_PRECISION_S = 2.0
RATE_TIGHT = 1.1
"""Stop narrowing the time cap's rate when it is known to within this ratio."""
NEGLIGIBLE_WAIT_S = 0.1
"""A pace wait below this costs nothing worth a probe (network round trips are of its order)."""
MAX_RATE_PROBES = 3
MAX_CAP_PROBES = 5
"""Cap probes after which a cap known to within `CAP_GIVE_UP_SPREAD` is taken as known as
whole percents can tell (long lectures answer only to a percent of their length)."""
CAP_GIVE_UP_SPREAD = 0.12
"""Probes that try a shorter wait once a full-credit pace is proven."""
SHORTEST_WAIT_S = 0.05
"""The least wait of a probe that must measure the time cap: answers that credit too little
to measure make the next wait 4 times longer, from here."""
MAX_MISSES = 3
"""Contradictions in a row after which heartbeats fall back to the real player's pace."""
MAX_PROBES = 24
_EPS = 1e-9


@dataclass
class CreditModel:
    """Proven bounds on the platform's crediting; plain data, shared between runs as JSON."""

    cap_lo: float = 0.0
    cap_hi: float = float(DOCUMENTED_CHUNK_S)
    rate_lo: float = 0.0
    """Credited seconds per wall-clock second, at least (0: nothing proven)."""
    rate_hi: float = math.inf
    refuses: bool = False
    """The platform answers 422 to chunks above its cap (else it clamps them)."""
    accepted_s: int = 0
    """The largest chunk answered without a 422: the cap itself is at least this on a
    platform that refuses larger chunks."""
    doubts: list[tuple[float, float]] = field(default_factory=list)
    """Unsettled short answers: (hi, rate_if) meaning C ≤ hi or r ≤ rate_if."""
    probes: int = 0
    cap_probes: int = 0
    rate_probes: int = 0
    misses: int = 0
    """Contradictions in a row; at `MAX_MISSES` the pace falls back to the real player's."""
    learned_at: float = 0.0
    """When (wall clock) the bounds last changed; shared models expire by it."""
    last_probe: tuple[int, float] | None = None
    """(chunk, e_max) of the latest short probe, for the next probe's longer wait."""

    def observe(self, credit: Credit, e_min: float, e_max: float, now: float = 0.0) -> bool:
        """Learn from one heartbeat; returns False when the answer contradicts what was proven
        (the model then starts over from this answer alone)."""
        before = self._bounds()
        self.accepted_s = max(self.accepted_s, credit.sent_s)
        if self.refuses:
            self.cap_lo = max(self.cap_lo, float(self.accepted_s))
        self._learn(credit, max(e_min, _EPS), max(e_max, e_min, _EPS))
        if not self.consistent:
            fresh = CreditModel(misses=self.misses + 1, accepted_s=credit.sent_s)
            fresh._learn(credit, max(e_min, _EPS), max(e_max, e_min, _EPS))
            fresh.learned_at = now
            self.__dict__.update(fresh.__dict__)
            return False
        if self._bounds() != before:
            self.learned_at = now
        return True

    def refused(self, send_s: int, now: float = 0.0) -> bool:
        """A 422 for a chunk of `send_s`: the cap is below it. False when that contradicts
        a proven cap (the rule changed: start over)."""
        contradicted = max(self.cap_lo, self.accepted_s) >= send_s
        if contradicted:
            self.__dict__.update(CreditModel(misses=self.misses + 1).__dict__)
        self.refuses = True
        self.cap_hi = min(self.cap_hi, float(send_s - 1))
        self.cap_lo = max(self.cap_lo, float(self.accepted_s))
        self.learned_at = now
        self._settle()
        return not contradicted

    def confirmed(self) -> None:
        """A paced heartbeat earned what the bounds promised."""
        self.misses = 0

    @property
    def consistent(self) -> bool:
        if self.cap_lo > self.cap_hi + 1.0 or self.rate_lo > self.rate_hi * (1 + 1e-6):
            return False
        return all(self.cap_lo <= hi + 1.0 or self.rate_lo <= rate for hi, rate in self.doubts)

    @property
    def falling_back(self) -> bool:
        """Contradicted too often, or probed long without finding a pace that earns full
        credit: heartbeats go at the real player's pace (certain to progress)."""
        exhausted = self.probes >= MAX_PROBES and not self._paceable
        return self.misses >= MAX_MISSES or exhausted

    @property
    def cap_settled(self) -> bool:
        spread = self.cap_hi - self.cap_lo
        return self.cap_lo >= MIN_CHUNK_S and (
            spread <= max(CAP_PRECISION_S, self.cap_lo * (CAP_TIGHT - 1))
            or self.cap_lo >= DOCUMENTED_CHUNK_S - 1
            or (
                self.cap_probes >= MAX_CAP_PROBES
                and spread <= CAP_GIVE_UP_SPREAD * self.cap_lo
                and not self.doubts_about_cap
            )
        )

    @property
    def doubts_about_cap(self) -> bool:
        """Whether some short answer may still be the time cap rather than the chunk cap."""
        return any(self.cap_lo <= hi + 1.0 for hi, _ in self.doubts) and self.rate_lo == 0

    @property
    def chunk_s(self) -> int:
        """The chunk paced heartbeats send: the cap as far as answers allow (a cap read off
        a whole percent may be up to a percent lower: then a lecture needs one small
        heartbeat more at its end, and is never credited past its duration), or the real
        player's chunk while the cap is unknown."""
        if self.falling_back or not self.cap_settled:
            proven = math.floor(self.cap_lo + _EPS)
            return min(PLAYER_CHUNK_S, proven) if proven >= MIN_CHUNK_S else PLAYER_CHUNK_S
        if self.cap_hi >= DOCUMENTED_CHUNK_S:
            return DOCUMENTED_CHUNK_S
        round_caps = range(math.floor(self.cap_hi + _EPS) // 5 * 5, math.ceil(self.cap_lo), -5)
        if round_caps:  # platforms set round caps: a multiple of 5 the answers allow
            return round_caps[0]
        # A chunk a little under the cap costs a heartbeat now and then; one over it costs a
        # small one at the end of every lecture: lean low.
        return max(
            math.floor(self.cap_lo + _EPS), math.floor((self.cap_lo + self.cap_hi) / 2 + 0.25)
        )

    @property
    def _paceable(self) -> bool:
        return self.cap_settled and self.rate_lo * (1 + _EPS) >= 1.0

    @property
    def known(self) -> bool:
        """Whether every lecture may be paced: the cap is settled and a pace that earns full
        credit within real-time playback is proven."""
        return self._paceable and not self.falling_back

    @property
    def settled(self) -> bool:
        """Nothing more worth probing."""
        if self.probes >= MAX_PROBES:
            return True
        if not self.known:
            return False
        wait = self.chunk_s / self.rate_lo
        tight = self.rate_hi <= self.rate_lo * RATE_TIGHT
        return wait <= NEGLIGIBLE_WAIT_S or tight or self.rate_probes >= MAX_RATE_PROBES

    def wait_s(self, send_s: int) -> float:
        """How long after a lecture's last touch a heartbeat of `send_s` earns it in full:
        never more than real-time playback of the chunk."""
        if self.falling_back or self.rate_lo <= 0:
            return float(send_s)
        return min(float(send_s), send_s / self.rate_lo)

    def next_probe(self) -> tuple[int, float] | None:
        """The chunk and the wait after the last touch of the next probe, or None."""
        if self.settled or self.falling_back:
            return None
        send = self._cap_probe_chunk() if not self.cap_settled else self.chunk_s
        if send < MIN_CHUNK_S:
            return None
        return send, self._probe_wait(send)

    def _cap_probe_chunk(self) -> int:
        top = math.floor(self.cap_hi + _EPS)
        if not self.refuses:
            return top  # a clamping platform credits min(C, r·e): the cap shows itself
        if self.cap_lo >= MIN_CHUNK_S:
            return min(top, math.floor(self.cap_lo) + 1)
        below = [c for c in CAP_CANDIDATES if self.cap_lo < c <= top]
        return below[0] if below else max(MIN_CHUNK_S, (math.floor(self.cap_lo) + top + 1) // 2)

    def _probe_wait(self, send: int) -> float:
        if self.last_probe is not None and self.last_probe[0] == send and self.doubts:
            _, last_e_max = self.last_probe
            if not self.cap_settled and self.rate_hi < math.inf and self.rate_lo > 0:
                # Learning the cap, with a shortfall that already grew with the wait (a time
                # cap proven): the wait that surely outlasts the time cap settles the rest in
                # one answer (full credit proves C >= send; a shortfall after it can only be
                # C). Once the cap is settled, that wait is the proven pace and would teach
                # nothing: a short probe of the rate is followed by a longer one, as below.
                return min(float(send), send / self.rate_lo)
            wait = max(1.5 * last_e_max, SHORTEST_WAIT_S)  # clearly longer, not more
            if wait > send:  # at the ceiling: halve instead, the other side of the test
                wait = last_e_max / 2
            return min(float(send), wait)
        if self.known and not self.settled:
            if self.rate_hi == math.inf:
                return 0.0  # is there a time cap at all? Right after the last answer tells
            return send / math.sqrt(self.rate_lo * self.rate_hi)
        if self.rate_lo > 0:
            return min(float(send), send / self.rate_lo)
        if self.last_probe is not None:
            return min(float(send), max(SHORTEST_WAIT_S, 4 * self.last_probe[1]))
        return 0.0  # the first probe: the time since the lecture was opened

    def probed(self, send: int, credit: Credit, e_max: float) -> None:
        """Remember a probe's chunk and wait so the next one can test a longer wait."""
        self.probes += 1
        self.rate_probes += self.known
        self.cap_probes += not self.cap_settled
        self.last_probe = (send, e_max) if credit.high_s < credit.sent_s else None

    def _learn(self, credit: Credit, e_min: float, e_max: float) -> None:
        if credit.low_s > 0:
            self.cap_lo = max(self.cap_lo, credit.low_s)
            self.rate_lo = max(self.rate_lo, credit.low_s / e_max)
        if credit.high_s < credit.sent_s:
            self.doubts.append((credit.high_s, credit.high_s / e_min))
        self._settle()

    def _settle(self) -> None:
        """Turn doubts into bounds wherever the other bounds decide them."""
        changed = True
        while changed:
            changed = False
            for doubt in list(self.doubts):
                hi, rate = doubt
                if self.rate_lo > rate * (1 + 1e-6) and self.cap_lo <= hi + 1.0:
                    self.cap_hi = min(self.cap_hi, hi)
                elif self.cap_lo > hi + 1.0 and self.rate_lo <= rate:
                    self.rate_hi = min(self.rate_hi, rate)
                else:
                    continue
                self.doubts.remove(doubt)
                changed = True

    def _bounds(self) -> tuple[float, float, float, float, bool]:
        return self.cap_lo, self.cap_hi, self.rate_lo, self.rate_hi, self.refuses

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rate_hi"] = None if math.isinf(self.rate_hi) else self.rate_hi
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CreditModel:
        """A model saved by this version; anything older or malformed starts fresh."""
        names = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or "cap_lo" not in data or set(data) - names:
            return cls()
        values = dict(data)
        values["rate_hi"] = math.inf if values.get("rate_hi") is None else values["rate_hi"]
        values["doubts"] = [tuple(d) for d in values.get("doubts") or []]
        probe = values.get("last_probe")
        values["last_probe"] = tuple(probe) if probe else None
        try:
            return cls(**values)
        except TypeError:
            return cls()
