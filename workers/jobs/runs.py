"""The run job: advances one run by a short slice, then re-schedules itself.

A slice works for at most `SLICE_S` seconds or until the run's request budget or pacing says
to come back, saves everything, and queues the next slice for when there is work again. So a
worker never sits idle on one student's pacing, a thousand runs share four workers, and a
cancel takes effect by the next slice. A lease in Redis keeps two slices of one run from
working at once; the watchdog revives a run whose worker died.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from rq.job import get_current_job

from core import activity, keys
from core.engine import CourseRun, CreditModel, Progress, RedisCheckpoint, steady_finish
from core.limits import SharedRateLimiter
from core.runs import queues
from core.runs.events import publish
from core.runs.record import RunRecord, RunState
from core.runs.sessions import VaultSessionStore
from core.vtu import RetryPolicy, VTUClient, VTUError
from workers import context
from workers.lease import LeaseLost, RunLease

log = logging.getLogger(__name__)

SLICE_S = 1.5
"""Longest a slice works; also the bound on how long a cancel takes to bite."""
PROBE_LOCK_S = 60
"""Until some run has learned the crediting, one run at a time probes it."""
MODEL_MAX_AGE_S = 6 * 3600
"""A shared credit model this old is relearned, in case the platform changed its rule."""
SLICE_RETRY = RetryPolicy(attempts=3, base_s=0.5, cap_s=4.0)
"""Brief in-slice retries; longer outages are RQ's retries of the whole slice."""


def advance_run(run_id: str, generation: int) -> str:
    """Advance run `run_id` (its `generation`-th submission) by one slice."""
    ctx = context.current()
    job = get_current_job()
    job_id = job.id if job is not None else ""
    record = ctx.store.get(run_id)
    if record is None or record.generation != generation or not record.state.active:
        return "stale"
    if record.job_id and job_id and record.job_id != job_id:
        return "superseded"
    lease = RunLease(ctx.redis, ctx.async_redis, run_id, job_id or uuid.uuid4().hex)
    if not lease.acquire():
        return "busy"
    try:
        next_in_s = ctx.run(lease.hold_while(_slice(ctx, record)))
    except LeaseLost:
        log.warning("run %s: slice %s lost its lease to another slice; stopped", run_id, job_id)
        return "lease lost"
    except VTUError as exc:
        _failed(ctx, record, exc, job)
        raise
    except Exception:
        log.exception("run %s: slice failed unexpectedly", run_id)
        _failed(ctx, record, InternalError(), job)
        raise
    finally:
        lease.release()
    if isinstance(next_in_s, str):
        return next_in_s
    return _queue_next_slice(ctx, record, job_id, next_in_s)


def _queue_next_slice(
    ctx: context.WorkerContext, record: RunRecord, job_id: str, delay_s: float
) -> str:
    """Queue the run's next slice, unless the run ended or moved on meanwhile. Its lease is
    already released and the record names the next slice before it is queued, so a worker
    that takes it at once finds it the run's current slice, free to work."""
    current = ctx.store.get(record.id)
    if current is None or not current.state.active or current.generation != record.generation:
        return "stopped"
    if job_id and current.job_id != job_id:
        return "superseded"  # the watchdog gave up on this slice and started another
    next_job = queues.new_slice_id(record.id)
    ctx.store.update(record.id, job_id=next_job)
    queues.enqueue_slice(
        ctx.redis,
        record.id,
        record.generation,
        delay_s,
        job_id=next_job,
        student=record.student,
        course=record.course,
    )
    return f"next slice in {delay_s:.1f} s"


async def _slice(ctx: context.WorkerContext, record: RunRecord) -> float | str:
    """Work on the run for one slice; returns when to queue the next one (seconds from now),
    or why there is none."""
    credentials = ctx.vault.credentials(record.student)
    if credentials is None:
        ctx.store.finish(record.id, RunState.FAILED, "No login stored: log in again, then rerun.")
        publish(ctx.redis, _reload(ctx, record))
        activity.run_failed(record, "no login stored")
        return "no credentials"
    limiter = SharedRateLimiter(
        ctx.async_redis,
        record.student,
        per_student=ctx.settings.vtu_rate_limit,
        global_rate=ctx.settings.vtu_global_rate_limit,
        patience=ctx.patience,
    )
    client = VTUClient(
        ctx.settings.vtu_base_url,
        credentials,
        http=ctx.http,
        limiter=limiter,
        retry=SLICE_RETRY,
        sessions=VaultSessionStore(ctx.vault, record.student),
    )
    ctx.store.transition(record.id, record.generation, RunState.RUNNING)
    if record.state is RunState.QUEUED:
        activity.run_started(record)
    first_slice = record.total == 0

    shared_model = _shared_model(ctx)

    def on_progress(progress: Progress) -> None:
        _save_progress(ctx, record, progress, first_slice=first_slice)

    run = CourseRun(
        client,
        record.course,
        checkpoint=RedisCheckpoint(ctx.async_redis, record.id),
        rate_limit=ctx.settings.vtu_rate_limit,
        on_progress=on_progress,
        known_model=shared_model,
        may_probe=shared_model is not None or _probe_turn(ctx, record.id),
    )
    outcome = await run.run(until=time.time() + SLICE_S, refresh=first_slice)
    _share_model(ctx, run.model, shared_model, contradicted=outcome.model_contradicted)
    skipped = [title for title, _ in outcome.skipped]
    _save_progress(
        ctx,
        record,
        outcome.progress,
        first_slice=first_slice,
        skipped_titles=skipped,
        locked_titles=outcome.locked,
    )
    if outcome.finished:
        if ctx.store.finish(record.id, RunState.COMPLETED, generation=record.generation):
            finished = _reload(ctx, record)
            publish(ctx.redis, finished)
            activity.run_completed(finished)
        return "completed"
    return outcome.wake_in_s or 0.0


