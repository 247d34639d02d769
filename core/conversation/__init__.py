"""The conversation with a student, once for every chat platform: wording, steps, buttons.

No chat library here: the Telegram (and later Discord) adapters turn these texts and
`Keyboard`s into their own messages, and hand button presses back to `decode`.
"""

from core.conversation.callbacks import Action, Callback, CallbackError, decode, encode
from core.conversation.picker import CoursePicker, PickedCourse
from core.conversation.progress import render_run, run_keyboard, status_text
from core.conversation.texts import Button, Keyboard

__all__ = [
    "Action",
    "Button",
    "Callback",
    "CallbackError",
    "CoursePicker",
    "Keyboard",
    "PickedCourse",
    "decode",
    "encode",
    "render_run",
    "run_keyboard",
    "status_text",
]
