"""`autopilot worker`'s worker: a job failing for a reason the project expects is one line in
the log, not a traceback; anything else keeps its traceback for whoever has to fix it."""

from __future__ import annotations

import logging

from core.runs import RunState
from core.vtu import Credentials
from launcher.worker import make_worker
from tests.core.conftest import EMAIL
from tests.workers.conftest import SMALL, STUDENT


def test_a_wrong_password_is_one_line_in_the_workers_log(ctx, redis, vtu, caplog):
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, "wrong password"))
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    with caplog.at_level(logging.INFO):
        make_worker(redis).work(burst=True, with_scheduler=False)
    assert ctx.runs.get(STUDENT, run_id).state is RunState.FAILED
    assert "failed: LoginFailed" in caplog.text
    assert "Traceback" not in caplog.text


def test_an_unexpected_error_keeps_its_traceback(ctx, logged_in, redis, caplog, monkeypatch):
    from workers.jobs import runs

    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(runs, "_shared_model", broken)
    ctx.runs.submit(STUDENT, SMALL)
    with caplog.at_level(logging.INFO):
        make_worker(redis).work(burst=True, max_jobs=1, with_scheduler=False)
    assert "Traceback" in caplog.text and "RuntimeError: a bug" in caplog.text
