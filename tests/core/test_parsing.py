import pytest

from core.vtu import UnexpectedResponse
from core.vtu.parsing import course, enrollments, lecture, parse_duration, progress_ack

ENROLLMENT = {
    "id": 7,
    "progress_percent": "37.50",
    "details": {"id": 3, "slug": "1-nlp", "title": "NLP"},
}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:08:55 mins", 535),
        ("01:02:03 mins", 3723),
        ("8:55", 535),
        ("", None),
        ("00:00:00 mins", None),
        (None, None),
        (0, None),
        (535, 535),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_bad_duration_is_an_unexpected_response():
    with pytest.raises(UnexpectedResponse):
        parse_duration("about nine minutes")


@pytest.mark.parametrize(
    "data",
    [[ENROLLMENT], {"0": ENROLLMENT}, {"data": [ENROLLMENT]}, {"data": {"0": ENROLLMENT}}],
    ids=["list", "numeric-keys", "nested", "nested-numeric-keys"],
)
def test_enrollment_shapes(data):
    (item,) = enrollments(data)
    assert (item.slug, item.title, item.course_id, item.progress_percent) == (
        "1-nlp",
        "NLP",
        3,
        37.5,
    )


def test_numeric_keys_keep_their_order():
    second = {**ENROLLMENT, "details": {"id": 4, "slug": "2-x", "title": "X"}}
    assert [e.slug for e in enrollments({"1": second, "0": ENROLLMENT, "10": second})] == [
        "1-nlp",
        "2-x",
        "2-x",
    ]


def test_course_flattens_lessons():
    parsed = course(
        {
            "id": 1,
            "slug": "s",
            "title": "Ve / -Ve",
            "progress_bar": "12.50",
            "lessons": [
                {
                    "id": 1,
                    "name": "L1",
                    "lectures": [{"id": 5, "title": "a", "is_completed": True}],
                },
                {
                    "id": 2,
                    "name": "L2",
                    "lectures": [{"id": 6, "title": "b", "is_completed": False}],
                },
            ],
        }
    )
    assert [(x.id, x.lesson, x.is_completed) for x in parsed.lectures] == [
        (5, "L1", True),
        (6, "L2", False),
    ]
    assert parsed.progress_percent == 12.5


def test_lecture_and_ack():
    parsed = lecture(
        {
            "id": 5,
            "title": "a",
            "duration": "00:03:00 mins",
            "progress": 40,
            "is_completed": False,
            "is_locked": False,
        }
    )
    assert (parsed.duration_s, parsed.progress_percent) == (180, 40)
    assert progress_ack({"percent": 11, "is_completed": False}).percent == 11


@pytest.mark.parametrize("data", [None, "x", 5, [{"details": {}}], {"0": {"id": 1}}])
def test_wrong_shapes_are_unexpected(data):
    with pytest.raises(UnexpectedResponse):
        enrollments(data)


def test_missing_field_is_unexpected():
    with pytest.raises(UnexpectedResponse, match="lacks"):
        course({"id": 1, "slug": "s"})
