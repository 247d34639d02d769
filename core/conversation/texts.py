"""Everything the bot says, in one place, as plain text (no markup to escape)."""

from __future__ import annotations

Button = tuple[str, str]
"""(label, callback data)."""
Keyboard = list[list[Button]]
"""Rows of buttons."""

MAX_EMAIL_CHARS = 254
MAX_PASSWORD_CHARS = 128

WELCOME = (
    "VTU AutoPilot completes the lectures of your VTU online courses for you, while you do "
    "something else.\n\n"
    "1. /login: give your VTU email and password (in this private chat only).\n"
    "2. /courses: pick the courses to complete.\n"
    "3. /run: start them; one message per course shows the progress, updated in place.\n\n"
    "Later instead of now: /run tonight, or /run at 02:00 (your time zone: /timezone). "
    "/keep on: every night I check the courses you completed and watch any lectures VTU "
    "added to them.\n\n"
    "Also: /status shows your runs, /cancel stops them, /forget deletes everything stored "
    "about you.\n\n"
    "Your credentials: the password message is deleted at once; email and password are "
    "stored only encrypted, used only to log in to VTU for you, and /forget erases them."
)

LOGIN_PRIVATE_ONLY = (
    "For your safety I only take credentials in a private chat: open a chat with me and "
    "send /login there. If you typed a password here, change it on online.vtu.ac.in."
)
PRIVATE_ONLY = "Your courses and runs are private: talk to me in a private chat."
ASK_EMAIL = "Send your VTU email (the one you log in to online.vtu.ac.in with). /cancel stops."
BAD_EMAIL = (
    "I deleted your message: it did not look like an email address, and it might have been "
    "your password. Send your VTU email, or /cancel."
)
BAD_EMAIL_KEPT = (
    "That did not look like an email address. I could not delete it: if it was your "
    "password, delete it yourself ({how}). Send your VTU email, or /cancel."
)
BAD_EMAIL_FORM = "That does not look like an email address: send /login and try again."
BAD_PASSWORD_FORM = "That is not a password I can use (empty or too long): send /login again."
ASK_PASSWORD = (
    "Now send your VTU password. I delete that message at once and keep the password only "
    "encrypted."
)
BAD_PASSWORD = (
    "I deleted your message: it is not a password I can use (empty or too long). Send it "
    "again, or /cancel."
)
BAD_PASSWORD_KEPT = (
    "That is not a password I can use (empty or too long), and I could not delete it: "
    "please delete it yourself ({how}). Send it again, or /cancel."
)
PASSWORD_NOT_DELETED = (
    "I could not delete your password message: please delete it yourself ({how})."
)
NOT_TEXT_AT_LOGIN = "I deleted your message: at this step I only take text. {prompt}"
NOT_TEXT_AT_LOGIN_KEPT = (
    "At this step I only take text; I could not delete that message, so if it holds your "
    "password, delete it yourself ({how}). {prompt}"
)
LOGIN_CHECKING = "Checking your login with VTU…"
LOGIN_OK = "Logged in as {email}. Next: /courses to pick courses."
LOGIN_FAILED = "Login failed: {reason}"
LOGIN_EXPIRED = "That login attempt expired before it was checked; send /login again."
LOGIN_PLATFORM_DOWN = (
    "Login failed: the VTU platform did not answer ({attempts} tries over about "
    "{minutes} min). Nothing was kept; send /login again in a few minutes."
)
LOGIN_UNREADABLE = (
    "Login failed: AutoPilot could not read back what you sent (a problem with its "
    "encryption keys, on our side; the team has been told). Nothing was kept; send /login "
    "again later."
)
LOGIN_BROKE = (
    "Login failed: something failed on our side (the team has been told). Nothing was "
    "kept; send /login again in a few minutes."
)
PLATFORM_RETRYING = (
    "{doing}: the VTU platform is not answering, so I will try again in {seconds} s "
    "(try {attempt} of {attempts}). This message will show the result."
)
LOGIN_CANCELLED = "Login cancelled; nothing was stored."

NOT_LOGGED_IN = "You are not logged in yet: send /login first."
COURSES_LOADING = "Fetching your courses from VTU…"
COURSES_FAILED = "Could not fetch your courses: {reason}"
COURSES_NONE = "VTU lists no courses for you."
COURSES_PLATFORM_DOWN = (
    "Could not fetch your courses: the VTU platform did not answer ({attempts} tries over "
    "about {minutes} min). Send /courses again in a few minutes."
)
COURSES_LOGIN_UNREADABLE = (
    "Could not fetch your courses: AutoPilot could not read your stored login (a problem "
    "with its encryption keys, on our side; the team has been told). Try /courses later; if "
    "it keeps failing, /login again."
)
COURSES_BROKE = (
    "Could not fetch your courses: something failed on our side (the team has been told). "
    "Send /courses again in a few minutes."
)
COURSES_PICK = "Your courses (tap to select, then Start or /run):\n{lines}"
COURSE_LINE = "{mark} {title}: {percent:.0f} %"
PICK_FIRST = "Pick courses first: /courses, then tap the ones to run."
PICKER_STALE = "That list is out of date; send /courses for a fresh one."
STARTING = "Starting {count} course(s); each gets its own progress message below."
ALREADY_RUNNING = "{course} is already running: progress is in this message."
ALREADY_STARTING = "Your picked courses are being started; their progress messages follow."
NOTHING_PICKED_UNFINISHED = "Every course is already complete."

