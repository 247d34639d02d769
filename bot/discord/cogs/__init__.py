"""One cog per feature, each loaded as an extension (`setup`) by the bot."""

from __future__ import annotations

from core.conversation import texts

_DESCRIPTIONS = dict(texts.COMMANDS)


def describe(command: str) -> str:
    """The command's one-line description, the same as on Telegram."""
    return _DESCRIPTIONS[command]
