"""The nightly "keep my courses complete" check (`/keep on`; decisions in `core.keep`).

A periodic job (every 15 minutes) queues one check per student whose night it is and who was
not checked in the last ~20 hours. A check reads the student's enrollments and, for kept
courses that are no longer complete, their lectures; it starts a run (through `Runs.submit`:
deduplicated and within the caps) for each course to which the platform added lectures, and
tells the student in their private chat, with the run's progress message that the workers
then edit as usual. It says nothing when it did nothing.

A stored login the platform refuses is told to the student once and not tried again until
another login is stored. A platform that is down, or a budget that is used up, leaves the
student unchecked: the check is tried again half an hour later while it is still night.
"""

from __future__ import annotations

import logging
import time

import httpx

from core.chat import ChatTarget
from core.conversation import render_run, run_keyboard, texts
from core.jobs import CHECK_KEPT_COURSES
from core.keep import KeepState, KeepStore, added_lectures, worth_a_look
from core.limits import SharedRateLimiter
from core.limits.messages import OverMessageBudget
from core.limits.shared import OverBudget
from core.runs import RunError, RunRecord, queues, run_id_for
from core.runs.events import request_refresh
from core.runs.sessions import VaultSessionStore
from core.vault import VaultError
from core.vtu import AccountLocked, LoginFailed, RetryPolicy, VTUClient, VTUError
from core.vtu.errors import CourseNotFound
from workers import context
from workers.notify.errors import SendRefused
from workers.notify.senders import chat_sender

log = logging.getLogger(__name__)

CHECK_RETRY = RetryPolicy(attempts=3, base_s=1.0, cap_s=5.0)
"""Nobody waits on a nightly check: a few patient retries, then it is tried again later."""
BUDGET_PATIENCE_S = 5.0
"""How long a check waits for the student's request budget before it gives up for now."""
CHECK_TIMEOUT_S = 300
"""Bounds a check stuck on the platform (a check normally takes a few seconds)."""


def queue_nightly_checks() -> int:
    """Queue a check for every keep-complete student whose night it is; returns how many."""
    ctx = context.current()
    store = KeepStore(ctx.redis)
    queued = 0
    for student in store.due(time.time()):
        if not store.claim(student):
            continue  # a check is queued or under way
        queues.queue(ctx.redis, queues.RUNS_QUEUE).enqueue(
            CHECK_KEPT_COURSES,
            student,
            result_ttl=0,
            failure_ttl=ctx.settings.retention_s,
            job_timeout=CHECK_TIMEOUT_S,
            description=f"keep courses of {student} complete",
        )
        queued += 1
    return queued


def check_kept_courses(student: str) -> str:
    """Tonight's check of `student`'s completed courses; returns what it did (no secret)."""
    ctx = context.current()
    store = KeepStore(ctx.redis)
    state = store.state(student)
    version = ctx.vault.login_version(student)
    if not state.enabled or version is None or version == state.refused_login:
        store.checked(student, time.time())
        return "nothing to check"
    try:
        credentials = ctx.vault.credentials(student)
    except VaultError:
        store.checked(student, time.time())  # into the dead-letter queue once a night, no more
        raise
    assert credentials is not None
    client = VTUClient(
        ctx.settings.vtu_base_url,
        credentials,
        http=ctx.http,
        limiter=SharedRateLimiter(
            ctx.async_redis,
            student,
            per_student=ctx.settings.vtu_rate_limit,
            global_rate=ctx.settings.vtu_global_rate_limit,
            patience=lambda: BUDGET_PATIENCE_S,
        ),
        retry=CHECK_RETRY,
        sessions=VaultSessionStore(ctx.vault, student),
    )
    try:
        started = ctx.run(_check(ctx, store, student, state, client))
    except (LoginFailed, AccountLocked) as refused:
        store.login_refused(student, version)
        store.checked(student, time.time())
        _tell(ctx, state.home, texts.KEEP_LOGIN_REFUSED.format(reason=refused.user_message))
        log.info("keep %s: the platform refused the stored login", student)
        return "login refused"
    except OverBudget:
        return "over budget; tried again later"
    except VTUError as exc:
        if exc.retryable:
            log.info("keep %s: the platform is unavailable; tried again later", student)
            return "platform unavailable; tried again later"
        store.checked(student, time.time())
        log.warning("keep %s: %s (%s)", student, type(exc).__name__, exc.status or "no status")
        return f"not checked: {type(exc).__name__}"
    store.checked(student, time.time())
    return f"{started} run(s) started"


async def _check(
    ctx: context.WorkerContext,
    store: KeepStore,
    student: str,
    state: KeepState,
    client: VTUClient,
) -> int:
    """Start a run for each kept course with added lectures; returns how many started."""
    known = store.known(student)
    started = 0
    for enrollment in await client.enrollments():
        slug = enrollment.slug
        last_run = ctx.store.get(run_id_for(student, slug))
        if last_run is not None and last_run.state.pending:
            continue  # a run of it is active or scheduled: it is not started twice
        course_known = known.get(slug)
        if not worth_a_look(enrollment.progress_percent, course_known is not None, last_run):
            continue
        try:
            course = await client.course(slug)
        except CourseNotFound:
            continue  # no longer enrolled since the list was read
        every_id = {lecture.id for lecture in course.lectures}
        added = (
            set()
            if enrollment.progress_percent >= 100
            else added_lectures(course, course_known, last_run)
        )
        if not added:
            if course_known is None:
                store.remember(student, slug, every_id)
            continue
        try:
            submission = ctx.runs.submit(student, slug)
        except RunError as refused:
            log.info("keep %s: no run started for %s: %s", student, slug, refused.message)
            break  # the caps: the rest waits for another night
        if not submission.created:
            continue
        store.remember(student, slug, every_id)
        started += 1
        log.info(
            "keep %s: %d lecture(s) added to %s; run %s started",
            student,
            len(added),
            slug,
            submission.run.id,
        )
        await _announce(ctx, state.home, submission.run, enrollment.title, len(added))
    return started


async def _announce(
    ctx: context.WorkerContext,
    home: ChatTarget | None,
    record: RunRecord,
    title: str,
    added: int,
) -> None:
    """Post the run's progress message in the student's private chat, then a notice replying
    to it (an edit does not notify; a new message does)."""
    sender = chat_sender(ctx, home.platform) if home is not None else None
    if home is None or sender is None:
        log.info("run %s: no chat to show its progress in", record.id)
        return
    record.course_title = record.course_title or title
    try:
        shown = await sender.send(home, render_run(record), run_keyboard(record))
        ctx.runs.show_in(record.student, record.id, shown)
        request_refresh(ctx.redis, ctx.store.get(record.id) or record)
        notice = texts.KEEP_STARTED.format(count=added, course=title)
        await sender.send(home, notice, reply_to=shown)
    except (SendRefused, OverMessageBudget, httpx.HTTPError) as exc:
        log.info("run %s: could not tell the student: %s", record.id, type(exc).__name__)


def _tell(ctx: context.WorkerContext, home: ChatTarget | None, text: str) -> None:
    sender = chat_sender(ctx, home.platform) if home is not None else None
    if home is None or sender is None:
        return
    try:
        ctx.run(sender.send(home, text))
    except (SendRefused, OverMessageBudget, httpx.HTTPError) as exc:
        log.info("could not tell %s chat %s: %s", home.platform, home.chat_id, type(exc).__name__)
