import math

from core.engine import CreditModel
from core.engine.ledger import Credit


def test_unknown_model_probes_at_once_and_paces_nothing():
    model = CreditModel()
    assert not model.known
    assert model.next_probe_wait_s() == 0
    assert model.wait_s(120) == math.inf


def test_full_credit_right_away_means_no_time_cap():
    model = CreditModel()
    model.observe(Credit(sent_s=120, low_s=120, high_s=120), elapsed_s=0.005)
    assert model.known
    assert model.wait_s(120) == 0
    assert model.next_probe_wait_s() is None


def test_time_cap_is_learned_and_heartbeats_wait_for_it():
    # The platform credits 60 s per real second (time scale 60), at most 120 s.
    model = CreditModel()
    model.observe(Credit(sent_s=120, low_s=0, high_s=6), elapsed_s=0.05)
    assert not model.known
    assert model.next_probe_wait_s() == 2.0
    model.observe(Credit(sent_s=120, low_s=120, high_s=120), elapsed_s=2.01)
    assert model.known
    assert 2.0 <= model.wait_s(120) <= 2.01 * 1.1 + 0.05
    assert model.wait_s(60) < model.wait_s(120)


def test_partial_credit_bounds_the_interval_from_both_sides():
    model = CreditModel()
    model.observe(Credit(sent_s=120, low_s=31, high_s=49), elapsed_s=40)
    assert round(model.interval_min_s) == 98
    assert round(model.interval_max_s) == 155


def test_smaller_chunk_cap_is_learned():
    model = CreditModel(interval_max_s=1.0)
    model.observe(Credit(sent_s=120, low_s=59, high_s=65), elapsed_s=5)
    assert model.chunk_s == 59


def test_imprecise_full_looking_credit_never_proves_too_short_an_interval():
    # 96 s credited of 120 on a long lecture (1 % = 15 s) looks like full credit.
    model = CreditModel()
    model.observe(Credit(sent_s=120, low_s=81, high_s=120), elapsed_s=0.08)
    assert model.interval_max_s >= 0.1


def test_round_trips_through_json():
    model = CreditModel(chunk_s=100, interval_min_s=1.5, interval_max_s=2.5, probes=2)
    assert CreditModel.from_json(model.to_json()) == model


def test_a_loose_interval_is_refined_by_probing_its_middle():
    model = CreditModel(interval_min_s=1.0, interval_max_s=4.0)
    assert model.next_probe_wait_s() == 2.0
    model.probes = 8
    assert model.next_probe_wait_s() is None
