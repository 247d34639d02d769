"""The credit model: proven bounds on the chunk cap and the time cap, and the pace from them.

`platform` plays a crediting rule `min(sent, C, r x elapsed)` against the model's own probes,
with answers known only to a second either side (as whole percents tell them).
"""

import math

import pytest

from core.engine import CreditModel
from core.engine.ledger import Credit
from core.engine.pacing import DOCUMENTED_CHUNK_S, PLAYER_CHUNK_S

RTT = 0.01


def answer(sent: int, cap: float, rate: float, elapsed: float, slack: float = 1.0) -> Credit:
    credited = min(sent, cap, rate * elapsed)
    return Credit(sent_s=sent, low_s=max(0.0, credited - slack), high_s=min(sent, credited + slack))


def learn(model: CreditModel, cap: float, rate: float, refuse: bool = False) -> list[float]:
    """Probe until the model is settled; returns the waits it asked for."""
    waits = []
    for _ in range(40):
        probe = model.next_probe()
        if probe is None:
            break
        send, wait = probe
        waits.append(wait)
        elapsed = max(wait, RTT)
        if refuse and send > cap:
            model.refused(send)
            continue
        credit = answer(send, cap, rate, elapsed)
        model.observe(credit, elapsed, elapsed + RTT)
        model.probed(send, credit, elapsed + RTT)
    return waits


def test_a_fresh_model_probes_the_documented_chunk_at_once_and_paces_nothing():
    model = CreditModel()
    assert not model.known
    assert model.next_probe() == (DOCUMENTED_CHUNK_S, 0.0)


@pytest.mark.parametrize("cap", [30, 60, 90, 120])
@pytest.mark.parametrize("rate", [math.inf, 300.0, 60.0])
@pytest.mark.parametrize("refuse", [False, True])
def test_both_caps_are_learned_and_the_pace_is_proven(cap, rate, refuse):
    model = CreditModel()
    waits = learn(model, cap, rate, refuse)
    assert model.known and model.settled
    assert cap - 2 <= model.chunk_s <= cap
    assert all(w <= DOCUMENTED_CHUNK_S for w in waits)  # never beyond real-time playback
    chunk = model.chunk_s
    wait = model.wait_s(chunk)
    assert min(chunk, cap, rate * wait) >= chunk - 1e-6  # the pace earns full credit
    if rate < math.inf:
        assert wait <= 1.3 * chunk / rate  # and wastes little time


def test_a_shortfall_that_does_not_grow_with_the_wait_is_the_chunk_cap():
    model = CreditModel()
    credit = answer(120, cap=90, rate=math.inf, elapsed=0.3)
    model.observe(credit, 0.3, 0.31)
    model.probed(120, credit, 0.31)
    assert model.doubts and not model.known
    send, wait = model.next_probe()
    assert send == 120 and wait >= 1.5 * 0.31 - 1e-9  # the same chunk after a longer wait
    credit = answer(120, cap=90, rate=math.inf, elapsed=wait)
    model.observe(credit, wait, wait + RTT)
    assert model.cap_hi <= 91 and model.known and model.chunk_s == 90


def test_a_shortfall_that_grows_with_the_wait_is_the_time_cap_and_the_next_probe_outlasts_it():
    model, short, waits = CreditModel(), 0, []
    while not model.cap_settled:
        send, wait = model.next_probe()
        waits.append(wait)
        elapsed = max(wait, RTT)
        credit = answer(send, cap=120, rate=600.0, elapsed=elapsed)
        model.observe(credit, elapsed, elapsed + RTT)
        model.probed(send, credit, elapsed + RTT)
        short += credit.high_s < send
    assert short == 2  # one falls short, one shows the shortfall grows: no third one
    assert len(waits) == 3 and 120 / 600 <= waits[-1] <= 120 / 600 * 1.3
    assert model.cap_lo >= 119 and model.rate_hi < math.inf


def test_the_wait_never_drifts_upwards():
    model = CreditModel()
    waits = learn(model, cap=90, rate=400.0)
    paced = model.wait_s(model.chunk_s)
    assert paced <= 90 / 400 * 1.3
    assert max(waits) <= 4 * 120 / 400


def test_a_platform_that_credits_nothing_never_gets_a_pace_and_does_not_spin():
    model = CreditModel()
    waits = learn(model, cap=0, rate=math.inf)
    assert not model.known and model.falling_back
    assert model.chunk_s == PLAYER_CHUNK_S and model.wait_s(PLAYER_CHUNK_S) == PLAYER_CHUNK_S
    assert len(waits) <= 24 and sum(waits) > 60  # probes spaced out, not a burst


def test_an_answer_against_the_proof_starts_over_and_repeated_ones_fall_back():
    model = CreditModel()
    learn(model, cap=120, rate=math.inf)
    assert model.known
    for _ in range(3):  # the platform now credits 40 of every 120 however long one waits
        assert not model.observe(answer(120, 40, math.inf, 5.0), 5.0, 5.1)
        model.observe(answer(120, 120, math.inf, 0.05), 0.05, 0.06)
    assert model.misses >= 3 and model.falling_back
    assert model.chunk_s <= PLAYER_CHUNK_S and model.wait_s(model.chunk_s) == model.chunk_s


def test_round_trips_through_json_and_old_shapes_start_fresh():
    model = CreditModel()
    learn(model, cap=60, rate=300.0)
    assert CreditModel.from_json(model.to_json()) == model
    assert CreditModel.from_json({"chunk_s": 120, "interval_max_s": 1.0}) == CreditModel()
    assert math.isinf(CreditModel.from_json(CreditModel().to_json()).rate_hi)
