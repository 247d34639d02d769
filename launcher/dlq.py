"""`autopilot dlq list|retry|purge`: the dead-letter queue (RQ's failed-job registry)."""

from __future__ import annotations

import argparse
from datetime import datetime

from rq.registry import FailedJobRegistry

from core import jobs
from core.runs import dead_letters
from core.runs.queues import JSONJob
from core.runs.store import RunStore
from launcher.common import require_redis, service_settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "dlq",
        help="show, retry or purge jobs that failed for good",
        description="Jobs that ran out of retries, or failed with an error retrying cannot "
        "fix (a wrong password), land in RQ's failed-job registry.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="failed jobs with their run and reason").set_defaults(
        handler=_list
    )
    retry = actions.add_parser(
        "retry", help="requeue failed jobs (the run resumes from its checkpoint)"
    )
    retry.add_argument("job_ids", nargs="*", metavar="JOB_ID", help="default: all")
    retry.set_defaults(handler=_retry)
    purge = actions.add_parser("purge", help="delete failed jobs")
    purge.add_argument("job_ids", nargs="*", metavar="JOB_ID", help="default: all")
    purge.set_defaults(handler=_purge)


def _chosen(registry: FailedJobRegistry, wanted: list[str]) -> list[str]:
    ids = registry.get_job_ids()
    return [i for i in ids if i in wanted] if wanted else ids


def _list(_args: argparse.Namespace) -> int:
    redis = require_redis(service_settings(), ride_out_restarts=False)
    store = RunStore(redis)
    count = 0
    for registry in dead_letters.registries(redis):
        for job in JSONJob.fetch_many(registry.get_job_ids(), connection=redis):
            if job is None:
                continue
            count += 1
            readable = jobs.refusal(job) is None  # a job refused as not JSON has no args
            is_slice = readable and job.func_name == jobs.ADVANCE_RUN and bool(job.args)
            run = store.get(str(job.args[0])) if is_slice else None
            ended = job.ended_at
            when = ended.strftime("%Y-%m-%d %H:%M") if isinstance(ended, datetime) else "?"
            reason = run.last_error if run and run.last_error else dead_letters.reason(job)
            course = f" course {run.course} of {run.student}" if run else ""
            print(f"{job.id}  {when}  {registry.name}{course}: {reason}")
    print(f"{count} failed job(s).")
    return 0


def _retry(args: argparse.Namespace) -> int:
    """Exit 1 when a job was named that is not in the dead-letter queue, or was refused."""
    redis = require_redis(service_settings(), ride_out_restarts=False)
    held = {
        job_id for registry in dead_letters.registries(redis) for job_id in registry.get_job_ids()
    }
    refusals = [
        f"{job_id} is not in the dead-letter queue" for job_id in args.job_ids if job_id not in held
    ]
    retried = 0
    for registry in dead_letters.registries(redis):
        for job_id in _chosen(registry, args.job_ids):
            refused = dead_letters.retry(redis, job_id)
            if refused is None:
                retried += 1
            else:
                refusals.append(refused)
    for refused in refusals:
        print(refused)
    print(f"Requeued {retried} job(s).")
    return 1 if refusals else 0


def _purge(args: argparse.Namespace) -> int:
    redis = require_redis(service_settings(), ride_out_restarts=False)
    purged = 0
    for registry in dead_letters.registries(redis):
        for job_id in _chosen(registry, args.job_ids):
            registry.remove(job_id, delete_job=True)
            purged += 1
    print(f"Deleted {purged} failed job(s).")
    return 0
