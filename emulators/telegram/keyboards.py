"""``reply_markup`` as Telegram validates it, and the inline buttons a user can see."""

from __future__ import annotations

from typing import Any

from emulators.telegram.errors import bad_request

INLINE_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "callback_game",
    "pay",
    "copy_text",
)
MAX_CALLBACK_DATA_BYTES = 64
OTHER_MARKUP_FIELDS = ("keyboard", "remove_keyboard", "force_reply")

Button = tuple[str, str | None]


def parse_reply_markup(value: Any) -> dict[str, Any] | None:
    """The validated markup (None when absent); raises ApiError as Telegram would."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in value:
        return {"inline_keyboard": _inline_rows(value["inline_keyboard"])}
    if any(name in value for name in OTHER_MARKUP_FIELDS):
        return dict(value)
    raise bad_request("unsupported reply markup")


def inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a Message object carries: only inline keyboards are part of a message."""
    return markup if markup is not None and "inline_keyboard" in markup else None


def buttons(markup: dict[str, Any] | None) -> list[list[Button]]:
    """Rows of (text, callback_data); callback_data is None for URL and other buttons."""
    if markup is None or "inline_keyboard" not in markup:
        return []
    return [
        [(button["text"], button.get("callback_data")) for button in row]
        for row in markup["inline_keyboard"]
    ]


def _inline_rows(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" must be an Array of Arrays')
    return [[_inline_button(button) for button in row] for row in rows]


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request("InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request('can\'t find field "text"')
    actions = [name for name in INLINE_ACTIONS if name in button]
    if not actions:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if data is not None and (
        not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and (not isinstance(url, str) or not url.strip()):
        raise bad_request("BUTTON_URL_INVALID")
    return {"text": text, **{name: button[name] for name in actions}}
