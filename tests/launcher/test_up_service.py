"""`autopilot up` as the README tells an operator to run it: it serves a student through the
stand-ins, every kind of process it runs is killed in turn mid-run and the run still
completes with nothing credited twice, and it stops cleanly with its workers deregistered."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from redis import Redis
from rq import Worker

from config import Settings, child_environment
from core import keys
from core.embedded_redis import EmbeddedRedis, find_running
from core.runs.queues import JSONJob
from core.runs.record import ACTIVE_STATES
from core.vault import new_key
from tests.bot.conftest import STUDENT_USER, says, telegram
from tests.bot.discord.conftest import discord_api
from tests.bot.helpers import log_in, message, start_course
from tests.core.conftest import EMAIL
from tests.processes import alive, children_of, free_port, wait_until

KINDS = {
    "worker": "launcher worker",
    "scheduler": "launcher scheduler",
    "dashboard": "launcher dashboard",
    "telegram": "launcher telegram",
    "discord": "launcher discord",
    "redis": "valkey-server",
}
"""Each kind of process `up` runs, by what its command line contains."""
__all__ = ["discord_api", "telegram"]  # the stand-ins' fixtures, as the bots' tests use them
CARRIERS = ("worker", "redis")
"""Killed first, one at a time, the run proven moving after each: the worker whose slice holds
the run and the Redis that holds everything. The others are killed back to back after."""
ACTIVE = {state.value for state in ACTIVE_STATES}
WORKERS = 2
"""`autopilot up`'s default."""
WAIT_S = 90.0
"""Bound on each wait: generous, for a busy 2-core machine; the test waits on events."""


class Service:
    """`autopilot up` started in its own folder, as a child of the test."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.log_path = folder / "up.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "launcher", "up", "--dashboard-port", str(free_port())],
                cwd=folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.redis_dir = folder / ".autopilot" / "redis"
        wait_until(lambda: find_running(self.redis_dir), timeout=WAIT_S)
        self.redis = Redis.from_url(find_running(self.redis_dir) or "")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(self, condition: Callable[[], object], what: str, timeout: float = WAIT_S) -> None:
        """`wait_until`, failing with what it waited for and the end of `up`'s output."""
        try:
            wait_until(condition, timeout)
        except TimeoutError:
            tail = "\n".join(self.log().splitlines()[-40:])
            pytest.fail(f"no {what} within {timeout:.0f} s; up's output ends:\n{tail}")

    def children(self, kind: str) -> list[int]:
        return [pid for pid, cmd in children_of(self.process.pid).items() if KINDS[kind] in cmd]

    def child(self, kind: str) -> int | None:
        found = self.children(kind)
        return found[0] if found else None

    def replaced(self, kind: str, dead: int) -> bool:
        """Whether `up` runs as many processes of `kind` as it should again, `dead` not one."""
        running = self.children(kind)
        return len(running) == (WORKERS if kind == "worker" else 1) and dead not in running

    def run_active(self, run_id: str) -> bool:
        return (self.redis.hget(keys.run(run_id), "state") or b"").decode() in ACTIVE

    def worker_holding(self, run_id: str) -> int | None:
        """The pid of the worker whose slice holds the run's lease right now."""
        holder = self.redis.get(keys.lease(run_id))
        if holder is None:
            return None
        name = JSONJob.fetch(holder.decode(), connection=self.redis).worker_name
        workers = {w.name: w.pid for w in Worker.all(connection=self.redis)}
        return workers.get(name or "")


@pytest.mark.timeout(6 * WAIT_S)
def test_up_serves_a_student_through_every_kill_and_stops_cleanly(
    tmp_path, vtu, telegram, discord_api, monkeypatch
):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    vtu.settings.time_scale = 8.0  # the course's longest lecture (600 s) sets about 75 s
    settings = Settings(
        vtu_base_url=vtu.base_url,
        secret_keys=(new_key(),),
        vtu_rate_limit=200.0,
        vtu_global_rate_limit=400.0,
        telegram_bot_token=telegram.token,
        telegram_api_base_url=telegram.base_url,
        telegram_edit_interval_s=1.0,
        discord_bot_token=discord_api.token,
        discord_api_base_url=discord_api.api_base_url,
        discord_gateway_url=discord_api.gateway_url,
        dashboard_password="dash-pass",
    )
    service = Service(tmp_path, child_environment(settings, os.environ))
    try:
        wait = lambda done, timeout=WAIT_S: wait_until(done, timeout)  # noqa: E731
        wait_until(lambda: "getUpdates" in telegram.calls, WAIT_S)  # the bot is up, polling
        assert log_in(telegram, wait, STUDENT_USER).startswith("Logged in")
        progress = start_course(telegram, wait, STUDENT_USER)
        run_id = progress.callback_data("✖ Cancel").split(":")[1]
        killed: dict[str, int] = {}

        def kill(kind: str) -> None:
            assert service.run_active(run_id), f"the run ended before the {kind} was killed"
            pid = service.worker_holding(run_id) if kind == "worker" else service.child(kind)
            assert pid is not None, f"no {kind} process"
            os.kill(pid, signal.SIGKILL)
            killed[kind] = pid

        def moving_again(after: str) -> None:
            heartbeats = vtu.stats(EMAIL).heartbeats
            service.wait(
                lambda: vtu.stats(EMAIL).heartbeats >= heartbeats + 2, f"run after {after}"
            )

        moving_again("the start")
        service.wait(lambda: service.worker_holding(run_id), "slice holding the run")
        for carrier in CARRIERS:  # they carry the run: it must move again after each
            kill(carrier)
            moving_again(f"the {carrier}'s death")
        for kind in KINDS.keys() - CARRIERS:  # in quick succession, while the run goes on
            kill(kind)
        for kind, pid in killed.items():
            service.wait(lambda k=kind, p=pid: service.replaced(k, p), f"new {kind}")
        discord_api.wait_until_connected(timeout=WAIT_S)
        answered = discord_api.invoke_command(discord_api.add_user(), "help")
        assert discord_api.wait_for_interaction(answered, timeout=10).acknowledged

        def completed() -> bool:
            shown = message(telegram.chat(STUDENT_USER), progress.message_id).text or ""
            return "Completed" in shown

        service.wait(completed, "the run completing", 2 * WAIT_S)
        for lecture in vtu.catalog.course("1-small-course").lectures:
            if lecture.duration_s:
                credited = vtu.progress(EMAIL, lecture.id)
                assert credited.is_completed
                assert credited.credited_s <= lecture.duration_s * 1.015 + 1, "credited twice"
        assert telegram.wait_for(says("is complete"), chat_id=STUDENT_USER)
        log = service.log()
        for kind in KINDS.keys() - {"redis"}:
            assert re.search(rf"{kind}(-\d)? exited \(killed by SIGKILL\)", log), kind
        assert "the embedded Redis is gone; starting it again" in log
        assert "Traceback" not in log, "a traceback reached the operator's terminal"
    finally:
        running = children_of(service.process.pid)
        service.process.send_signal(signal.SIGTERM)
        assert service.process.wait(timeout=40) == 0
    assert "stopped." in service.log()
    assert running and not any(alive(pid) for pid in running), "a child outlived `up`"
    with EmbeddedRedis(service.redis_dir.resolve()) as server:
        leftover = Redis.from_url(server.url)
        assert Worker.all(connection=leftover) == [], "workers still registered after stop"
        leftover.close()
