"""A run's progress message, drawn from its `RunRecord`: the same on every chat platform."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.conversation.callbacks import Action, encode
from core.conversation.start_time import describe
from core.conversation.texts import (
    BUTTON_CANCEL,
    BUTTON_REFRESH,
    SCHEDULED_STARTS,
    SCHEDULED_STATUS,
    Keyboard,
)
from core.engine.progress import render_lines
from core.runs.record import RunRecord, RunState
from core.timezones import DEFAULT_ZONE, find_zone

MAX_SKIPPED_LISTED = 10
"""Lectures without video named in a summary; more are counted, not listed."""

_HEADLINE = {
    RunState.SCHEDULED: "🕑 Scheduled",
    RunState.QUEUED: "⏳ Queued",
    RunState.RUNNING: "▶ Running",
    RunState.RETRYING: "⚠ Retrying",
    RunState.COMPLETED: "✅ Completed",
    RunState.FAILED: "❌ Failed",
    RunState.CANCELLED: "✖ Cancelled",
}

_NEXT_STEP = {
    RunState.FAILED: "What to do: fix what the reason says if you can, then /run again; "
    "finished lectures are kept.",
    RunState.CANCELLED: "Send /run to continue later; finished lectures are kept.",
}


def render_run(record: RunRecord) -> str:
    """The whole progress message: headline, core's progress lines (bar, percent of the watch
    time credited, lectures, resumed and stuck notes, current lecture, ETA), or a summary."""
    progress = record.progress
    lines = [f"{_HEADLINE[record.state]}: {progress.course}"]
    if record.state is RunState.SCHEDULED:
        lines.append(SCHEDULED_STARTS.format(when=start_described(record)))
        return "\n".join(lines)
    if record.total:
        lines += render_lines(progress)
    elif record.state.active:
        lines.append("Reading the course's lectures…")
    if record.state.active:
        if record.state is RunState.RETRYING and record.last_error:
            lines.append(f"Last problem: {record.last_error}")
        return "\n".join(lines)
    if record.locked_titles:
        lines.append(
            f"Locked on VTU: {len(record.locked_titles)} lecture(s), not done yet. Send /run "
            "again once VTU unlocks them; AutoPilot will watch them then:"
        )
        lines.extend(_listed(record.locked_titles))
    if record.skipped_titles:
        lines.append(f"Skipped {len(record.skipped_titles)} lecture(s) without video:")
        lines.extend(_listed(record.skipped_titles))
    if record.state is RunState.FAILED:
        lines.append(f"Reason: {record.last_error or 'unknown'}")
    if record.state in _NEXT_STEP:
        lines.append(_NEXT_STEP[record.state])
    return "\n".join(lines)


def _listed(titles: list[str]) -> list[str]:
    lines = [f"• {title}" for title in titles[:MAX_SKIPPED_LISTED]]
    if len(titles) > MAX_SKIPPED_LISTED:
        lines.append(f"• … and {len(titles) - MAX_SKIPPED_LISTED} more")
    return lines


def start_described(record: RunRecord) -> str:
    """A scheduled run's start time on the clock of the zone the student gave it in."""
    zone = find_zone(record.start_zone) or DEFAULT_ZONE
    return describe(datetime.fromtimestamp(record.start_at, ZoneInfo(zone)))


def run_keyboard(record: RunRecord) -> Keyboard:
    """Cancel and Refresh while the run is active, Cancel while it waits for its start
    time; nothing once it has ended."""
    if record.state is RunState.SCHEDULED:
        return [[(BUTTON_CANCEL, encode(Action.CANCEL, record.id))]]
    if not record.state.active:
        return []
    return [
        [
            (BUTTON_CANCEL, encode(Action.CANCEL, record.id)),
            (BUTTON_REFRESH, encode(Action.REFRESH, record.id)),
        ]
    ]


def status_text(records: list[RunRecord]) -> str:
    """One line per run, newest last."""
    lines = []
    for record in records:
        countable = max(0, record.total - record.skipped)
        counts = f" {record.done}/{countable}" if record.total else ""
        if record.total and record.state.active:
            counts += f" · {record.progress.percent} %"
        if record.state is RunState.SCHEDULED:
            counts = " · " + SCHEDULED_STATUS.format(when=start_described(record))
        lines.append(f"{_HEADLINE[record.state]}: {record.course_title or record.course}{counts}")
    return "\n".join(lines)
