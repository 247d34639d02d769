"""`core`'s Redis-backed services, as awaitables for the bots' event loops.

`core` talks to Redis with the synchronous client (the workers are synchronous RQ jobs), and a
vault call also runs Fernet. Called from a bot's handler, each would stall every other update
the bot is handling for a round trip to Redis. These facades run each call in a worker thread
(`asyncio.to_thread`; the sync client's connection pool is thread-safe), so the conversation
only ever sees awaitables and cannot block the loop by mistake. Calls that always go together
run as one function in one thread.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.conversation.picker import CoursePicker
from core.keep import KeepState, KeepStore
from core.runs import Runs
from core.runs.events import request_refresh
from core.runs.queues import FAST_QUEUE, queue
from core.runs.store import RETENTION_S
from core.timezones import StudentZones
from core.vault import SecretBox, Vault

if TYPE_CHECKING:
    from redis import Redis

    from config import Settings
    from core.chat import ChatTarget
    from core.conversation.picker import PickedCourse
    from core.conversation.texts import Keyboard
    from core.runs import RunRecord, Submission
    from core.vtu import Credentials

ACCOUNT_JOB_FAILURE_TTL_S = RETENTION_S
"""How long a failed login check or course listing stays in the dead-letter queue, until the
hourly clean-up re-times it to the retention period (`core.runs.retention`)."""


class AsyncRuns:
    """`core.runs.Runs` with each call in a thread; same arguments, same errors."""

    def __init__(self, runs: Runs) -> None:
        self._runs = runs

    async def submit(self, student: str, course: str) -> Submission:
        return await asyncio.to_thread(self._runs.submit, student, course)

    async def schedule(
        self, student: str, course: str, start_at: int, zone: str, title: str = ""
    ) -> Submission:
        return await asyncio.to_thread(self._runs.schedule, student, course, start_at, zone, title)

    async def status(self, student: str) -> list[RunRecord]:
        return await asyncio.to_thread(self._runs.status, student)

    async def get(self, student: str, run_id: str) -> RunRecord:
        return await asyncio.to_thread(self._runs.get, student, run_id)

    async def cancel(self, student: str, run_id: str) -> RunRecord:
        return await asyncio.to_thread(self._runs.cancel, student, run_id)

    async def forget(self, student: str) -> int:
        return await asyncio.to_thread(self._runs.forget, student)

    async def show_in(self, student: str, run_id: str, target: ChatTarget) -> None:
        """Record where the run's progress message is, then have the workers draw it."""
        await asyncio.to_thread(self._show_in, student, run_id, target)

    async def refresh(self, student: str, run_id: str) -> None:
        """Queue a redraw of the student's run (RunNotFound when it is not theirs)."""
        await asyncio.to_thread(self._refresh, student, run_id)

    def _show_in(self, student: str, run_id: str, target: ChatTarget) -> None:
        self._runs.show_in(student, run_id, target)
        request_refresh(self._runs.redis, self._runs.get(student, run_id))

    def _refresh(self, student: str, run_id: str) -> None:
        request_refresh(self._runs.redis, self._runs.get(student, run_id))


class AsyncVault:
    """The parts of `core.vault.Vault` the bots use, each call in a thread."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    async def save_credentials(self, student: str, credentials: Credentials) -> None:
        await asyncio.to_thread(self._vault.save_credentials, student, credentials)

    async def has_credentials(self, student: str) -> bool:
        return await asyncio.to_thread(self._vault.has_credentials, student)


class AsyncZones:
    """`core.timezones.StudentZones` with each call in a thread."""

    def __init__(self, zones: StudentZones) -> None:
        self._zones = zones

    async def zone(self, student: str) -> str:
        return await asyncio.to_thread(self._zones.zone, student)

    async def set_zone(self, student: str, zone: str) -> None:
        await asyncio.to_thread(self._zones.set_zone, student, zone)


class AsyncKeep:
    """`core.keep.KeepStore`'s opt-in, each call in a thread."""

    def __init__(self, keep: KeepStore) -> None:
        self._keep = keep

    async def state(self, student: str) -> KeepState:
        return await asyncio.to_thread(self._keep.state, student)

    async def enable(self, student: str, home: ChatTarget) -> None:
        await asyncio.to_thread(self._keep.enable, student, home)

    async def disable(self, student: str) -> None:
        await asyncio.to_thread(self._keep.disable, student)


class AsyncPicker:
    """`core.conversation.CoursePicker` with each call in a thread."""

    def __init__(self, picker: CoursePicker) -> None:
        self._picker = picker

    async def courses(self, student: str) -> list[PickedCourse]:
        return await asyncio.to_thread(self._picker.courses, student)

    async def toggle(self, student: str, index: int) -> bool:
        return await asyncio.to_thread(self._picker.toggle, student, index)

    async def pick_unfinished(self, student: str) -> int:
        return await asyncio.to_thread(self._picker.pick_unfinished, student)

    async def render(self, student: str) -> tuple[str, Keyboard]:
        return await asyncio.to_thread(self._picker.render, student)

    async def picked(self, student: str) -> list[PickedCourse]:
        """The selected courses; the selection stays until `end_start`."""
        return await asyncio.to_thread(self._picker.picked, student)

    async def begin_start(self, student: str) -> list[PickedCourse] | None:
        """The selected courses, held against a second start until `end_start`; None while
        another start of them is under way. The selection itself stays until `end_start`."""
        return await asyncio.to_thread(self._begin_start, student)

    async def end_start(self, student: str, *, started: bool) -> None:
        """Release the hold; clear the selection once `started` (its runs exist)."""
        await asyncio.to_thread(self._end_start, student, started)

    def _begin_start(self, student: str) -> list[PickedCourse] | None:
        if not self._picker.claim_start(student):
            return None
        picked = self._picker.picked(student)
        if not picked:
            self._picker.release_start(student)
        return picked

    def _end_start(self, student: str, started: bool) -> None:
        if started:
            self._picker.clear(student)
        self._picker.release_start(student)


class AccountJobs:
    """Queues the workers' quick jobs about a student's account (login check, course list)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def enqueue(self, function: str, *args: object, description: str) -> None:
        await asyncio.to_thread(self._enqueue, function, args, description)

    def _enqueue(self, function: str, args: tuple[object, ...], description: str) -> None:
        queue(self._redis, FAST_QUEUE).enqueue(
            function,
            *args,
            result_ttl=0,
            failure_ttl=ACCOUNT_JOB_FAILURE_TTL_S,
            description=description,
        )


@dataclass
class ConversationBackend:
    """Everything the conversation reaches, built once per bot process."""

    vault: AsyncVault
    runs: AsyncRuns
    picker: AsyncPicker
    jobs: AccountJobs
    zones: AsyncZones
    keep: AsyncKeep

    @classmethod
    def build(cls, settings: Settings, redis: Redis) -> ConversationBackend:
        vault = Vault(redis, SecretBox(settings.secret_keys))
        return cls(
            vault=AsyncVault(vault),
            runs=AsyncRuns(Runs(redis, vault, settings)),
            picker=AsyncPicker(CoursePicker(redis)),
            jobs=AccountJobs(redis),
            zones=AsyncZones(StudentZones(redis)),
            keep=AsyncKeep(KeepStore(redis)),
        )
