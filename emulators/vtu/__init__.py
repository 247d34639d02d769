"""A stand-in for VTU's online course platform, served over HTTP on 127.0.0.1."""

from emulators.vtu.catalog import (
    Catalog,
    Course,
    Lecture,
    Lesson,
    Student,
    benchmark_course,
    seed_catalog,
)
from emulators.vtu.server import VTUEmulator
from emulators.vtu.settings import EmulatorSettings
from emulators.vtu.state import LectureProgress
from emulators.vtu.stats import LectureStats, StudentStats

__all__ = [
    "Catalog",
    "Course",
    "EmulatorSettings",
    "Lecture",
    "LectureProgress",
    "LectureStats",
    "Lesson",
    "Student",
    "StudentStats",
    "VTUEmulator",
    "benchmark_course",
    "seed_catalog",
]
