"""Running the Discord stand-in on its own (``autopilot emulator discord``), and its users'
control surface."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulators.discord import DiscordEmulator
from emulators.discord.cli import DEFAULT_PORT, add_arguments
from emulators.discord.server import DEFAULT_TOKEN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def emu() -> Iterator[DiscordEmulator]:
    with DiscordEmulator() as emulator:
        yield emulator


def test_arguments_default_to_loopback() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)

    args = parser.parse_args([])

    assert (args.port, args.host, args.token) == (DEFAULT_PORT, "127.0.0.1", DEFAULT_TOKEN)
    with pytest.raises(SystemExit):
        parser.parse_args(["--host", "0.0.0.0"])


@pytest.mark.parametrize(
    "command", [["-m", "emulators.discord"], ["-m", "launcher", "emulator", "discord"]]
)
def test_serves_until_terminated(command: list[str]) -> None:
    process = subprocess.Popen(
        [sys.executable, *command, "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        base_url = first.split("DISCORD_API_BASE_URL=", 1)[1].split()[0]
        me = httpx.get(
            f"{base_url}/users/@me", headers={"Authorization": f"Bot {DEFAULT_TOKEN}"}, timeout=5
        )
        assert me.json()["bot"] is True
        assert "DISCORD_GATEWAY_URL=ws://127.0.0.1:" in first
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_control_surface_plays_the_user(emu: DiscordEmulator) -> None:
    root = f"http://127.0.0.1:{emu.port}/_emulator"
    api = f"{emu.api_base_url}/applications/{emu.application_id}/commands"
    headers = {"Authorization": f"Bot {emu.token}"}
    with httpx.Client(timeout=5) as client:
        client.put(api, headers=headers, json=[{"name": "ping", "description": "Pong"}])
        invoked = client.post(f"{root}/invoke_command", json={"user_id": 5, "name": "ping"})
        refused = client.post(f"{root}/invoke_command", json={"user_id": 5, "name": "nope"})
        stats = client.get(f"{root}/stats").json()["result"]
        seen = client.get(f"{root}/seen", params={"user_id": 5}).json()["result"]

    assert invoked.json()["result"] == emu.interactions[0].id
    assert refused.status_code == 400 and "no command /nope" in refused.json()["error"]
    assert stats["interactions"] == 1
    assert stats["requests_per_route"] == {"PUT /applications/{application_id}/commands": 1}
    assert seen == []
