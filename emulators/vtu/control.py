"""Out-of-process control of a running emulator under /__emulator__/ (not part of the platform)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import parse_qs

from emulators.vtu.catalog import Catalog
from emulators.vtu.service import VTUService
from emulators.vtu.stats import stats_to_json
from emulators.vtu.wire import Request, Response

CONTROL_PREFIX = "/__emulator__/"


def _json(status: int, payload: Any) -> Response:
    return Response(status, json.dumps(payload).encode("utf-8"))


def catalog_to_json(catalog: Catalog) -> dict[str, Any]:
    students = [
        {
            "id": student.id,
            "email": student.email,
            "password": student.password,
            "name": student.name,
            "courses": list(student.enrolled),
        }
        for student in catalog.students
    ]
    courses = [dataclasses.asdict(course) for course in catalog.courses]
    return {"students": students, "courses": courses}


def handle_control(service: VTUService, request: Request) -> Response:
    action = request.path[len(CONTROL_PREFIX) :].strip("/")
    handlers = {
        ("GET", "stats"): _stats,
        ("GET", "settings"): _get_settings,
        ("PATCH", "settings"): _patch_settings,
        ("POST", "reset"): _reset,
        ("GET", "catalog"): _catalog,
        ("GET", "progress"): _progress,
        ("POST", "lectures"): _add_lecture,
    }
    handler = handlers.get((request.method, action))
    if handler is not None:
        return handler(service, request)
    if any(known == action for _, known in handlers):
        return _json(405, {"error": f"{request.method} not allowed on {action}"})
    return _json(404, {"error": f"unknown control endpoint {action!r}"})


def _stats(service: VTUService, _request: Request) -> Response:
    students = {email: stats_to_json(stats) for email, stats in service.stats_all().items()}
    return _json(200, {"requests_total": service.requests_total, "students": students})


def _get_settings(service: VTUService, _request: Request) -> Response:
    return _json(200, service.settings.to_dict())


def _patch_settings(service: VTUService, request: Request) -> Response:
    try:
        changes = json.loads(request.body or b"{}")
    except ValueError:
        return _json(400, {"error": "body must be a JSON object"})
    if not isinstance(changes, dict):
        return _json(400, {"error": "body must be a JSON object"})
    try:
        with service.lock:
            service.settings.update(changes)
    except ValueError as problem:
        return _json(422, {"error": str(problem)})
    if "seed" in changes:
        service.reseed()
    return _json(200, service.settings.to_dict())


def _reset(service: VTUService, _request: Request) -> Response:
    service.reset()
    return _json(200, {"reset": True})


def _catalog(service: VTUService, _request: Request) -> Response:
    return _json(200, catalog_to_json(service.catalog))


def _add_lecture(service: VTUService, request: Request) -> Response:
    """`{"course": slug, "duration_s": N}`: the platform adds a lecture to the course."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _json(400, {"error": "body must be a JSON object"})
    slug = body.get("course") if isinstance(body, dict) else None
    duration = body.get("duration_s", 300) if isinstance(body, dict) else None
    if not isinstance(slug, str) or not isinstance(duration, int) or isinstance(duration, bool):
        return _json(422, {"error": "give course (a slug) and duration_s (whole seconds)"})
    try:
        with service.lock:
            lecture = service.catalog.add_lecture(slug, duration)
    except (KeyError, ValueError) as problem:
        return _json(422, {"error": str(problem).strip("'")})
    return _json(201, {"course": slug, "lecture": dataclasses.asdict(lecture)})


def _progress(service: VTUService, request: Request) -> Response:
    email = parse_qs(request.query).get("email", [""])[-1]
    try:
        found = service.progress_all(email)
    except KeyError:
        return _json(404, {"error": f"unknown student {email!r}"})
    lectures = {str(lecture_id): dataclasses.asdict(view) for lecture_id, view in found.items()}
    return _json(200, {"email": email, "lectures": lectures})
