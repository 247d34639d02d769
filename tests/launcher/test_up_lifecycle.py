"""`autopilot up` killed outright: its children stop by themselves, its embedded Redis keeps
its address and is taken over by the next `up`, and the commands an admin runs from the same
folder find that Redis without `REDIS_URL`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from redis import Redis
from rq import Worker

from config import Settings, child_environment
from core.embedded_redis import EmbeddedRedis, find_running
from core.vault import new_key
from launcher import main
from tests.processes import alive, children_of, wait_until

CHILDREN_STOP_S = 30
"""A child looks for its parent every second, then gets 20 s to stop gently."""


def start_up(folder, env) -> subprocess.Popen:
    with open(folder / "up.log", "ab") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "launcher", "up", "--workers", "1"],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def workers_in(folder) -> list[str]:
    url = find_running((folder / ".autopilot" / "redis").resolve())
    if url is None:
        return []
    with Redis.from_url(url) as redis:
        return sorted(worker.name for worker in Worker.all(connection=redis))


def test_a_killed_up_leaves_only_its_redis_which_the_next_up_takes_over(tmp_path, vtu):
    settings = Settings(vtu_base_url=vtu.base_url, secret_keys=(new_key(),))
    env = child_environment(settings, os.environ)
    first = start_up(tmp_path, env)
    wait_until(lambda: len(workers_in(tmp_path)) == 1, timeout=30)
    redis_dir = (tmp_path / ".autopilot" / "redis").resolve()
    address = find_running(redis_dir)
    orphans = children_of(first.pid)
    first.kill()
    first.wait()
    server = [pid for pid, command in orphans.items() if "valkey-server" in command]
    others = [pid for pid in orphans if pid not in server]
    wait_until(lambda: not any(alive(pid) for pid in others), timeout=CHILDREN_STOP_S)
    assert alive(server[0]) and find_running(redis_dir) == address

    second = start_up(tmp_path, env)
    try:
        wait_until(lambda: "Running:" in (tmp_path / "up.log").read_text(), timeout=30)
        wait_until(lambda: workers_in(tmp_path) == [f"{os.uname().nodename}-worker-1"], 30)
        assert "already running" in (tmp_path / "up.log").read_text()
        assert find_running(redis_dir) == address, "a new address at this start"
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=40) == 0
    assert find_running(redis_dir) is None, "the adopted Redis outlived `up`"


def test_commands_run_where_up_runs_find_its_redis(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with EmbeddedRedis((tmp_path / ".autopilot" / "redis").resolve()):
        assert main(["status"]) == 0
        assert "workers alive: 0" in capsys.readouterr().out
        assert main(["dlq", "list"]) == 0
    assert main(["status"]) == 2
    assert "no `autopilot up` is running from here" in capsys.readouterr().err


def test_up_moves_its_redis_to_a_new_port_when_another_program_took_the_kept_one(tmp_path):
    import socket

    from core.embedded_redis import PORT_FILE
    from launcher.embedded import EmbeddedRedisKeeper

    redis_dir = tmp_path / "redis"
    with EmbeddedRedis(redis_dir):
        pass  # leaves its port in the folder
    kept = int((redis_dir / PORT_FILE).read_text())
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", kept))
        squatter.listen()
        keeper = EmbeddedRedisKeeper(redis_dir)
        url = keeper.start()
        try:
            assert f":{kept}/" not in url and Redis.from_url(url).ping()
            assert int((redis_dir / PORT_FILE).read_text()) != kept
        finally:
            keeper.stop()
