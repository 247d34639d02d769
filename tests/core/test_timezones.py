"""Students' time zones: IANA names only, any case, kept per student."""

import pytest

from core import keys
from core.timezones import DEFAULT_ZONE, StudentZones, close_zones, find_zone


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("europe/london", "Europe/London"),
        (" America/New York ", "America/New_York"),
        ("UTC", "UTC"),
    ],
)
def test_iana_names_in_any_case(text, zone):
    assert find_zone(text) == zone


@pytest.mark.parametrize("text", ["IST", "Mars/Olympus_Mons", "../../etc/passwd", "", "x" * 200])
def test_anything_else_is_no_zone(text):
    assert find_zone(text) is None


def test_close_names_are_suggested_and_abbreviations_are_not_guessed():
    assert close_zones("Europe/Londn")[0] == "Europe/London"
    assert close_zones("kolkata") == ["Asia/Kolkata"]
    assert close_zones("IST") == []


def test_each_student_has_the_default_until_they_set_one(redis):
    zones = StudentZones(redis)
    assert zones.zone("telegram:1") == DEFAULT_ZONE == "Asia/Kolkata"
    zones.set_zone("telegram:1", "Europe/London")
    assert zones.zone("telegram:1") == "Europe/London"
    assert zones.zone("telegram:2") == DEFAULT_ZONE
    with pytest.raises(ValueError):
        zones.set_zone("telegram:1", "europe/london")  # only the name find_zone gives
    redis.hset(keys.student_prefs("telegram:1"), "tz", "Nowhere/Else")  # an old or bad value
    assert zones.zone("telegram:1") == DEFAULT_ZONE
