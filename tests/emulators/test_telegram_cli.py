"""Running the Telegram stand-in on its own, and its students' control surface."""

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

from emulators.telegram import TelegramEmulator
from emulators.telegram.cli import DEFAULT_PORT, add_arguments

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def emu() -> Iterator[TelegramEmulator]:
    with TelegramEmulator() as emulator:
        yield emulator


def test_arguments_default_to_loopback() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)

    args = parser.parse_args([])

    assert (args.port, args.host, args.token) == (DEFAULT_PORT, "127.0.0.1", "123456:TEST-TOKEN")
    with pytest.raises(SystemExit):
        parser.parse_args(["--host", "0.0.0.0"])


def test_module_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.telegram", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        base_url = first.split("TELEGRAM_API_BASE_URL=", 1)[1].strip()
        me = httpx.post(f"{base_url}123456:TEST-TOKEN/getMe", timeout=5).json()
        assert me["result"]["is_bot"] is True
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    assert process.returncode == 0


def test_control_surface_plays_the_student(emu: TelegramEmulator) -> None:
    root = f"http://127.0.0.1:{emu.port}/_emulator"
    with httpx.Client(timeout=5) as client:
        said = client.post(f"{root}/send_text", json={"user_id": 5, "text": "/start"}).json()
        client.post(
            f"{emu.base_url}{emu.token}/sendMessage",
            data={
                "chat_id": "5",
                "text": "menu",
                "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}',
            },
        )
        pressed = client.post(
            f"{root}/press_button",
            json={"user_id": 5, "chat_id": 5, "message_id": 2, "data": "a"},
        ).json()
        chat = client.get(f"{root}/chat", params={"chat_id": 5}).json()["result"]
        stats = client.get(f"{root}/stats").json()["result"]
        refused = client.post(f"{root}/press_button", json={"user_id": 5}).status_code

    assert said["result"]["text"] == "/start"
    assert pressed["result"]["callback_query_id"]
    assert [(m["text"], m["buttons"]) for m in chat] == [("/start", []), ("menu", [[["A", "a"]]])]
    assert stats["calls"] == 1 and stats["unknown_calls"] == []
    assert refused == 400
