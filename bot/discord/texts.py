"""What only the Discord adapter says: its modal, its pages, where progress lives.

Everything else the bot says is the conversation's, in `core.conversation.texts`.
"""

from __future__ import annotations

LOGIN_MODAL_TITLE = "Log in to VTU"
EMAIL_LABEL = "VTU email"
EMAIL_PLACEHOLDER = "the email you log in to online.vtu.ac.in with"
PASSWORD_LABEL = "VTU password (stored encrypted)"
PASSWORD_PLACEHOLDER = "Stored only encrypted and never shown; /forget erases it"

PICK_PLACEHOLDER = "Select or unselect a course ({page}/{pages})"
PREVIOUS_PAGE = "◀ Previous"
NEXT_PAGE = "Next ▶"

RUN_WHEN_OPTION = "when to start, in your time zone: tonight, at 02:00, in 2 hours (default: now)"
KEEP_CHOICE_OPTION = "on or off (leave it out to see what it does)"
TIMEZONE_ZONE_OPTION = "a Region/City name, e.g. Asia/Kolkata (leave it out to see yours)"

PROGRESS_AT = "Progress: {url}"
STILL_WORKING = (
    "Still working on it: VTU is slow to answer. I will send you the result by direct message."
)
DMS_CLOSED = (
    "I cannot send you direct messages, so this run's progress message has nowhere to live. "
    "The run has started anyway (/status shows it). To get progress messages, allow direct "
    "messages: click the server's name, then Privacy Settings, and turn on Direct Messages; "
    "then /courses and start the course again."
)
PROGRESS_CHANNEL_CLOSED = (
    "I may not post in this server's progress channel, so this run's progress message has "
    "nowhere to live. The run has started anyway (/status shows it); please tell a server "
    "admin to let me send messages there."
)
DISCORD_DELETE_HINT = "hover over it (long-press on a phone), then Delete Message"
