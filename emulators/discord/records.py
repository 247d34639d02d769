"""What tests read: snapshots of messages as a user sees them, of interactions and their
acknowledgement, of every request the bot made and every 429 it got."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

BUTTON, STRING_SELECT = 2, 3


@dataclass(frozen=True)
class SeenMessage:
    """A message as its reader sees it now; ``history`` holds its content after each edit."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    from_bot: bool
    content: str
    embeds: tuple[dict[str, Any], ...]
    components: tuple[dict[str, Any], ...]
    flags: int
    ephemeral: bool
    loading: bool
    visible_to: int | None
    interaction_id: int | None
    created_at: float
    edit_times: tuple[float, ...]
    history: tuple[str, ...]
    deleted: bool

    @property
    def edited(self) -> bool:
        return bool(self.edit_times)

    def iter_components(self) -> Iterator[Mapping[str, Any]]:
        """Every component, rows and their children, depth first."""
        stack = list(reversed(self.components))
        while stack:
            component = stack.pop()
            yield component
            inner = component.get("component")
            children = list(component.get("components") or [])
            if isinstance(inner, Mapping):
                children.insert(0, inner)
            stack.extend(reversed(children))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [dict(c) for c in self.iter_components() if c.get("type") == BUTTON]

    @property
    def button_labels(self) -> list[str]:
        return [str(button.get("label", "")) for button in self.buttons]

    def button(self, label_or_custom_id: str) -> dict[str, Any]:
        """The button with this label or custom id; KeyError when there is none."""
        for button in self.buttons:
            if label_or_custom_id in (button.get("label"), button.get("custom_id")):
                return button
        raise KeyError(f"no button {label_or_custom_id!r} on message {self.id}: {self.buttons}")

    @property
    def selects(self) -> list[dict[str, Any]]:
        return [
            dict(c)
            for c in self.iter_components()
            if isinstance(c.get("type"), int) and 3 <= c["type"] <= 8 and c["type"] != 4
        ]

    def select_values(self, custom_id: str | None = None) -> list[str]:
        """The option values of the (named) string select."""
        for select in self.selects:
            if custom_id in (None, select.get("custom_id")):
                return [str(option["value"]) for option in select.get("options", [])]
        raise KeyError(f"no select {custom_id!r} on message {self.id}")


@dataclass(frozen=True)
class InteractionRecord:
    """One interaction the stand-in created, and how the bot answered it."""

    id: int
    kind: int
    name: str
    user_id: int
    channel_id: int
    guild_id: int | None
    created_at: float
    response_type: int | None
    acked_at: float | None
    failure: str | None
    original_message_id: int | None
    followup_ids: tuple[int, ...]

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def failed(self) -> bool:
        return self.failure is not None

    @property
    def ack_latency_s(self) -> float | None:
        """Seconds from dispatch to the bot's callback (None when never acknowledged)."""
        return None if self.acked_at is None else self.acked_at - self.created_at


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP request to the REST API: ``route`` is e.g. ``PATCH /channels/{channel_id}/
    messages/{message_id}``; ``body`` the text the bot sent (JSON as text)."""

    t: float
    method: str
    path: str
    route: str
    query: str
    body: str
    status: int


@dataclass(frozen=True)
class Throttle:
    """One 429 answer: when, to which route, which bucket, and the retry_after it carried."""

    t: float
    route: str
    bucket: str
    retry_after: float
    is_global: bool
