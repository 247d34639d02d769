"""Core's keyboards as Discord components.

The course picker's buttons (one per course, `Action.PICK`) become a select menu of at most
25 options; longer lists are paged with Previous/Next buttons. Every other button stays a
button, at most five a row and five rows. Views are built stopped: discord.py then sends
their components without keeping them for dispatch, and every press reaches the one
`on_interaction` router, which decodes custom ids with core.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import discord

from bot.discord import texts
from core.conversation.callbacks import Action, CallbackError, decode

if TYPE_CHECKING:
    from core.conversation.texts import Button, Keyboard

OPTIONS_PER_SELECT = 25
BUTTONS_PER_ROW = 5
MAX_ROWS = 5
LABEL_CHARS = 80
OPTION_LABEL_CHARS = 100
PICKER_PREFIX = "picker:"
"""Custom id of the picker's select on page N: `picker:N`."""
PAGE_PREFIX = "page:"
"""Custom id of a button that turns the picker to page N: `page:N`."""

_STYLES = {
    Action.START: discord.ButtonStyle.success,
    Action.CANCEL: discord.ButtonStyle.danger,
}


def _action(data: str) -> Action | None:
    try:
        return decode(data).action
    except CallbackError:
        return None


def is_pick(data: str) -> bool:
    """Whether `data` toggles a course of the picker (all a picker's select may carry)."""
    return _action(data) is Action.PICK


def adapter_page(custom_id: str, prefix: str) -> int | None:
    """The page number in an adapter's own custom id (`picker:N`, `page:N`), or None."""
    if not custom_id.startswith(prefix):
        return None
    number = custom_id[len(prefix) :]
    return int(number) if number.isdigit() and len(number) <= 3 else None


def page_count(keyboard: Keyboard) -> int:
    picks = sum(1 for row in keyboard for _, data in row if _action(data) is Action.PICK)
    return max(1, math.ceil(picks / OPTIONS_PER_SELECT))


def view_for(keyboard: Keyboard, page: int = 0) -> discord.ui.View:
    """The components for `keyboard`, showing page `page` of a course picker."""
    picks: list[Button] = []
    rows: list[list[Button]] = []
    for row in keyboard:
        buttons = []
        for label, data in row:
            if _action(data) is Action.PICK:
                picks.append((label, data))
            else:
                buttons.append((label, data))
        rows.extend(
            buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)
        )
    view = discord.ui.View(timeout=None)
    used_rows = 0
    pages = page_count(keyboard)
    page = min(max(page, 0), pages - 1)
    if picks:
        shown = picks[page * OPTIONS_PER_SELECT : (page + 1) * OPTIONS_PER_SELECT]
        view.add_item(
            discord.ui.Select(
                custom_id=f"{PICKER_PREFIX}{page}",
                placeholder=texts.PICK_PLACEHOLDER.format(page=page + 1, pages=pages),
                options=[
                    discord.SelectOption(label=label[:OPTION_LABEL_CHARS], value=data)
                    for label, data in shown
                ],
                row=0,
            )
        )
        used_rows = 1
    navigation = 1 if pages > 1 else 0
    for row in rows[: MAX_ROWS - used_rows - navigation]:
        for label, data in row:
            view.add_item(
                discord.ui.Button(
                    label=label[:LABEL_CHARS],
                    custom_id=data,
                    style=_STYLES.get(_action(data) or Action.PICK, discord.ButtonStyle.secondary),
                    row=used_rows,
                )
            )
        used_rows += 1
    if navigation:
        for label, target, disabled in (
            (texts.PREVIOUS_PAGE, page - 1, page == 0),
            (texts.NEXT_PAGE, page + 1, page == pages - 1),
        ):
            view.add_item(
                discord.ui.Button(
                    label=label,
                    custom_id=f"{PAGE_PREFIX}{max(target, 0)}",
                    disabled=disabled,
                    row=used_rows,
                )
            )
    view.stop()
    return view
