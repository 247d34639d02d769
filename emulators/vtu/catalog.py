"""Courses, lectures and students the emulator serves, and seeded realistic catalogs."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from itertools import accumulate, pairwise

from emulators.vtu.vocabulary import LECTURE_TOPICS, LESSON_THEMES, SUBJECTS

FIRST_COURSE_ID = 1
FIRST_LESSON_ID = 101
FIRST_LECTURE_ID = 1001
FIRST_STUDENT_ID = 38466
FIRST_ENROLLMENT_ID = 5001


@dataclass
class Lecture:
    id: int
    title: str
    duration_s: int

    @property
    def has_video(self) -> bool:
        return self.duration_s > 0


@dataclass
class Lesson:
    id: int
    name: str
    lectures: list[Lecture]


@dataclass
class Course:
    id: int
    slug: str
    title: str
    lessons: list[Lesson]

    @property
    def lectures(self) -> list[Lecture]:
        return [lecture for lesson in self.lessons for lecture in lesson.lectures]


@dataclass
class Student:
    id: int
    email: str
    password: str
    name: str
    enrolled: list[str] = field(default_factory=list)
    locked: bool = False
    """The platform has locked the account: logins answer 403 even with the right password."""


class Catalog:
    """All courses and students; ids are global and increase in creation order."""

    def __init__(self, seed: int = 1) -> None:
        self.seed = seed
        self._titles = random.Random(f"titles-{seed}")
        self._courses: dict[str, Course] = {}
        self._students: dict[str, Student] = {}
        self._students_by_id: dict[int, Student] = {}
        self._lectures: dict[tuple[str, int], Lecture] = {}
        self._enrollments: dict[tuple[int, str], int] = {}
        self._next_course_id = FIRST_COURSE_ID
        self._next_lesson_id = FIRST_LESSON_ID
        self._next_lecture_id = FIRST_LECTURE_ID
        self._next_student_id = FIRST_STUDENT_ID
        self._next_enrollment_id = FIRST_ENROLLMENT_ID

    @property
    def courses(self) -> list[Course]:
        return list(self._courses.values())

    @property
    def students(self) -> list[Student]:
        return list(self._students.values())

    def add_course(self, slug: str, title: str, lesson_durations: list[list[int]]) -> Course:
        """Add a course whose lessons hold lectures of these durations (0 = no video)."""
        if slug in self._courses:
            raise ValueError(f"course {slug!r} already exists")
        lessons = []
        number = 0
        for lesson_number, durations in enumerate(lesson_durations, start=1):
            lectures = []
            for duration in durations:
                number += 1
                lectures.append(
                    Lecture(self._next_lecture_id, self._lecture_title(number), duration)
                )
                self._next_lecture_id += 1
            theme = LESSON_THEMES[(lesson_number - 1) % len(LESSON_THEMES)]
            lessons.append(
                Lesson(self._next_lesson_id, f"Module {lesson_number}: {theme}", lectures)
            )
            self._next_lesson_id += 1
        course = Course(self._next_course_id, slug, title, lessons)
        self._next_course_id += 1
        self._courses[slug] = course
        for lecture in course.lectures:
            self._lectures[(slug, lecture.id)] = lecture
        return course

    def add_lecture(self, slug: str, duration_s: int, lesson: int = -1) -> Lecture:
        """Add a lecture to lesson `lesson` (default: the last) of a course, as the platform
        does during a semester; it has the next free id and starts unwatched."""
        course = self._courses.get(slug)
        if course is None:
            raise KeyError(f"unknown course {slug!r}")
        if duration_s < 0:
            raise ValueError("duration_s must be >= 0")
        target = course.lessons[lesson]
        lecture = Lecture(
            self._next_lecture_id, self._lecture_title(len(course.lectures) + 1), duration_s
        )
        self._next_lecture_id += 1
        target.lectures.append(lecture)
        self._lectures[(slug, lecture.id)] = lecture
        return lecture

    def add_student(self, email: str, password: str, name: str, courses: list[str]) -> Student:
        key = email.lower()
        if key in self._students:
            raise ValueError(f"student {email!r} already exists")
        student = Student(self._next_student_id, email, password, name)
        self._next_student_id += 1
        self._students[key] = student
        self._students_by_id[student.id] = student
        for slug in courses:
            self.enroll(email, slug)
        return student

    def enroll(self, email: str, slug: str) -> int:
        """Enroll a student in a course (idempotent); returns the enrollment id."""
        student = self._students.get(email.lower())
        if student is None:
            raise KeyError(f"unknown student {email!r}")
        if slug not in self._courses:
            raise KeyError(f"unknown course {slug!r}")
        key = (student.id, slug)
        if key not in self._enrollments:
            self._enrollments[key] = self._next_enrollment_id
            self._next_enrollment_id += 1
            student.enrolled.append(slug)
        return self._enrollments[key]

    def course(self, slug: str) -> Course | None:
        return self._courses.get(slug)

    def student(self, email: str) -> Student | None:
        return self._students.get(email.lower())

    def student_by_id(self, student_id: int) -> Student | None:
        return self._students_by_id.get(student_id)

    def lecture(self, slug: str, lecture_id: int) -> Lecture | None:
        return self._lectures.get((slug, lecture_id))

    def enrollment_id(self, student: Student, slug: str) -> int | None:
        return self._enrollments.get((student.id, slug))

    def _lecture_title(self, number: int) -> str:
        topic = LECTURE_TOPICS[0] if number == 1 else self._titles.choice(LECTURE_TOPICS[1:])
        return f"Lecture {number}: {topic}"


def slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def random_lesson_durations(
    rng: random.Random,
    lectures: int,
    lessons: int,
    duration_range_s: tuple[int, int],
    no_video: int,
) -> list[list[int]]:
    """Split `lectures` uniform durations over `lessons` non-empty lessons of similar size,
    with `no_video` of the durations set to 0."""
    lessons = max(1, min(lessons, lectures))
    durations = [rng.randint(*duration_range_s) for _ in range(lectures)]
    for index in rng.sample(range(lectures), min(no_video, lectures)):
        durations[index] = 0
    weights = list(accumulate(rng.uniform(0.6, 1.4) for _ in range(lessons)))
    bounds = [0]
    for index, weight in enumerate(weights[:-1], start=1):
        ideal = round(lectures * weight / weights[-1])
        bounds.append(max(bounds[-1] + 1, min(ideal, lectures - (lessons - index))))
    bounds.append(lectures)
    return [durations[start:end] for start, end in pairwise(bounds)]


def seed_catalog(
    seed: int = 1,
    students: int = 3,
    courses_per_student: int = 3,
    lectures_range: tuple[int, int] = (100, 170),
    duration_range_s: tuple[int, int] = (180, 1500),
    no_video_share: float = 0.03,
) -> Catalog:
    """A deterministic catalog; student i (from 1) logs in as student{i}@vtu.test / pass-{i}-word.

    Courses are shared: student i is enrolled in courses i .. i+courses_per_student-1 of a pool.
    """
    if courses_per_student > len(SUBJECTS):
        raise ValueError(f"at most {len(SUBJECTS)} courses per student")
    rng = random.Random(seed)
    catalog = Catalog(seed)
    pool = min(len(SUBJECTS), courses_per_student + max(students, 1) - 1)
    for subject in SUBJECTS[:pool]:
        lectures = rng.randint(*lectures_range)
        no_video = max(1, round(lectures * no_video_share)) if no_video_share > 0 else 0
        durations = random_lesson_durations(
            rng, lectures, rng.randint(8, 14), duration_range_s, no_video
        )
        catalog.add_course(f"1-{slugify(subject)}", subject, durations)
    slugs = [course.slug for course in catalog.courses]
    for i in range(1, students + 1):
        enrolled = [slugs[(i - 1 + k) % pool] for k in range(courses_per_student)]
        catalog.add_student(f"student{i}@vtu.test", f"pass-{i}-word", f"1VT23CS{i:03d}", enrolled)
    return catalog


def benchmark_course(catalog: Catalog, slug: str = "1-benchmark-166") -> Course:
    """The shape of a real course: 166 lectures in 12 lessons, 3 of them without video."""
    existing = catalog.course(slug)
    if existing is not None:
        return existing
    rng = random.Random(f"benchmark-{catalog.seed}-{slug}")
    durations = random_lesson_durations(rng, 166, 12, (180, 1500), 3)
    return catalog.add_course(slug, "Benchmark Course (166 lectures)", durations)
