"""The admins' dashboard: rq-dashboard's pages behind a password, read-only unless asked.

rq-dashboard 0.9 lets anyone who reaches it delete, requeue and empty, and changes state on
`GET /requeue/<queue>`, so a page on another site can make an admin's browser do it (CSRF).
Here, around its Flask blueprint:
- every request needs HTTP basic auth (user `admin`);
- state-changing endpoints take only POST, and only from the dashboard's own origin (the
  `Origin` header, else `Referer`, must name this host);
- without `allow_actions` they are refused and their buttons hidden; failed jobs are retried
  with `autopilot dlq retry`;
- with `allow_actions`, requeue goes through `core.runs.dead_letters.retry`, the code of
  `autopilot dlq retry`, which reopens the failed run so the requeued slice is not stale;
- the workers' JSON (behind the Workers page) reads each busy worker's current job as JSON:
  rq-dashboard's own view reads it with RQ's default serializer (pickle) whatever its
  configured one, so it failed with `DeserializationError` whenever a worker was busy;
- Redis not answering gets a 503 and one log line, not a traceback per poll.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from flask import Flask, Response, current_app, jsonify, request
from redis import Redis
from redis.exceptions import RedisError
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.serializers import JSONSerializer
from rq_dashboard import web as rq_dashboard

from core.runs import dead_letters
from core.runs.queues import JSONJob

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

log = logging.getLogger(__name__)

USERNAME = "admin"
STATE_CHANGING = frozenset(
    f"rq_dashboard.{view}"
    for view in (
        "delete_job_view",
        "requeue_job_view",
        "requeue_all",
        "empty_queue",
        "compact_queue",
    )
)
"""rq-dashboard's endpoints that change Redis."""
READ_ONLY_ANSWER = (
    "This dashboard is read-only. Retry failed jobs with `autopilot dlq retry [JOB_ID]` "
    "(the run resumes from its checkpoint), or start it with --allow-actions."
)
_HIDE_ACTIONS = (
    b"<style>#requeue-job-btn,#requeue-all-btn,#compact-btn,[data-role=requeue-job-btn]"
    b"{display:none!important}</style>"
)


def make_app(redis_url: str, password: str, *, allow_actions: bool = False) -> Flask:
    """rq-dashboard (JSON serializer) for `redis_url`, guarded as the module says."""
    if not password:
        raise ValueError("the dashboard needs a password")
    app = Flask(__name__)
    app.config.update(
        RQ_DASHBOARD_REDIS_URL=redis_url,
        RQ_DASHBOARD_DISABLE_DELETE=not allow_actions,
        DEPRECATED_OPTIONS=[],
    )
    rq_dashboard.config.serializer = JSONSerializer
    app.before_request(_require_password(password))
    app.before_request(_refuse_forged_changes)
    app.register_blueprint(rq_dashboard.blueprint)
    rq_dashboard.setup_rq_connection(app)
    app.view_functions["rq_dashboard.list_workers"] = _list_workers
    app.register_error_handler(RedisError, _redis_unavailable)
    if allow_actions:
        redis = Redis.from_url(redis_url)
        app.view_functions["rq_dashboard.requeue_job_view"] = _retry_one(redis)
        app.view_functions["rq_dashboard.requeue_all"] = _retry_queue(redis)
    else:
        app.before_request(_refuse_changes)
        app.after_request(_hide_actions)
    return app


def _require_password(password: str) -> Callable[[], ResponseReturnValue | None]:
    def check() -> ResponseReturnValue | None:
        auth = request.authorization
        if (
            auth is not None
            and hmac.compare_digest((auth.username or "").encode(), USERNAME.encode())
            and hmac.compare_digest((auth.password or "").encode(), password.encode())
        ):
            return None
        return Response(
            "Log in as admin.", 401, {"WWW-Authenticate": 'Basic realm="VTU AutoPilot"'}
        )

    return check


def _refuse_forged_changes() -> ResponseReturnValue | None:
    """State changes only by POST from a page of this dashboard."""
    changing = request.endpoint in STATE_CHANGING
    if changing and request.method != "POST":
        return _refused(405, "This action needs a POST from the dashboard's own page.")
    if not changing and request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if urlparse(source).netloc != request.host:
        return _refused(403, "Refused: the request did not come from the dashboard's own page.")
    return None


def _refuse_changes() -> ResponseReturnValue | None:
    if request.endpoint in STATE_CHANGING:
        return _refused(403, READ_ONLY_ANSWER)
    return None


def _hide_actions(response: Response) -> Response:
    if response.mimetype == "text/html" and not response.direct_passthrough:
        page = response.get_data()
        if b"</head>" in page:
            response.set_data(page.replace(b"</head>", _HIDE_ACTIONS + b"</head>", 1))
    return response


def _retry_one(redis: Redis) -> Callable[[str], ResponseReturnValue]:
    def requeue_job_view(job_id: str) -> ResponseReturnValue:
        refused = dead_letters.retry(redis, job_id)
        if refused is not None:
            return _refused(409, refused)
        return jsonify(status="OK")

    return requeue_job_view


def _retry_queue(redis: Redis) -> Callable[[str], ResponseReturnValue]:
    def requeue_all(queue_name: str) -> ResponseReturnValue:
        registry = dead_letters.registry_of(redis, queue_name)
        if registry is None:
            return _refused(404, f"{queue_name!r} is not one of the project's queues.")
        refused = [dead_letters.retry(redis, job_id) for job_id in registry.get_job_ids()]
        problems = [reason for reason in refused if reason is not None]
        return jsonify(status="OK", count=len(refused) - len(problems), refused=problems)

    return requeue_all


def _list_workers(instance_number: int) -> ResponseReturnValue:
    """rq-dashboard's `workers.json`, with each worker's current job read as a `JSONJob`."""
    redis = current_app.redis_conn  # type: ignore[attr-defined]  # set by rq-dashboard
    workers = [
        {
            "name": worker.name,
            "pid": worker.pid,
            "queues": [q.name for q in worker.queues],
            "state": str(worker.get_state()),
            "current_job": rq_dashboard.serialize_current_job(_current_job(worker)),
            "last_heartbeat": worker.last_heartbeat,
            "birth_date": worker.birth_date,
            "successful_job_count": worker.successful_job_count,
            "failed_job_count": worker.failed_job_count,
            "total_working_time": worker.total_working_time,
            "version": getattr(worker, "version", ""),
            "python_version": getattr(worker, "python_version", ""),
        }
        for worker in Worker.all(connection=redis, job_class=JSONJob, serializer=JSONSerializer)
    ]
    workers.sort(key=lambda w: (w["state"], w["queues"], w["name"]))
    return jsonify(workers=workers), 200, {"Cache-Control": "no-store"}


def _current_job(worker: Worker) -> JSONJob | None:
    """The job a worker is busy with; None between jobs, and when the job was deleted the
    moment it finished (slices keep no result) while the worker still names it."""
    try:
        return worker.get_current_job()  # type: ignore[no-any-return]
    except NoSuchJobError:
        return None


def _redis_unavailable(exc: RedisError) -> ResponseReturnValue:
    log.warning("dashboard: Redis did not answer %s: %s", request.path, exc)
    return _refused(503, f"Redis is not answering ({type(exc).__name__}); try again shortly.")


def _refused(status: int, message: str) -> ResponseReturnValue:
    return jsonify(status="REFUSED", message=message), status
