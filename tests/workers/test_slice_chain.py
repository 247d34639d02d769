"""A run's chain of slices never breaks on its own: a slice's successor that another worker
takes the moment it is queued finds itself the run's current slice, free to work."""

from __future__ import annotations

from core.runs import RunState, queues
from core.runs.queues import queue
from launcher.worker import make_worker
from workers.jobs import runs

from .conftest import STUDENT

LONG = "1-benchmark-166"
"""Several slices long at the tests' request rate."""


def test_a_successor_taken_at_once_by_another_worker_carries_the_run_on(
    ctx, logged_in, redis, drain, vtu, monkeypatch
):
    vtu.settings.wallclock_cap = False  # heartbeats always due: slices end with work left
    returned: list[str] = []
    raced: list[str] = []
    advance, enqueue = runs.advance_run, queues.enqueue_slice

    def recording_advance(run_id: str, generation: int) -> str:
        returned.append(advance(run_id, generation))
        return returned[-1]

    def enqueue_then_taken_at_once(*args: object, **kwargs: object) -> str:
        job_id = enqueue(*args, **kwargs)  # type: ignore[arg-type]
        if len(raced) < 3 and queue(redis).count:  # queued now, not delayed
            raced.append(job_id)
            make_worker(redis).work(burst=True, max_jobs=1, with_scheduler=False)
        return job_id

    monkeypatch.setattr(runs, "advance_run", recording_advance)
    monkeypatch.setattr(queues, "enqueue_slice", enqueue_then_taken_at_once)
    run_id = ctx.runs.submit(STUDENT, LONG).run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active, timeout=60)
    assert len(raced) == 3, "too few successors were queued for at once"
    assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
    assert not {"superseded", "busy"} & set(returned), returned
