"""Driving the Discord stand-in like a student: log in through the modal, pick, start."""

from __future__ import annotations

from emulators.discord import DiscordEmulator, SeenMessage
from tests.core.conftest import EMAIL, PASSWORD


def latest(discord_api: DiscordEmulator, user: int, fragment: str) -> SeenMessage | None:
    """The newest message `user` sees whose content contains `fragment`."""
    shown = [m for m in discord_api.seen_by(user) if fragment in m.content]
    return shown[-1] if shown else None


def command(
    discord_api: DiscordEmulator, user: int, name: str, channel_id: int | None = None
) -> SeenMessage:
    """`/name` in the user's DM (or `channel_id`); returns the ephemeral answer once it is
    not "thinking"."""
    interaction = discord_api.invoke_command(user, name, channel_id=channel_id)
    assert discord_api.wait_for_interaction(interaction).acknowledged
    return discord_api.wait_for(
        lambda: next(
            (
                m
                for m in discord_api.seen_by(user)
                if m.interaction_id == interaction and not m.loading
            ),
            None,
        )
    )


def log_in(
    discord_api: DiscordEmulator,
    drain,
    user: int,
    email: str = EMAIL,
    password: str = PASSWORD,
    channel_id: int | None = None,
) -> SeenMessage:
    """/login, fill the modal, let the worker check it; returns the edited answer."""
    interaction = discord_api.invoke_command(user, "login", channel_id=channel_id)
    assert discord_api.wait_for_interaction(interaction).acknowledged
    submitted = discord_api.submit_modal(user, {"email": email, "password": password})
    assert discord_api.wait_for_interaction(submitted).acknowledged
    checking = discord_api.wait_for(
        lambda: next(
            (
                m
                for m in discord_api.seen_by(user)
                if m.interaction_id == submitted and not m.loading
            ),
            None,
        )
    )
    if "Checking" not in checking.content:
        return checking
    drain(lambda: "Checking" not in discord_api.message(checking.id).content)
    return discord_api.wait_for(
        lambda: (
            (shown := discord_api.message(checking.id))
            and "Checking" not in shown.content
            and shown
        )
    )


def open_picker(
    discord_api: DiscordEmulator, drain, user: int, channel_id: int | None = None
) -> SeenMessage:
    """/courses, and the worker's list turned into the picker."""
    waiting = command(discord_api, user, "courses", channel_id)
    assert "Fetching" in waiting.content
    drain(lambda: "Your courses" in discord_api.message(waiting.id).content)
    return discord_api.message(waiting.id)


def start_course(
    discord_api: DiscordEmulator, drain, user: int, index: int = 0, channel_id: int | None = None
) -> SeenMessage:
    """/courses, pick course `index`, press Start; returns the run's progress message (a DM)
    or the pointer to it when the course is already running."""
    picker = open_picker(discord_api, drain, user, channel_id)
    before = {m.id for m in discord_api.seen_by(user)}
    discord_api.pick_select(user, picker.id, [f"pick:{index}"])
    discord_api.wait_for(lambda: "✓" in discord_api.message(picker.id).content)
    discord_api.press_button(user, picker.id, "▶ Start")
    return discord_api.wait_for_message(
        user,
        lambda m: m.id not in before and ("Queued" in m.content or "already running" in m.content),
    )
