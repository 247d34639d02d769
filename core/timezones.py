"""Students' time zones: IANA names checked against the time zone database, kept in Redis.

Start times (`/run at 02:00`) and the nightly keep-complete check are in the student's own
time; the default is India's, where VTU is. The database comes from the OS or, where it has
none, from the `tzdata` package.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, available_timezones

from core import keys

if TYPE_CHECKING:
    from redis import Redis

DEFAULT_ZONE = "Asia/Kolkata"
MAX_ZONE_CHARS = 64
"""Longer than any IANA name: longer text is refused without a look-up."""
SIMILAR = 0.75
"""How alike (difflib's ratio) a name must be to be suggested: "Europe/Londn" is, "IST" is
like no name (abbreviations are ambiguous: India's, Israel's, Ireland's)."""


@cache
def _zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def find_zone(text: str) -> str | None:
    """The IANA name `text` spells (any case, spaces for underscores), or None."""
    cleaned = text.strip().replace(" ", "_")
    if not cleaned or len(cleaned) > MAX_ZONE_CHARS:
        return None
    return _zones_by_folded_name().get(cleaned.casefold())


def close_zones(text: str, count: int = 3) -> list[str]:
    """IANA names that look like `text`, to suggest when it is not one."""
    folded = text.strip().replace(" ", "_").casefold()[:MAX_ZONE_CHARS]
    by_name = _zones_by_folded_name()
    cities = {name.rpartition("/")[2]: name for name in by_name}
    matches = difflib.get_close_matches(folded, list(by_name), n=count, cutoff=SIMILAR)
    similar_cities = difflib.get_close_matches(folded, list(cities), n=count, cutoff=SIMILAR)
    matches += [cities[city] for city in similar_cities]
    return list(dict.fromkeys(by_name[m] for m in matches))[:count]


def local_now(zone: str, now: float) -> datetime:
    return datetime.fromtimestamp(now, ZoneInfo(zone))


class StudentZones:
    """Each student's time zone (`/timezone`), `DEFAULT_ZONE` until they set one."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def zone(self, student: str) -> str:
        raw = self.redis.hget(keys.student_prefs(student), "tz")
        name = raw.decode() if raw else ""
        return name if find_zone(name) == name else DEFAULT_ZONE

    def set_zone(self, student: str, zone: str) -> None:
        """Keep `zone`, which must be an IANA name as `find_zone` returns it."""
        if find_zone(zone) != zone:
            raise ValueError(f"not an IANA time zone name: {zone!r}")
        self.redis.hset(keys.student_prefs(student), "tz", zone)
