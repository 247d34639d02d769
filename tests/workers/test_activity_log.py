"""At the default log level a worker says what it did: each login it checked, each run it
started, completed or failed; the process that cancels a run says so. Ids and counts only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from config import child_environment
from config.logging import configure_logging
from core.conversation.backend import ConversationBackend
from core.conversation.service import Conversation
from core.keys import pending_login
from core.runs import RunState
from core.vtu import Credentials
from tests.core.conftest import EMAIL, PASSWORD

from .chat_port import RecordingPort
from .conftest import SMALL, STUDENT

WRONG_PASSWORD = "not my password 123"
OTHER = "discord:2002"


@pytest.fixture
def worker_log(settings, tmp_path) -> Iterator[Callable[[], str]]:
    """`autopilot worker` as an operator starts it (no -v); yields a reader of its log."""
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "launcher", "worker"],
            env=child_environment(settings, os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    yield lambda: log_path.read_text(errors="replace")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.05)


def log_in(settings, redis, ctx, password: str) -> None:
    """The conversation's /login, answered by the worker."""
    conversation = Conversation(ConversationBackend.build(settings, redis))
    asyncio.run(conversation.login_submitted(STUDENT, RecordingPort(), EMAIL, password))
    wait_until(lambda: ctx.vault.credentials(pending_login(STUDENT)) is None)


def test_a_worker_at_the_default_level_logs_logins_and_runs_and_no_secret(
    settings, redis, ctx, vtu, worker_log
):
    log_in(settings, redis, ctx, WRONG_PASSWORD)
    log_in(settings, redis, ctx, PASSWORD)
    run = ctx.runs.submit(STUDENT, SMALL).run
    ctx.vault.save_credentials(OTHER, Credentials(EMAIL, WRONG_PASSWORD))
    doomed = ctx.runs.submit(OTHER, SMALL).run
    wait_until(lambda: not ctx.runs.get(STUDENT, run.id).state.active)
    wait_until(lambda: not ctx.runs.get(OTHER, doomed.id).state.active)
    assert ctx.runs.get(STUDENT, run.id).state is RunState.COMPLETED
    wait_until(lambda: f"run {doomed.id} failed" in worker_log(), timeout=15)

    text = worker_log()
    lines = text.splitlines()

    def line_with(words: str) -> str:
        found = [line for line in lines if words in line]
        assert len(found) == 1, f"{words!r} in:\n{text}"
        return found[0]

    assert line_with(f"login checked for {STUDENT}: refused (LoginFailed,")
    assert line_with(f"login checked for {STUDENT}: ok")
    assert line_with(f"run {run.id} started: course {SMALL} for {STUDENT}")
    completed = line_with(f"run {run.id} completed: course {SMALL} for {STUDENT}: ")
    record = ctx.runs.get(STUDENT, run.id)
    assert f"{record.done}/{record.total} lectures ({record.skipped} without video) in " in (
        completed
    )
    failed = line_with(f"run {doomed.id} failed: course {SMALL} for {OTHER}: LoginFailed (")
    assert "did not accept that email and password" in failed
    assert all(" INFO core.activity: " in line for line in lines if "core.activity" in line)
    assert line_with(f"run {run.id} started").endswith(f"run_id={run.id}]")
    assert completed.endswith(f"run_id={run.id}]"), "the line names the run's own job"
    for secret in (EMAIL, PASSWORD, WRONG_PASSWORD, *vtu.issued_tokens()):
        assert secret not in text


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_a_cancel_is_logged_at_the_default_level_where_it_happens(
    ctx, logged_in, restore_logging, capsys
):
    configure_logging()  # the default: warnings, errors and the activity log
    run = ctx.runs.submit(STUDENT, SMALL).run
    ctx.runs.cancel(STUDENT, run.id)
    err = capsys.readouterr().err
    assert f"INFO core.activity: run {run.id} cancelled: course {SMALL} for {STUDENT}\n" in err
    assert EMAIL not in err and PASSWORD not in err
    logging.getLogger("core.other").info("chatter")
    assert "chatter" not in capsys.readouterr().err, "only the activity log is at INFO"
