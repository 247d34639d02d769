"""How existing tools complete a course: the comparison for the engine benchmark.

Open every lecture, then sweep all pending lectures round-robin posting the whole duration
each time (the platform clamps it), for at most 50 sweeps, with no request budget: overload
answers are only waited out.
"""

from __future__ import annotations

from core.vtu import LectureNotPlayable, VTUClient

MAX_SWEEPS = 50


async def sweep_course(client: VTUClient, slug: str) -> bool:
    """Returns whether every lecture with a video got completed."""
    course = await client.course(slug)
    durations: dict[int, int] = {}
    for ref in course.lectures:
        if ref.is_completed:
            continue
        lecture = await client.lecture(slug, ref.id)
        if lecture.duration_s and not lecture.is_completed:
            durations[ref.id] = lecture.duration_s
    for _ in range(MAX_SWEEPS):
        if not durations:
            return True
        for lecture_id, duration in list(durations.items()):
            try:
                ack = await client.send_progress(
                    slug,
                    lecture_id,
                    position_s=duration,
                    duration_s=duration,
                    watched_s=duration,
                )
            except LectureNotPlayable:
                durations.pop(lecture_id)
                continue
            if ack.is_completed:
                durations.pop(lecture_id)
    return not durations
