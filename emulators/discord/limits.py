"""Discord's checks on what a bot sends: message content, embeds, components and modals.

A violation answers 400 with code 50035 "Invalid Form Body" and ``errors`` nested along the
path of the offending field, as Discord does (``components.0.components.5``). The numbers are
Discord's documented limits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from emulators.discord.errors import (
    ApiError,
    cannot_send_empty_message,
    field_error,
    invalid_form_body,
    merge_errors,
)

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_FIELD_LIMITS = {"title": 256, "description": 4096}
EMBED_FIELDS_MAX = 25
ACTION_ROWS_MAX = 5
ROW_WIDTH = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
TEXT_INPUT_PLACEHOLDER_MAX = 100
LABEL_DESCRIPTION_MAX = 100
V2_COMPONENTS_MAX = 40

EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
COMPONENTS_V2 = 1 << 15

ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
ENTITY_SELECTS = frozenset({5, 6, 7, 8})
LABEL = 18
LINK_STYLE, PREMIUM_STYLE = 5, 6

Path = list[str | int]


class Problems:
    """Collects field errors; ``raise_if_any`` turns them into Discord's 50035 answer."""

    def __init__(self) -> None:
        self.errors: dict[str, Any] = {}

    def add(self, path: Path, code: str, message: str) -> None:
        merge_errors(self.errors, field_error(path, code, message))

    def too_long(self, path: Path, limit: int) -> None:
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def bad_length(self, path: Path, low: int, high: int) -> None:
        self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def required(self, path: Path) -> None:
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def raise_if_any(self) -> None:
        if self.errors:
            raise invalid_form_body(self.errors)


def check_message(body: Mapping[str, Any], *, creating: bool) -> None:
    """Check a message create or edit body (channel message, interaction response or webhook)."""
    problems = Problems()
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        problems.add(["content"], "BASE_TYPE_STRING", "Must be a string.")
    elif content is not None and len(content) > CONTENT_MAX:
        problems.too_long(["content"], CONTENT_MAX)
    _check_embeds(body.get("embeds"), problems)
    flags = body.get("flags") or 0
    components = body.get("components")
    if components is not None:
        if not isinstance(components, list):
            problems.add(["components"], "BASE_TYPE_ARRAY", "Must be an array.")
        elif flags & COMPONENTS_V2:
            _check_v2(body, components, problems)
        else:
            _check_action_rows(components, problems)
    problems.raise_if_any()
    if creating and not _has_something(body):
        raise cannot_send_empty_message()


def check_modal(data: Any) -> None:
    """Check the ``data`` of a modal interaction response (type 9)."""
    problems = Problems()
    if not isinstance(data, Mapping):
        problems.required(["data"])
        problems.raise_if_any()
        return
    _check_custom_id(data.get("custom_id"), ["data", "custom_id"], problems)
    title = data.get("title")
    if not isinstance(title, str) or not title:
        problems.required(["data", "title"])
    elif len(title) > MODAL_TITLE_MAX:
        problems.too_long(["data", "title"], MODAL_TITLE_MAX)
    components = data.get("components")
    if not isinstance(components, list) or not components:
        problems.bad_length(["data", "components"], 1, MODAL_COMPONENTS_MAX)
    else:
        if len(components) > MODAL_COMPONENTS_MAX:
            problems.bad_length(["data", "components"], 1, MODAL_COMPONENTS_MAX)
        for index, component in enumerate(components):
            _check_modal_child(component, ["data", "components", index], problems)
        _check_unique_ids(components, ["data", "components"], problems)
    problems.raise_if_any()


def walk(components: Any) -> Iterator[Mapping[str, Any]]:
    """Every component in a tree of rows, labels and containers, depth first."""
    if not isinstance(components, list):
        return
    for component in components:
        if not isinstance(component, Mapping):
            continue
        yield component
        yield from walk(component.get("components"))
        inner = component.get("component")
        if isinstance(inner, Mapping):
            yield inner
            yield from walk(inner.get("components"))


def _has_something(body: Mapping[str, Any]) -> bool:
    return any(
        body.get(key) for key in ("content", "embeds", "components", "sticker_ids", "poll")
    ) or bool(body.get("attachments"))


