"""Logs: one JSON object per line on request, the run id on every line of a run, no secret."""

from __future__ import annotations

import json
import logging

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from config import ConfigError
from config.logging import configure_logging, log_context
from core.runs.queues import QUEUES, JSONJob, queue
from tests.core.conftest import PASSWORD
from tests.workers.conftest import SMALL, STUDENT, ctx, logged_in, settings, vtu  # noqa: F401

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_lines_carry_the_context_and_hide_secrets(capsys):
    configure_logging(verbose=True, log_format="json")
    log = logging.getLogger("autopilot.test")
    with log_context(run_id="r1"):
        log.info("session %s for bot%s", JWT, BOT_TOKEN)
        try:
            raise RuntimeError(f"cookie {JWT}")
        except RuntimeError:
            log.exception("failed")
    log.warning("outside")
    lines = json_lines(capsys.readouterr().err)
    assert [line["message"] for line in lines] == [
        "session [redacted] for bot[redacted]",
        "failed",
        "outside",
    ]
    assert [line.get("run_id") for line in lines] == ["r1", "r1", None]
    assert (
        lines[1]["level"] == "ERROR" and "RuntimeError: cookie [redacted]" in lines[1]["exception"]
    )
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    raw = "\n".join(json.dumps(line) for line in lines)
    assert JWT not in raw and BOT_TOKEN not in raw


def test_text_lines_name_the_run_too(capsys):
    configure_logging(verbose=True, log_format="text")
    with log_context(run_id="r2"):
        logging.getLogger("autopilot.test").info("hello")
    assert capsys.readouterr().err.rstrip().endswith("hello [run_id=r2]")


def test_an_unknown_format_is_refused():
    with pytest.raises(ConfigError, match="AUTOPILOT_LOG_FORMAT"):
        configure_logging(log_format="xml")


def test_every_line_a_run_writes_names_it_and_no_secret(ctx, logged_in, redis, vtu, capsys):  # noqa: F811
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    vtu.settings.error_rate = 1.0  # the slice retries and fails: it has things to say
    configure_logging(verbose=True, log_format="json")
    SimpleWorker(
        [queue(redis, name) for name in QUEUES],
        connection=redis,
        serializer=JSONSerializer,
        job_class=JSONJob,
    ).work(burst=True, with_scheduler=False, logging_level="INFO")
    err = capsys.readouterr().err
    lines = json_lines(err)  # every line is one JSON object
    ours = [line for line in lines if line["logger"].startswith(("core.", "workers."))]
    assert len(ours) >= 2, err
    assert all(line.get("run_id") == run_id for line in ours)
    assert all(line.get("job_id", "").startswith(f"slice-{run_id}") for line in ours)
    assert PASSWORD not in err
    assert not any(token in err for token in vtu.issued_tokens())
