"""Webhook mode: `autopilot telegram` with TELEGRAM_WEBHOOK_URL pointing at its own receiver,
the Telegram stand-in delivering updates by POST with the secret token."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from config import Settings
from core.conversation import texts
from emulators.telegram import TelegramEmulator
from tests.bot.conftest import STUDENT_USER, says

WEBHOOK_PATH = "/telegram/updates"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def webhook_url() -> str:
    return f"http://127.0.0.1:{free_port()}{WEBHOOK_PATH}"


@pytest.fixture
def webhook_bot(
    settings: Settings, telegram: TelegramEmulator, webhook_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`autopilot telegram` in webhook mode, until it has registered its webhook."""
    env = dict(os.environ)
    env.update(
        REDIS_URL=settings.redis_url or "",
        AUTOPILOT_SECRET_KEYS=",".join(settings.secret_keys),
        VTU_BASE_URL=settings.vtu_base_url,
        TELEGRAM_BOT_TOKEN=settings.telegram_bot_token or "",
        TELEGRAM_API_BASE_URL=settings.telegram_api_base_url,
        TELEGRAM_WEBHOOK_URL=webhook_url,
    )
    port = webhook_url.split(":")[2].split("/")[0]
    bot = subprocess.Popen(
        [sys.executable, "-m", "launcher", "telegram", "--port", port], env=env
    )
    try:
        telegram.wait_for(lambda: telegram.world.webhook is not None, timeout=20)
        yield bot
    finally:
        if bot.poll() is None:
            bot.send_signal(signal.SIGTERM)
        bot.wait(15)


def test_updates_arrive_by_webhook_and_get_answers(
    telegram: TelegramEmulator, webhook_bot, webhook_url: str
):
    config = telegram.world.webhook
    assert config is not None and config.url == webhook_url and config.secret_token
    telegram.send_text(STUDENT_USER, "/start")
    telegram.wait_for(says(texts.WELCOME[:40]), chat_id=STUDENT_USER, timeout=10)
    assert [u["message"]["text"] for u in telegram.webhook_deliveries] == ["/start"]
    assert "getUpdates" not in telegram.calls

    webhook_bot.send_signal(signal.SIGTERM)
    assert webhook_bot.wait(15) == 0
    assert telegram.world.webhook is None  # removed on the way out


def test_a_wrong_secret_token_is_refused(telegram: TelegramEmulator, webhook_bot, webhook_url: str):
    update = {
        "update_id": 999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": STUDENT_USER, "type": "private"},
            "from": {"id": STUDENT_USER, "is_bot": False, "first_name": "Mallory"},
            "text": "/start",
        },
    }
    for headers in ({"X-Telegram-Bot-Api-Secret-Token": "guessed"}, {}):
        answer = httpx.post(webhook_url, json=update, headers=headers, timeout=5)
        assert answer.status_code == 403

    # The stand-in itself, holding a wrong secret: refused, recorded, retried once it is right.
    config = telegram.world.webhook
    assert config is not None and config.secret_token
    right, config.secret_token = config.secret_token, "not-the-secret"
    telegram.send_text(STUDENT_USER, "/help")
    telegram.wait_for(lambda: config.last_error_message, timeout=10)
    assert config.last_error_message == "Wrong response from the webhook: 403 Forbidden"
    assert telegram.bot_messages(STUDENT_USER) == []
    assert telegram.webhook_deliveries == []

    with telegram.world.changed:
        config.secret_token = right
        telegram.world.changed.notify_all()
    telegram.wait_for(says(texts.WELCOME[:40]), chat_id=STUDENT_USER, timeout=10)
    assert len(telegram.bot_messages(STUDENT_USER)) == 1  # only /help: the forgery did nothing
