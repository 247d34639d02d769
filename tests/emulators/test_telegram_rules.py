"""Telegram's rules as the stand-in applies them: text formatting and flood limits."""

from __future__ import annotations

import pytest

from emulators.telegram import TelegramSettings, TimelineEntry, peak_per_chat
from emulators.telegram.errors import ApiError
from emulators.telegram.flood import FloodControl
from emulators.telegram.formatting import format_text


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def parse_error(text: str, mode: str) -> str:
    with pytest.raises(ApiError) as caught:
        format_text(text, mode)
    assert caught.value.code == 400
    return caught.value.description.removeprefix("Bad Request: can't parse entities: ")


def test_html_entities_offsets_count_utf16_units() -> None:
    text, entities = format_text(
        '😀 <b>bold</b> &lt;tag&gt; <a href="https://vtu.ac.in">link</a>', "HTML"
    )

    assert text == "😀 bold <tag> link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 14, "length": 4, "url": "https://vtu.ac.in"},
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
    ],
)
def test_html_errors(text: str, error: str) -> None:
    assert parse_error(text, "HTML") == error


def test_markdown_v2_entities_and_escapes() -> None:
    text, entities = format_text(r"*Done* _75\.5%_ [open](https://vtu.ac.in) `a.b`", "MarkdownV2")

    assert text == "Done 75.5% open a.b"
    assert [e["type"] for e in entities] == ["bold", "italic", "text_link", "code"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("75.5%", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("done!", "Character '!' is reserved and must be escaped with the preceding '\\'"),
        ("*open", "Can't find end of Bold entity at byte offset 0"),
    ],
)
def test_markdown_v2_errors(text: str, error: str) -> None:
    assert parse_error(text, "MarkdownV2") == error


def test_legacy_markdown_and_plain_text_trimming() -> None:
    assert format_text("*b* _i_", "Markdown").text == "b i"
    assert (
        parse_error("*open", "Markdown") == "Can't find end of the entity starting at byte offset 0"
    )
    assert format_text("  padded \n", None) == ("padded", [])


def test_per_chat_bucket_allows_a_burst_then_one_per_second() -> None:
    clock = FakeClock()
    flood = FloodControl(TelegramSettings(per_chat_burst=2), clock)
    flood.spend(1, "private", "sendMessage")
    flood.spend(1, "private", "editMessageText")
    with pytest.raises(ApiError) as caught:
        flood.spend(1, "private", "editMessageText")
    flood.spend(2, "private", "sendMessage")
    clock.now = 1.0
    flood.spend(1, "private", "editMessageText")

    assert (caught.value.code, caught.value.retry_after) == (429, 1)
    assert [(t.chat_id, t.retry_after) for t in flood.throttled] == [(1, 1)]
    assert len(flood.timeline) == 4


def test_group_chats_get_twenty_a_minute() -> None:
    clock = FakeClock()
    flood = FloodControl(TelegramSettings(per_chat_burst=100, per_chat_per_s=100), clock)
    for n in range(20):
        clock.now = n * 0.5
        flood.spend(-5, "supergroup", "sendMessage")
    clock.now = 10.0
    with pytest.raises(ApiError) as caught:
        flood.spend(-5, "supergroup", "sendMessage")

    assert caught.value.retry_after == 50
    clock.now = 60.0
    flood.spend(-5, "supergroup", "sendMessage")


def test_global_limit_and_switch() -> None:
    clock = FakeClock()
    settings = TelegramSettings(global_per_s=3)
    flood = FloodControl(settings, clock)
    for chat_id in range(3):
        flood.spend(chat_id, "private", "sendMessage")
    with pytest.raises(ApiError):
        flood.spend(99, "private", "sendMessage")

    settings.flood_limits_enabled = False
    flood.spend(99, "private", "sendMessage")
    assert len(flood.timeline) == 4


def test_peak_per_chat_counts_the_busiest_window() -> None:
    timeline = [
        TimelineEntry(0.0, 1, "editMessageText"),
        TimelineEntry(0.5, 1, "editMessageText"),
        TimelineEntry(0.9, 1, "sendMessage"),
        TimelineEntry(1.6, 1, "editMessageText"),
        TimelineEntry(0.1, 2, "editMessageText"),
    ]

    assert peak_per_chat(timeline) == {1: 3, 2: 1}
    assert peak_per_chat(timeline, methods=["editMessageText"]) == {1: 2, 2: 1}
