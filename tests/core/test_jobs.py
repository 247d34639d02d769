"""The job registry: every entry is a real job function the workers can import."""

import importlib
import inspect

import pytest

from core import jobs


@pytest.mark.parametrize("name", sorted(jobs.REGISTERED))
def test_every_registered_job_imports_as_a_top_level_function(name):
    module, _, attribute = name.rpartition(".")
    function = getattr(importlib.import_module(module), attribute)
    assert inspect.isfunction(function) and function.__qualname__ == attribute


def test_no_job_name_is_spelled_out_outside_the_registry():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for package in ("core", "bot", "workers")
        for path in (root / package).rglob("*.py")
        if path != root / "core" / "jobs.py" and '"workers.jobs.' in path.read_text()
    ]
    assert offenders == []