def _shared_model(ctx: context.WorkerContext) -> CreditModel | None:
    """What earlier runs learned of the platform's crediting, so new runs need not probe;
    None when nothing is shared, or what is shared is too old to trust."""
    raw = ctx.redis.get(keys.CREDIT_MODEL)
    model = CreditModel.from_json(json.loads(raw)) if raw else None
    if model is None or not model.known or time.time() - model.learned_at > MODEL_MAX_AGE_S:
        return None
    return model


def _share_model(
    ctx: context.WorkerContext,
    learned: CreditModel,
    shared: CreditModel | None,
    *,
    contradicted: bool,
) -> None:
    """Share what this run proved with later runs; withdraw a shared model the platform's
    answers contradicted, so no later run starts from it."""
    if contradicted and shared is not None:
        ctx.redis.delete(keys.CREDIT_MODEL)
        log.warning("the platform contradicted the shared credit model: runs relearn it")
    if learned.known and learned.settled and learned != shared:
        ctx.redis.set(keys.CREDIT_MODEL, json.dumps(learned.to_json()), ex=MODEL_MAX_AGE_S)


def _probe_turn(ctx: context.WorkerContext, run_id: str) -> bool:
    """Whether this run holds (or now takes) the one probing turn; a turn whose run has
    ended (cancelled, failed, completed) passes on at once instead of blocking the others."""
    if ctx.redis.set(keys.PROBE_LOCK, run_id, nx=True, ex=PROBE_LOCK_S):
        return True
    holder = ctx.redis.get(keys.PROBE_LOCK)
    if holder is None or holder == run_id.encode():
        return holder is not None
    other = ctx.store.get(holder.decode())
    if other is not None and other.state.active:
        return False
    ctx.redis.set(keys.PROBE_LOCK, run_id, ex=PROBE_LOCK_S)
    return True


def _save_progress(
    ctx: context.WorkerContext,
    record: RunRecord,
    progress: Progress,
    *,
    first_slice: bool,
    **more: object,
) -> None:
    """Store the run's progress; redraw its message when what it shows moved (lectures done,
    the whole percent, the stuck note), not at every heartbeat. `record` is kept as saved."""
    eta_at = steady_finish(record.eta_at, progress.eta_s, time.time())
    values: dict[str, object] = {
        "course_title": progress.course,
        "done": progress.done,
        "total": progress.total,
        "skipped": progress.skipped,
        "current": progress.current,
        "eta_s": progress.eta_s,
        "eta_at": eta_at,
        "credited_s": progress.credited_s,
        "needed_s": progress.needed_s,
        "stuck": progress.stuck,
        **more,
    }
    if first_slice:
        values["resumed_s"] = progress.resumed_s  # later slices start mid-run
    ctx.store.update(record.id, **values)
    shown_before = (record.done, record.total, record.progress.percent, record.stuck)
    if progress.stuck and progress.stuck != record.stuck:
        log.warning("run %s: not progressing: %s", record.id, progress.stuck)
    for name, value in values.items():
        if hasattr(record, name):
            setattr(record, name, value)
    if (progress.done, progress.total, record.progress.percent, progress.stuck) != shown_before:
        publish(ctx.redis, _reload(ctx, record))


def _reload(ctx: context.WorkerContext, record: RunRecord) -> RunRecord:
    return ctx.store.get(record.id) or record


def _reason(exc: VTUError) -> str:
    """Why a run failed, for the log: the error's kind and status, then the student's words."""
    return f"{type(exc).__name__} ({exc.status or 'no status'}): {exc.user_message}"


class InternalError(VTUError):
    """Anything unexpected in a slice: retried like an outage, reported in plain words."""

    retryable = True
    user_message = "Something went wrong on AutoPilot's side; the run will be retried."


def _failed(ctx: context.WorkerContext, record: RunRecord, exc: VTUError, job: object) -> None:
    """Record a failed slice: retried by RQ if it may help, else failed at once."""
    retries_left = getattr(job, "retries_left", None) or 0
    if exc.retryable and retries_left > 0:
        ctx.store.transition(record.id, record.generation, RunState.RETRYING, exc.user_message)
    else:
        if job is not None:
            job.retries_left = 0  # type: ignore[attr-defined]  # straight to the dead-letter queue
        if ctx.store.finish(record.id, RunState.FAILED, exc.user_message, record.generation):
            activity.run_failed(_reload(ctx, record), _reason(exc))
    log.warning("run %s: %s (%s)", record.id, type(exc).__name__, exc.status or "no status")
    publish(ctx.redis, _reload(ctx, record))