START_TIME_EXAMPLES = (
    "Start times I understand, after /run: tonight (02:00), at 02:00, at 11:30 pm, "
    "tomorrow at 06:00, in 2 hours, now. They are in your time zone, {zone} (/timezone "
    "changes it)."
)
START_TIME_UNREADABLE = "I cannot start at “{text}”: {problem}.\n" + START_TIME_EXAMPLES
SCHEDULING = "Scheduling {count} course(s) to start {when}; each gets its own message below."
ALREADY_SCHEDULED = (
    "{course} is already scheduled to start {when}: this message shows it. To start it at "
    "another time, /cancel it first."
)
SCHEDULED_STARTS = "Starts {when}. It waits until then; Cancel (or /cancel) drops it."
SCHEDULED_STATUS = "starts {when}"

TIMEZONE_SHOW = (
    "Your time zone is {zone}: it is {now} there. Start times (/run at 02:00) and the "
    "nightly /keep check use it. To change it: /timezone Region/City, e.g. /timezone "
    "Europe/London."
)
TIMEZONE_SET = (
    "Time zone set to {zone}: it is {now} there. Start times (/run at 02:00) and the nightly "
    "/keep check use it now."
)
TIMEZONE_UNKNOWN = (
    "“{text}” is not a time zone I know. Give a Region/City name of the IANA time zone "
    "database, e.g. Asia/Kolkata, Europe/London, America/New_York.{suggestions}"
)
TIMEZONE_SUGGESTIONS = " Did you mean {names}?"

KEEP_ABOUT = (
    "Keep my courses complete is {state}.\n"
    "When it is on, I check your courses every night (between 01:00 and 05:00, {zone}). If "
    "VTU added lectures to a course you had completed, I start a run for them and tell you "
    "here; I only write when I started something. /keep on turns it on, /keep off turns it "
    "off."
)
KEEP_STATE_ON = "on"
KEEP_STATE_OFF = "off"
KEEP_ON = (
    "Keep my courses complete is on. Every night (between 01:00 and 05:00, {zone}) I check "
    "the courses you completed; if VTU added lectures, I start a run for them and tell you "
    "here. /keep off stops it."
)
KEEP_OFF = "Keep my courses complete is off: I will not start runs by myself."
KEEP_USAGE = "Say /keep on or /keep off (/keep alone says what it does)."
KEEP_NEEDS_LOGIN = (
    "Keeping your courses complete needs your VTU login: send /login first, then /keep on."
)
KEEP_STARTED = (
    "🌙 VTU added {count} lecture(s) to {course}, which you had completed. I started a run "
    "for them: the message above shows its progress. (/keep off stops these nightly checks.)"
)
KEEP_LOGIN_REFUSED = (
    "🌙 Tonight's check of your completed courses could not log in to VTU: {reason} I will "
    "not try again until you /login again."
)

RUN_COMPLETED_NOTICE = "✅ {course} is complete. The summary is in the progress message above."
RUN_FAILED_NOTICE = "❌ {course} stopped with a problem: see the progress message above."
RUN_STUCK_NOTICE = (
    "⚠ {course} is not progressing: the progress message above says what VTU answered and "
    "what AutoPilot does next."
)

NO_RUNS = "You have no runs. /courses to pick some."
CANCEL_WHICH = "Which run should stop?"
NOTHING_TO_CANCEL = "Nothing is running or scheduled."
CANCELLED = "Cancelled {course}. Progress so far is kept; /run continues it later."

FORGET_CONFIRM = (
    "Delete everything stored about you: your VTU login, session and every run? Runs in "
    "progress stop. This cannot be undone."
)
FORGOTTEN = "Done: everything about you is deleted ({runs} run(s)). /login to start again."
FORGET_KEPT = "Nothing was deleted."

UNKNOWN_COMMAND = "I do not know that command. /help lists what I can do."
USE_BUTTONS = "Please use the buttons of my last message, or a command from /help."
NOT_UNDERSTOOD = "I only understand commands; /help lists them."
NOT_YOURS = "That button is not for you, or it is out of date."
BUTTON_INVALID = "This button is no longer valid; /help lists what I can do."
REFRESHING = "Refreshing…"
SOMETHING_WENT_WRONG = "Something went wrong on our side; please try again in a minute."

BUTTON_START = "▶ Start"
BUTTON_UNFINISHED = "All unfinished"
BUTTON_CANCEL = "✖ Cancel"
BUTTON_REFRESH = "↻ Refresh"
BUTTON_FORGET_YES = "Yes, delete everything"
BUTTON_FORGET_NO = "No, keep it"

COMMANDS = (
    ("start", "what this bot does"),
    ("help", "the steps, and how credentials are kept"),
    ("login", "give your VTU login (private chat)"),
    ("courses", "pick courses to complete"),
    ("run", "start the picked courses, now or later (tonight, at 02:00)"),
    ("status", "your runs"),
    ("cancel", "stop a run, or drop a scheduled one"),
    ("keep", "keep your completed courses complete, every night (on/off)"),
    ("timezone", "your time zone, for start times"),
    ("forget", "delete everything stored about you"),
)


def mask_email(email: str) -> str:
    """Enough of an email for the student to recognise it, not enough to read it back."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def looks_like_email(text: str) -> bool:
    local, at, domain = text.partition("@")
    return bool(at and local and "." in domain and len(text) <= MAX_EMAIL_CHARS and " " not in text)
