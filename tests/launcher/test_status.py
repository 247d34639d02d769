"""`autopilot status` and `status --json`: the same figures, in words and in JSON."""

from __future__ import annotations

import json
import re

from core.metrics import count, names, record_error
from core.runs.queues import QUEUES
from launcher import main
from tests.workers.conftest import SMALL, STUDENT


def status(capsys, *flags: str) -> str:
    assert main(["status", *flags]) == 0
    return capsys.readouterr().out


def test_status_and_status_json_agree(monkeypatch, ctx, logged_in, redis, capsys):
    monkeypatch.setenv("REDIS_URL", ctx.settings.redis_url)
    ctx.runs.submit(STUDENT, SMALL)
    ctx.runs.submit(STUDENT, "1-benchmark-166")
    count(redis, names.PLATFORM_REQUESTS, {"endpoint": "progress"}, 7)
    count(redis, names.PLATFORM_THROTTLED, {"endpoint": "progress"}, 2)
    count(redis, names.PLATFORM_SERVER_ERRORS, {"endpoint": "course"}, 3)
    count(redis, names.PLATFORM_LOGINS, {"outcome": "ok"})
    count(redis, names.RUNS_FINISHED, {"outcome": "failed"})
    record_error(redis, "run abc", "The VTU platform did not answer.")

    text, data = status(capsys), json.loads(status(capsys, "--json"))

    for q in data["queues"]:
        row = re.search(rf"^{q['name']}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", text, re.M)
        assert row and [int(n) for n in row.groups()] == [
            q["queued"],
            q["scheduled"],
            q["started"],
            q["failed"],
        ]
    assert [q["name"] for q in data["queues"]] == list(QUEUES)
    runs, recent = data["runs"], data["recent"]
    assert runs["active"] == 2 and runs["active_by_state"] == {"queued": 2}
    assert f"runs active: {runs['active']} (queued: 2), students active: 1" in text
    assert runs["students_active"] == 1
    assert f"dead-letter queue: {runs['dead_letter']}" in text
    assert runs["finished"] == {"failed": 1} and "runs finished: failed: 1" in text
    assert (recent["platform_requests"], recent["platform_429"], recent["platform_5xx"]) == (
        7,
        2,
        3,
    )
    assert "platform requests: 7, 429s: 2, 5xx: 3, logins: 1" in text
    assert f"workers alive: {data['workers']['alive']}" in text
    assert data["errors"][0]["message"] == "The VTU platform did not answer."
    assert "run abc: The VTU platform did not answer." in text


def test_status_without_redis_says_what_is_missing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no `autopilot up` runs there
    assert main(["status"]) == 2
    assert "REDIS_URL is not set" in capsys.readouterr().err
