"""Completes one course: opens lectures, paces heartbeats, keeps the checkpoint.

A dispatcher picks the next request whenever a slot is free: first it opens every lecture
(that starts the platform's clock on each and tells its duration); then, while the crediting
is not learned, one probe at a time on one lecture (`pacing.py`); then heartbeats that are due
(their lecture has waited long enough to earn full credit). With no time cap worth waiting
for, due lectures go in course order, so they complete one after another; under a time cap
the lecture with the most left goes first, so the longest ones set the pace from the start
and the course ends when the longest lecture allows. Else it sleeps until the next heartbeat
falls due. Requests go through the client, whose rate limiter spaces them.

A run never goes silent: when no credit arrives for `stuck_after_s`, `stuck_note` says what
the platform answered and what the run does next (it keeps probing at most once per
real-time chunk, so it does not spin), until credit resumes.

`run(until=...)` stops at a deadline with everything checkpointed, for jobs that work in
slices and re-schedule themselves.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core.engine.checkpoint import Checkpoint, MemoryCheckpoint
from core.engine.ledger import LectureLedger, LectureStatus
from core.engine.pacing import MIN_CHUNK_S, CreditModel
from core.engine.progress import Progress
from core.limits import OverBudget
from core.vtu import LectureNotPlayable, VTUClient

ProgressCallback = Callable[[Progress], Awaitable[None] | None]

DEFAULT_CONCURRENCY = 4
IDLE_POLL_S = 2.0
"""When nothing is due and nothing says when it will be, look again after this long."""
STUCK_AFTER_S = 180.0
"""No credit for this long (wall clock) while heartbeats go out: the run reports itself stuck."""


@dataclass
class RunOutcome:
    """Where a run stands when `run` returns: finished, or when to come back."""

    progress: Progress
    finished: bool
    wake_in_s: float | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    """Titles of lectures locked on the platform: not done; the next run tries them again."""
    model_contradicted: bool = False
    """The platform answered against the credit model this run started from."""


@dataclass
class _Action:
    ledger: LectureLedger
    send_s: int = 0
    probe: bool = False

    @property
    def opens(self) -> bool:
        return self.send_s == 0


class CourseRun:
    """One student's run of one course."""

    def __init__(
        self,
        client: VTUClient,
        slug: str,
        *,
        checkpoint: Checkpoint | None = None,
        rate_limit: float | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        on_progress: ProgressCallback | None = None,
        clock: Callable[[], float] = time.time,
        known_model: CreditModel | None = None,
        may_probe: bool = True,
        stuck_after_s: float = STUCK_AFTER_S,
    ) -> None:
        self.client = client
        self.slug = slug
        self.checkpoint = checkpoint or MemoryCheckpoint()
        self.rate_limit = rate_limit
        self.concurrency = concurrency
        self.on_progress = on_progress
        self.clock = clock
        self.known_model = known_model
        self.may_probe = may_probe
        self.title = slug
        self.model = CreditModel()
        self.ledgers: dict[int, LectureLedger] = {}
        self._busy: set[int] = set()
        self._probing = False
        self._current = ""
        self._budget_wait: float | None = None
        self._prepared = False
        self._resumed_s: float | None = None
        self.stuck_after_s = stuck_after_s
        self.stuck_note = ""
        self.contradicted = False
        self._credit_seen: tuple[float, float] | None = None
        """(credited seconds, when they last grew)."""
        self._short_streak = 0
        self._last_percent = 0

    async def run(self, *, until: float | None = None, refresh: bool = True) -> RunOutcome:
        """Work until the course is complete, the wall clock reaches `until`, or the request
        budget says to come back later. `refresh=False` trusts a checkpoint's lecture list
        instead of asking the platform again (for slices after the first)."""
        self._budget_wait = None
        try:
            await self._prepare(refresh)
        except OverBudget as exc:
            return RunOutcome(progress=self.progress(), finished=False, wake_in_s=exc.wait_s)
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                now = self.clock()
                stopping = self._budget_wait is not None or (until is not None and now >= until)
                if self._all_finished() or (stopping and not tasks):
                    break
                action, wake_in = (None, None) if stopping else self._next_action(now)
                if action is not None and len(tasks) < self.concurrency:
                    self._claim(action)
                    tasks.add(asyncio.create_task(self._perform(action)))
                    continue
                idle = action is None and not tasks
                if idle and until is not None and (wake_in is None or now + wake_in > until):
                    break  # a slice has nothing to do before its deadline: give the worker back
                timeout = wake_in if until is None else _min(wake_in, max(0.0, until - now))
                if tasks:
                    done, tasks = await asyncio.wait(
                        tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                    )
                    for task in done:
                        task.result()
                elif timeout is not None:
                    await asyncio.sleep(timeout)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.checkpoint.save(list(self.ledgers.values()), self.model)
        progress = self.progress()
        await self._emit(progress)
        action, wake_in = self._next_action(self.clock())
        if action is not None:
            wake_in = 0.0  # stopped at the deadline with work due now
        elif wake_in is None:
            wake_in = IDLE_POLL_S  # waiting for another run to learn the crediting
        if self._budget_wait is not None:
            wake_in = max(wake_in or 0.0, self._budget_wait)
        finished = self._all_finished()
        return RunOutcome(
            progress=progress,
            finished=finished,
            wake_in_s=None if finished else (wake_in or 0.0),
            skipped=[(x.title, x.skip_reason) for x in self.ledgers.values() if x.skip_reason],
            locked=[x.title for x in self.ledgers.values() if x.status is LectureStatus.LOCKED],
            model_contradicted=self.contradicted,
        )

    def progress(self) -> Progress:
        ledgers = self.ledgers.values()
        skipped = sum(x.status is LectureStatus.SKIPPED for x in ledgers)
        done = sum(x.status is LectureStatus.DONE for x in ledgers)
        credited_s, needed_s = self._watch_time()
        return Progress(
            course=self.title,
            done=done,
            total=len(self.ledgers),
            skipped=skipped,
            current=self._current,
            eta_s=self._eta_s(),
            heartbeats=sum(x.heartbeats for x in ledgers),
            finished=self._all_finished()
            and not any(x.status is LectureStatus.LOCKED for x in ledgers),
            credited_s=credited_s,
            needed_s=needed_s,
            resumed_s=self._resumed_s or 0.0,
            stuck=self.stuck_note,
        )

    def _watch_time(self) -> tuple[float, float]:
        """Seconds credited and needed over the playable lectures: an open lecture counts
        what our books hold for sure (capped at its duration), a done one its whole
        duration. A lecture whose duration is not known yet (not opened in this run, or done
        before it) counts as long as the average known one, so the total does not leap when
        the lectures get opened; 0 and 0 while no duration is known."""
        known = [x.duration_s for x in self.ledgers.values() if x.duration_s]
        typical = sum(known) / len(known) if known else 0.0
        credited = needed = 0.0
        for ledger in self.ledgers.values():
            if ledger.status is LectureStatus.SKIPPED:
                continue
            duration = ledger.duration_s or typical
            needed += duration
            if ledger.status is LectureStatus.DONE:
                credited += duration
            elif ledger.duration_s:
                credited += min(ledger.credited_lo, ledger.duration_s)
        return credited, needed

    async def _prepare(self, refresh: bool) -> None:
        saved = await self.checkpoint.load()
        model = saved.model
        if model is None or (not model.known and self.known_model is not None):
            model = self.known_model
        self.model = model or CreditModel()
        if not refresh and saved.title is not None and saved.ledgers:
            self.title = saved.title
            self.ledgers = dict(sorted(saved.ledgers.items()))
        else:
            course = await self.client.course(self.slug)
            self.title = course.title
            await self.checkpoint.save_title(course.title)
            self.ledgers = {}
            for ref in course.lectures:
                ledger = saved.ledgers.get(ref.id) or LectureLedger(id=ref.id, title=ref.title)
                if ref.is_completed and not ledger.finished:
                    ledger.status = LectureStatus.DONE
                self.ledgers[ref.id] = ledger
        for ledger in self.ledgers.values():
            if ledger.in_flight_s:
                ledger.status = LectureStatus.OPEN
                ledger.last_touch = None
            if ledger.status is LectureStatus.LOCKED and refresh:
                ledger.status, ledger.last_touch = LectureStatus.UNOPENED, None
        self._prepared = True
        if self._resumed_s is None:
            self._resumed_s = self._watch_time()[0]  # what this run found credited
        await self._emit(self.progress())

    def _all_finished(self) -> bool:
        return self._prepared and all(ledger.finished for ledger in self.ledgers.values())

    def _next_action(self, now: float) -> tuple[_Action | None, float | None]:
        """The most useful request to send now, else how long until one falls due.

        In order: opening a lecture; a probe that teaches the credit model (one at a time and
        alone, on the shortest lecture that takes the whole chunk, whose whole-percent answers
        are the most precise); a due heartbeat.
        """
        for ledger in self.ledgers.values():
            if not ledger.finished and ledger.last_touch is None and ledger.id not in self._busy:
                return _Action(ledger), None
        if self._probing:
            return None, None  # a probe's timing must not compete for the budget
        model = self.model
        wake_at: float | None = None
        probe = model.next_probe() if self.may_probe or model.known else None
        if probe is not None:
            action, probe_at = self._probe_action(*probe)
            if action is not None and probe_at <= now:
                return action, None
            wake_at = probe_at if action is not None else None
        if not (model.known or model.falling_back):
            return None, None if wake_at is None else max(0.0, wake_at - now)
        due: list[_Action] = []
        for ledger in self._open_ledgers():
            send_s = min(model.chunk_s, ledger.remaining_s) or _one_percent(ledger)
            assert ledger.last_touch is not None
            ready_at = ledger.last_touch + model.wait_s(send_s)
            if ready_at <= now:
                due.append(_Action(ledger, send_s))
            else:
                wake_at = _min(wake_at, ready_at)
        if due:
            if self._interleave_needed() <= self.concurrency:
                return due[0], None  # a time cap that needs no interleaving: in course order
            return max(due, key=lambda a: a.ledger.remaining_s), None
        return None, None if wake_at is None else max(0.0, wake_at - now)

    def _interleave_needed(self) -> float:
        """How many lectures must be worked at once to keep the request budget busy while
        each waits out the time cap between its heartbeats."""
        wait = self.model.wait_s(self.model.chunk_s)
        return wait * (self.rate_limit or math.inf) if wait > 0 else 0.0

    def _open_ledgers(self) -> list[LectureLedger]:
        return [
            x
            for x in self.ledgers.values()
            if not x.finished and x.last_touch is not None and x.id not in self._busy
        ]

    def _probe_action(self, send_s: int, wait_s: float) -> tuple[_Action | None, float]:
        """The probe of `send_s` on the lecture that answers it most precisely, and when."""
        takers = [x for x in self._open_ledgers() if x.remaining_s >= send_s]
        if not takers:
            return None, 0.0
        ledger = min(takers, key=lambda x: x.duration_s)
        assert ledger.last_touch is not None
        return _Action(ledger, send_s, probe=True), ledger.last_touch + wait_s

    def _claim(self, action: _Action) -> None:
        """Mark the action's lecture as taken before its task first runs."""
        self._busy.add(action.ledger.id)
        self._probing = self._probing or action.probe

    async def _perform(self, action: _Action) -> None:
        ledger = action.ledger
        try:
            if action.opens:
                await self._open(ledger)
            else:
                await self._heartbeat(ledger, action.send_s, probe=action.probe)
        except OverBudget as exc:
            self._budget_wait = max(self._budget_wait or 0.0, exc.wait_s)
        finally:
            self._busy.discard(ledger.id)
            self._probing = self._probing and not action.probe

    async def _open(self, ledger: LectureLedger) -> None:
        lecture = await self.client.lecture(self.slug, ledger.id)
        if lecture.is_locked and not lecture.is_completed:
            ledger.lock()
        else:
            ledger.opened(
                lecture.duration_s,
                lecture.progress_percent,
                lecture.is_completed,
                lecture.sent_at,
                lecture.received_at or lecture.sent_at,
            )
        await self.checkpoint.save([ledger])
        if ledger.finished:
            await self._emit(self.progress())

    async def _heartbeat(self, ledger: LectureLedger, send_s: int, *, probe: bool) -> None:
        ledger.in_flight_s = send_s
        await self.checkpoint.save([ledger])
        self._current = ledger.title
        position = min(ledger.duration_s, math.ceil(ledger.credited_lo) + send_s)
        try:
            ack = await self.client.send_progress(
                self.slug,
                ledger.id,
                position_s=position,
                duration_s=ledger.duration_s,
                watched_s=send_s,
            )
        except OverBudget:
            ledger.in_flight_s = 0  # never sent
            await self.checkpoint.save([ledger])
            raise
        except LectureNotPlayable as exc:
            ledger.in_flight_s = 0
            if send_s > MIN_CHUNK_S:  # a chunk cap enforced by refusal: learn it
                if not self.model.refused(send_s, self.clock()):
                    self.contradicted = True
            else:
                ledger.skip(exc.detail or "the platform refuses progress for it")
            await self.checkpoint.save([ledger], self.model)
            return
        received = ack.received_at or ack.sent_at
        e_min, e_max = ledger.elapsed_s(ack.sent_at, received)
        credit = ledger.credited(send_s, ack.percent, ack.is_completed, ack.sent_at, received)
        promised = not probe and self.model.known
        if not self.model.observe(credit, e_min, e_max, self.clock()):
            self.contradicted = True
        elif promised and credit.high_s >= credit.sent_s:
            self.model.confirmed()
        if probe:
            self.model.probed(send_s, credit, e_max)
        self._watch_for_stall(credit.high_s >= credit.sent_s or ledger.finished, ack.percent)
        await self.checkpoint.save([ledger], self.model)
        if ledger.finished:
            await self._emit(self.progress())

    def _watch_for_stall(self, full: bool, percent: int) -> None:
        """Keep `stuck_note` true: set when no credit arrived for `stuck_after_s`, cleared
        as soon as credit grows again."""
        now = self.clock()
        credited = self._watch_time()[0]
        self._short_streak = 0 if full else self._short_streak + 1
        self._last_percent = percent
        if self._credit_seen is None or credited > self._credit_seen[0] + 0.5:
            self._credit_seen = (credited, now)
            self.stuck_note = ""
            return
        if now - self._credit_seen[1] < self.stuck_after_s:
            return
        minutes = max(1, round((now - self._credit_seen[1]) / 60))
        next_step = (
            f"sending a {self.model.chunk_s} s heartbeat every {self.model.chunk_s} s, as the "
            "real player does, and trying longer waits"
            if self.model.falling_back or not self.model.known
            else "retrying at the learned pace and relearning the crediting"
        )
        self.stuck_note = (
            f"VTU credited nothing for {minutes} min: the last {self._short_streak} "
            f"heartbeat(s) earned less than sent (the lecture stayed at {percent} %). "
            f"AutoPilot keeps going, {next_step}."
        )

    def _eta_s(self) -> float | None:
        """Seconds left: the larger of the heartbeats left at the rate limit and the
        longest lecture's remaining heartbeats at the learned pace. A lecture not opened yet
        counts as long as the average known one."""
        if not self.model.known:
            return None
        pending = [x for x in self.ledgers.values() if not x.finished]
        if not pending:
            return 0.0
        known = [x.duration_s for x in self.ledgers.values() if x.duration_s]
        typical = sum(known) / len(known) if known else 0.0
        chunk_s = self.model.chunk_s
        chunks = [
            math.ceil((x.remaining_s if x.duration_s else typical) / chunk_s) or 1 for x in pending
        ]
        budget_s = (sum(chunks) + sum(not x.duration_s for x in pending)) / (
            self.rate_limit or math.inf
        )
        pace_s = max(chunks) * self.model.wait_s(chunk_s)
        return max(budget_s, pace_s)

    async def _emit(self, progress: Progress) -> None:
        if self.on_progress is None:
            return
        result = self.on_progress(progress)
        if inspect.isawaitable(result):
            await result


def _one_percent(ledger: LectureLedger) -> int:
    """What to send when our books say the lecture is done but the platform does not."""
    return max(1, math.ceil(ledger.duration_s / 100))


def _min(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else min(a, b)
