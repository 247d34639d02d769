"""Matching a request line to one of the platform's routes under /api/v1."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

API_PREFIX = "/api/v1"
LOGIN = "login"
ENROLLMENTS = "enrollments"
COURSE = "course"
LECTURE = "lecture"
PROGRESS = "progress"

_ROUTES = (
    (LOGIN, "POST", "/auth/login"),
    (ENROLLMENTS, "GET", "/student/my-enrollments"),
    (COURSE, "GET", "/student/my-courses/{slug}"),
    (LECTURE, "GET", "/student/my-courses/{slug}/lectures/{id}"),
    (PROGRESS, "POST", "/student/my-courses/{slug}/lectures/{id}/progress"),
)


def _pattern(template: str) -> re.Pattern[str]:
    regex = re.escape(template).replace(r"\{slug\}", r"(?P<slug>[^/]+)")
    return re.compile(regex.replace(r"\{id\}", r"(?P<id>\d+)") + "$")


_COMPILED = tuple(
    (name, method, template, _pattern(template)) for name, method, template in _ROUTES
)


@dataclass(frozen=True)
class RouteMatch:
    name: str | None
    """One of the route constants, or None when the path or the method does not match."""
    label: str
    """"METHOD /template" for counting, e.g. "GET /student/my-courses/{slug}"."""
    params: dict[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()
    """Methods the path accepts; empty when the path is unknown."""


def match_route(method: str, path: str) -> RouteMatch:
    if not path.startswith(API_PREFIX + "/"):
        return RouteMatch(None, f"{method} (unknown)")
    tail = path[len(API_PREFIX) :].rstrip("/")
    allowed: list[str] = []
    path_template = ""
    for name, route_method, template, pattern in _COMPILED:
        found = pattern.match(tail)
        if found is None:
            continue
        if route_method == method:
            return RouteMatch(name, f"{method} {template}", found.groupdict(), (route_method,))
        allowed.append(route_method)
        path_template = template
    if allowed:
        return RouteMatch(None, f"{method} {path_template}", {}, tuple(allowed))
    return RouteMatch(None, f"{method} (unknown)")
