"""The platform-neutral conversation: button data and the progress message."""

from __future__ import annotations

import pytest

from core.conversation import Action, CallbackError, decode, encode, render_run, run_keyboard
from core.runs import RunRecord, RunState


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "nope:1",
        "cancel",
        "cancel:XYZ",
        "cancel:" + "a" * 17,
        "pick:-1",
        "pick:1000",
        "forget:maybe",
        "refresh:" + "a" * 60,
        "pick:1:2",
        "pick:\ud800",
        "\udcff",
        "cancel:\U0001f600",
        "pick:\uff11",
        "pick:1\n",
        b"pick:1",
        17,
    ],
)
def test_malformed_or_unknown_data_is_refused(data):
    with pytest.raises(CallbackError):
        decode(data)


def test_encode_round_trips_and_stays_within_64_bytes():
    for action, argument in [
        (Action.CANCEL, "0123456789abcdef"),
        (Action.PICK, 99),
        (Action.START, ""),
    ]:
        data = encode(action, argument)
        assert len(data.encode()) <= 64
        assert decode(data).action is action and decode(data).argument == str(argument)
    with pytest.raises(ValueError):
        encode(Action.CANCEL, "../etc")


def test_progress_message_while_running_and_summary_at_the_end():
    record = RunRecord(
        id="0123456789abcdef",
        student="telegram:1",
        course="c",
        course_title="Maths",
        state=RunState.RUNNING,
        done=3,
        total=10,
        skipped=2,
        current="Lecture 4",
        eta_s=125,
    )
    text = render_run(record)
    assert "3/8 done" in text and "Now: Lecture 4" in text and "ETA: 2 min 05 s" in text
    assert [label for label, _ in run_keyboard(record)[0]] == ["✖ Cancel", "↻ Refresh"]
    record.state, record.last_error = RunState.FAILED, "VTU did not accept that email"
    record.skipped_titles = ["Intro (no video)", "Quiz (no video)"]
    text = render_run(record)
    assert "Reason: VTU did not accept" in text and "What to do" in text and "• Quiz" in text
    assert run_keyboard(record) == []
