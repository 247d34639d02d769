"""The real bot against the Telegram stand-in, with the worker fixtures of tests/workers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from bot.telegram import build_application, polling_in_thread
from config import Settings
from core.vault import new_key
from emulators.telegram import ChatMessage, TelegramEmulator
from tests.workers.conftest import ctx, drain, logged_in, vtu  # noqa: F401

STUDENT_USER = 1001
"""Telegram user whose student id is tests.workers.conftest.STUDENT."""
OTHER_USER = 2002


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def telegram() -> Iterator[TelegramEmulator]:
    with TelegramEmulator() as emulator:
        yield emulator
        assert emulator.internal_errors == []
        assert emulator.unknown_calls == []


@pytest.fixture
def settings(redis_url: str, vtu, telegram: TelegramEmulator) -> Settings:  # noqa: F811
    return Settings(
        redis_url=redis_url,
        vtu_base_url=vtu.base_url,
        secret_keys=(new_key(),),
        vtu_rate_limit=200.0,
        vtu_global_rate_limit=400.0,
        telegram_bot_token=telegram.token,
        telegram_api_base_url=telegram.base_url,
        telegram_edit_interval_s=1.0,
    )


@pytest.fixture
def bot(settings: Settings, redis, ctx) -> Iterator[None]:  # noqa: F811
    """The bot long-polling the stand-in from a thread of its own."""
    with polling_in_thread(build_application(settings)) as thread:
        yield
    assert not thread.is_alive()


def last_bot_text(chat: list[ChatMessage]) -> str:
    shown = [m for m in chat if m.from_bot and not m.deleted]
    return shown[-1].text or "" if shown else ""


def says(fragment: str) -> Callable[[list[ChatMessage]], ChatMessage | None]:
    """A `wait_for` predicate: the bot's latest visible message contains `fragment`."""

    def check(chat: list[ChatMessage]) -> ChatMessage | None:
        shown = [m for m in chat if m.from_bot and not m.deleted]
        return shown[-1] if shown and fragment in (shown[-1].text or "") else None

    return check
