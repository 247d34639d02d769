"""A run: one student's completion of one course, as stored in Redis and shown to them."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from core.chat import ChatTarget
from core.engine.progress import Progress


class RunState(StrEnum):
    SCHEDULED = "scheduled"
    """Waiting for the start time the student asked for; not yet active."""
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in ACTIVE_STATES

    @property
    def pending(self) -> bool:
        """Active, or scheduled to start: not finished, so it may still be cancelled."""
        return self in PENDING_STATES


ACTIVE_STATES = frozenset({RunState.QUEUED, RunState.RUNNING, RunState.RETRYING})
PENDING_STATES = ACTIVE_STATES | {RunState.SCHEDULED}
"""States that hold the run's dedup key: a second /run of the course finds this run."""
FINAL_STATES = frozenset({RunState.COMPLETED, RunState.FAILED, RunState.CANCELLED})


def run_id_for(student: str, course: str) -> str:
    """The dedup key: one run per student and course at a time."""
    return hashlib.sha256(f"{student}:{course}".encode()).hexdigest()[:16]


@dataclass
class RunRecord:
    """Plain data of a run; `target` is the progress message the workers keep editing."""

    id: str
    student: str
    course: str
    state: RunState = RunState.QUEUED
    generation: int = 0
    course_title: str = ""
    done: int = 0
    total: int = 0
    skipped: int = 0
    current: str = ""
    eta_s: float | None = None
    eta_at: float | None = None
    """When (wall clock) the run is expected to finish, steadied across slices."""
    credited_s: float = 0.0
    needed_s: float = 0.0
    resumed_s: float = 0.0
    stuck: str = ""
    last_error: str = ""
    skipped_titles: list[str] = field(default_factory=list)
    locked_titles: list[str] = field(default_factory=list)
    """Lectures locked on the platform when the run ended: not done, the next run tries them."""
    created_at: float = 0.0
    updated_at: float = 0.0
    job_id: str = ""
    """The run's next job: its pending slice, or while scheduled the job that starts it."""
    start_at: float = 0.0
    """When (unix seconds) a scheduled run is to start; 0 for a run started at once."""
    start_zone: str = ""
    """The IANA time zone the student gave the start time in, to show it as they said it."""
    target: ChatTarget | None = None

    @property
    def progress(self) -> Progress:
        """The run's progress as of now: the ETA counts down from the expected finish."""
        eta_s = self.eta_s if self.eta_at is None else max(0.0, self.eta_at - time.time())
        return Progress(
            course=self.course_title or self.course,
            done=self.done,
            total=self.total,
            skipped=self.skipped,
            current=self.current,
            eta_s=eta_s,
            finished=self.state is RunState.COMPLETED and not self.locked_titles,
            credited_s=self.credited_s,
            needed_s=self.needed_s,
            resumed_s=self.resumed_s,
            stuck=self.stuck,
        )

    def to_redis(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "target":
                out[f.name] = json.dumps(value.to_json()) if value is not None else ""
            else:
                out[f.name] = json.dumps(value) if f.name in _JSON_FIELDS else _text(value)
        return out

    @classmethod
    def from_redis(cls, raw: dict[bytes, bytes] | dict[str, str]) -> RunRecord:
        data = {_str(k): _str(v) for k, v in raw.items()}
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name == "target":
                kwargs[f.name] = ChatTarget.from_json(json.loads(value)) if value else None
            elif f.name in _JSON_FIELDS:
                kwargs[f.name] = json.loads(value) if value else f.default_factory()  # type: ignore[misc]
            elif f.name == "state":
                kwargs[f.name] = RunState(value)
            elif f.name in ("generation", "done", "total", "skipped"):
                kwargs[f.name] = int(value or 0)
            elif f.name in _FLOAT_FIELDS:
                kwargs[f.name] = float(value or 0)
            elif f.name in ("eta_s", "eta_at"):
                kwargs[f.name] = float(value) if value else None
            else:
                kwargs[f.name] = value
        return cls(**kwargs)


_JSON_FIELDS = frozenset({"skipped_titles", "locked_titles"})
_FLOAT_FIELDS = frozenset(
    {"created_at", "updated_at", "credited_s", "needed_s", "resumed_s", "start_at"}
)


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.value if isinstance(value, StrEnum) else str(value)


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
