from core.engine import LectureLedger, LectureStatus


def opened(duration=600, percent=0):
    ledger = LectureLedger(id=1, title="t")
    ledger.opened(duration, percent, completed=False, sent=99.9, received=100.0)
    return ledger


def test_fresh_lecture_needs_its_whole_duration():
    ledger = opened()
    assert ledger.status is LectureStatus.OPEN
    assert ledger.remaining_s == 600


def test_full_credit_keeps_the_books_exact():
    ledger = opened()
    for expected_percent in (20, 40, 60, 80):
        credit = ledger.credited(120, expected_percent, completed=False, sent=0.0, received=0.0)
        assert credit.full
    assert ledger.remaining_s == 120
    ledger.credited(120, 100, completed=True, sent=0.0, received=0.0)
    assert ledger.status is LectureStatus.DONE
    assert ledger.heartbeats == 5


def test_partial_credit_is_recognised_and_bounded():
    ledger = opened(duration=535)
    # the evidence: about 60 s of 120
    credit = ledger.credited(120, 11, completed=False, sent=0.0, received=0.0)
    assert not credit.full
    assert 50 < credit.low_s <= 60 <= credit.high_s < 70
    assert 535 - 70 < ledger.remaining_s < 535 - 50


def test_no_video_and_completed_lectures_finish_at_opening():
    ledger = LectureLedger(id=1, title="t")
    ledger.opened(None, 0, completed=False, sent=0.0, received=0.0)
    assert (ledger.status, ledger.skip_reason) == (LectureStatus.SKIPPED, "no video")
    ledger = LectureLedger(id=2, title="t")
    ledger.opened(300, 100, completed=True, sent=0.0, received=0.0)
    assert ledger.status is LectureStatus.DONE


def test_resume_counts_an_in_flight_heartbeat_the_platform_took():
    ledger = opened()
    ledger.credited(120, 20, completed=False, sent=0.0, received=0.0)
    ledger.in_flight_s = 120  # killed after sending, before the answer
    ledger.opened(600, 40, completed=False, sent=0.0, received=0.0)
    assert ledger.remaining_s == 360


def test_resume_does_not_count_an_in_flight_heartbeat_the_platform_lost():
    ledger = opened()
    ledger.credited(120, 20, completed=False, sent=0.0, received=0.0)
    ledger.in_flight_s = 120
    ledger.opened(600, 20, completed=False, sent=0.0, received=0.0)
    assert ledger.remaining_s == 480


def test_round_trips_through_json():
    ledger = opened()
    ledger.credited(120, 20, completed=False, sent=0.0, received=0.0)
    assert LectureLedger.from_json(ledger.to_json()) == ledger
