"""The job registry: every registered name imports to a function the workers can call."""

from __future__ import annotations

import importlib

import pytest

from core import jobs


@pytest.mark.parametrize("name", sorted(jobs.REGISTERED))
def test_each_registered_job_imports(name: str):
    module_name, _, function_name = name.rpartition(".")
    function = getattr(importlib.import_module(module_name), function_name)
    assert callable(function)


def test_the_registry_names_every_constant():
    constants = {v for k, v in vars(jobs).items() if k.isupper() and isinstance(v, str)}
    assert constants == set(jobs.REGISTERED)