def _check_embeds(embeds: Any, problems: Problems) -> None:
    if embeds is None:
        return
    if not isinstance(embeds, list):
        problems.add(["embeds"], "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(embeds) > EMBEDS_MAX:
        problems.too_long(["embeds"], EMBEDS_MAX)
    total = 0
    for index, embed in enumerate(embeds):
        if not isinstance(embed, Mapping):
            problems.add(["embeds", index], "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
            continue
        for name, limit in EMBED_FIELD_LIMITS.items():
            text = embed.get(name) or ""
            total += len(text)
            if len(text) > limit:
                problems.too_long(["embeds", index, name], limit)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            problems.too_long(["embeds", index, "fields"], EMBED_FIELDS_MAX)
        for field in fields:
            total += len(str(field.get("name", ""))) + len(str(field.get("value", "")))
        total += len(str((embed.get("footer") or {}).get("text", "")))
        total += len(str((embed.get("author") or {}).get("name", "")))
    if total > EMBED_TOTAL_MAX:
        problems.add(
            ["embeds"],
            "BASE_TYPE_MAX_LENGTH",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )


def _check_action_rows(rows: list[Any], problems: Problems) -> None:
    if len(rows) > ACTION_ROWS_MAX:
        problems.too_long(["components"], ACTION_ROWS_MAX)
    for index, row in enumerate(rows):
        path: Path = ["components", index]
        if not isinstance(row, Mapping) or row.get("type") != ACTION_ROW:
            problems.add([*path, "type"], "BASE_TYPE_CHOICES", "Value must be one of {1}.")
            continue
        children = row.get("components")
        if not isinstance(children, list) or not 1 <= len(children) <= ROW_WIDTH:
            problems.bad_length([*path, "components"], 1, ROW_WIDTH)
            continue
        has_select = any(child.get("type") != BUTTON for child in children)
        if has_select and len(children) > 1:
            problems.add(
                [*path, "components"],
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for position, child in enumerate(children):
            _check_interactive(child, [*path, "components", position], problems)
    _check_unique_ids(rows, ["components"], problems)


def _check_interactive(component: Any, path: Path, problems: Problems) -> None:
    if not isinstance(component, Mapping):
        problems.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
        return
    kind = component.get("type")
    if kind == BUTTON:
        _check_button(component, path, problems)
    elif kind == STRING_SELECT:
        _check_string_select(component, path, problems)
    elif kind in ENTITY_SELECTS:
        _check_custom_id(component.get("custom_id"), [*path, "custom_id"], problems)
        _check_value_counts(component, path, SELECT_OPTIONS_MAX, problems)
    else:
        problems.add([*path, "type"], "UNION_TYPE_CHOICES", "Value must be a valid component.")


def _check_button(button: Mapping[str, Any], path: Path, problems: Problems) -> None:
    style = button.get("style")
    if style not in (1, 2, 3, 4, LINK_STYLE, PREMIUM_STYLE):
        problems.add(
            [*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}."
        )
        return
    label = button.get("label")
    if label is not None and len(str(label)) > BUTTON_LABEL_MAX:
        problems.too_long([*path, "label"], BUTTON_LABEL_MAX)
    if style == LINK_STYLE:
        if not button.get("url"):
            problems.required([*path, "url"])
        if "custom_id" in button:
            problems.add(
                [*path, "custom_id"],
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                "A custom id cannot be specified for link buttons",
            )
    elif style != PREMIUM_STYLE:
        _check_custom_id(button.get("custom_id"), [*path, "custom_id"], problems)
        if "url" in button:
            problems.add(
                [*path, "url"],
                "BUTTON_COMPONENT_URL_NOT_ALLOWED",
                "A url can only be specified for link buttons",
            )
    if style != PREMIUM_STYLE and not label and not button.get("emoji"):
        problems.add(
            [*path, "label"],
            "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
            "A label or emoji must be specified for buttons",
        )


def _check_string_select(select: Mapping[str, Any], path: Path, problems: Problems) -> None:
    _check_custom_id(select.get("custom_id"), [*path, "custom_id"], problems)
    placeholder = select.get("placeholder")
    if placeholder is not None and len(str(placeholder)) > SELECT_PLACEHOLDER_MAX:
        problems.too_long([*path, "placeholder"], SELECT_PLACEHOLDER_MAX)
    options = select.get("options")
    if not isinstance(options, list) or not 1 <= len(options) <= SELECT_OPTIONS_MAX:
        problems.bad_length([*path, "options"], 1, SELECT_OPTIONS_MAX)
        return
    values: set[str] = set()
    for index, option in enumerate(options):
        option_path: Path = [*path, "options", index]
        for name in ("label", "value"):
            text = option.get(name)
            if not isinstance(text, str) or not 1 <= len(text) <= SELECT_OPTION_TEXT_MAX:
                problems.bad_length([*option_path, name], 1, SELECT_OPTION_TEXT_MAX)
        description = option.get("description")
        if description is not None and len(str(description)) > SELECT_OPTION_TEXT_MAX:
            problems.too_long([*option_path, "description"], SELECT_OPTION_TEXT_MAX)
        value = option.get("value")
        if value in values:
            problems.add(
                [*option_path, "value"],
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "Select component option values cannot be duplicated",
            )
        values.add(str(value))
    _check_value_counts(select, path, len(options), problems)


def _check_value_counts(
    select: Mapping[str, Any], path: Path, available: int, problems: Problems
) -> None:
    low = select.get("min_values", 1)
    high = select.get("max_values", 1)
    if not isinstance(low, int) or not 0 <= low <= SELECT_OPTIONS_MAX:
        problems.add(
            [*path, "min_values"],
            "NUMBER_TYPE_MAX",
            f"int value should be <= {SELECT_OPTIONS_MAX}.",
        )
    if not isinstance(high, int) or not 1 <= high <= min(available, SELECT_OPTIONS_MAX):
        problems.add(
            [*path, "max_values"],
            "NUMBER_TYPE_MAX",
            f"int value should be <= {min(available, SELECT_OPTIONS_MAX)}.",
        )
    elif isinstance(low, int) and low > high:
        problems.add(
            [*path, "min_values"],
            "SELECT_COMPONENT_MIN_VALUES_GREATER_THAN_MAX",
            "min_values cannot be greater than max_values",
        )


def _check_custom_id(custom_id: Any, path: Path, problems: Problems) -> None:
    if custom_id is None:
        problems.required(path)
    elif not isinstance(custom_id, str) or not 1 <= len(custom_id) <= CUSTOM_ID_MAX:
        problems.bad_length(path, 1, CUSTOM_ID_MAX)


def _check_unique_ids(components: list[Any], path: Path, problems: Problems) -> None:
    seen: set[str] = set()
    for component in walk(components):
        custom_id = component.get("custom_id")
        if not isinstance(custom_id, str):
            continue
        if custom_id in seen:
            problems.add(
                path,
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
            return
        seen.add(custom_id)


def _check_v2(body: Mapping[str, Any], components: list[Any], problems: Problems) -> None:
    if body.get("content") or body.get("embeds"):
        problems.add(
            ["content"],
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using "
            "MessageFlags.IS_COMPONENTS_V2",
        )
    if sum(1 for _ in walk(components)) > V2_COMPONENTS_MAX:
        problems.too_long(["components"], V2_COMPONENTS_MAX)
    _check_unique_ids(components, ["components"], problems)


def _check_modal_child(component: Any, path: Path, problems: Problems) -> None:
    if not isinstance(component, Mapping):
        problems.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
        return
    kind = component.get("type")
    if kind == ACTION_ROW:
        children = component.get("components")
        if not isinstance(children, list) or len(children) != 1:
            problems.bad_length([*path, "components"], 1, 1)
            return
        _check_modal_input(children[0], [*path, "components", 0], problems, labelled=False)
    elif kind == LABEL:
        label = component.get("label")
        if not isinstance(label, str) or not label:
            problems.required([*path, "label"])
        elif len(label) > TEXT_INPUT_LABEL_MAX:
            problems.too_long([*path, "label"], TEXT_INPUT_LABEL_MAX)
        description = component.get("description")
        if description is not None and len(str(description)) > LABEL_DESCRIPTION_MAX:
            problems.too_long([*path, "description"], LABEL_DESCRIPTION_MAX)
        inner = component.get("component")
        if not isinstance(inner, Mapping):
            problems.required([*path, "component"])
            return
        _check_modal_input(inner, [*path, "component"], problems, labelled=True)
    elif kind != 10:  # a text display needs no checks here
        problems.add([*path, "type"], "UNION_TYPE_CHOICES", "Value must be a valid component.")


def _check_modal_input(component: Any, path: Path, problems: Problems, *, labelled: bool) -> None:
    if not isinstance(component, Mapping):
        problems.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
        return
    kind = component.get("type")
    if kind == STRING_SELECT or kind in ENTITY_SELECTS:
        _check_interactive(component, path, problems)
        return
    if kind != TEXT_INPUT:
        problems.add([*path, "type"], "UNION_TYPE_CHOICES", "Value must be a valid component.")
        return
    _check_custom_id(component.get("custom_id"), [*path, "custom_id"], problems)
    if component.get("style") not in (1, 2):
        problems.add([*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
    label = component.get("label")
    if not labelled and not label:
        problems.required([*path, "label"])
    elif label is not None and len(str(label)) > TEXT_INPUT_LABEL_MAX:
        problems.too_long([*path, "label"], TEXT_INPUT_LABEL_MAX)
    for name, limit in (
        ("value", TEXT_INPUT_VALUE_MAX),
        ("placeholder", TEXT_INPUT_PLACEHOLDER_MAX),
    ):
        text = component.get(name)
        if text is not None and len(str(text)) > limit:
            problems.too_long([*path, name], limit)
    low, high = component.get("min_length"), component.get("max_length")
    if low is not None and (not isinstance(low, int) or not 0 <= low <= TEXT_INPUT_VALUE_MAX):
        problems.add(
            [*path, "min_length"],
            "NUMBER_TYPE_MAX",
            f"int value should be <= {TEXT_INPUT_VALUE_MAX}.",
        )
    if high is not None and (not isinstance(high, int) or not 1 <= high <= TEXT_INPUT_VALUE_MAX):
        problems.add(
            [*path, "max_length"],
            "NUMBER_TYPE_MAX",
            f"int value should be <= {TEXT_INPUT_VALUE_MAX}.",
        )


def raise_invalid(path: Path, code: str, message: str) -> ApiError:
    """A single-field 50035 error, for checks made outside this module."""
    return invalid_form_body(field_error(path, code, message))
