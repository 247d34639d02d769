"""The entry point: `autopilot --version`, and the `.env` file the README promises."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import pytest

from config import Settings
from config.settings import _ENV_NAMES
from launcher import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def environ(monkeypatch):
    """A private copy of the environment for `main` to fill from the env file."""
    copy = dict(os.environ)
    copy.pop("AUTOPILOT_ENV_FILE")
    monkeypatch.setattr(os, "environ", copy)
    return copy


def test_version_is_the_project_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert capsys.readouterr().out.strip() == f"autopilot {expected}"


def test_dot_env_is_read_and_the_environment_wins(
    environ, redis_url, tmp_path, monkeypatch, capsys
):
    (tmp_path / ".env").write_text(
        "# settings for this machine\n"
        f"export REDIS_URL={redis_url}\n"
        'VTU_BASE_URL="http://from-the-file.test/api/v1"\n'
        "AUTOPILOT_MAX_ACTIVE_RUNS=7  # a comment\n"
    )
    monkeypatch.chdir(tmp_path)
    environ["VTU_BASE_URL"] = "http://from-the-environment.test/api/v1"
    assert main(["status", "--json"]) == 0  # needs REDIS_URL, which only the file has
    assert json.loads(capsys.readouterr().out)["queues"]
    settings = Settings.from_env()
    assert settings.redis_url == redis_url
    assert settings.vtu_base_url == "http://from-the-environment.test/api/v1"
    assert settings.max_active_runs == 7


def test_autopilot_env_file_names_another_file(environ, redis_url, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prod.env").write_text(f"REDIS_URL={redis_url}\n")
    environ["AUTOPILOT_ENV_FILE"] = str(tmp_path / "prod.env")
    assert main(["status"]) == 0
    assert "workers alive" in capsys.readouterr().out


def test_env_file_mistakes_are_named(environ, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    environ["AUTOPILOT_ENV_FILE"] = str(tmp_path / "missing.env")
    assert main(["status"]) == 2
    assert "AUTOPILOT_ENV_FILE" in capsys.readouterr().err
    del environ["AUTOPILOT_ENV_FILE"]
    (tmp_path / ".env").write_text("REDIS_URL\n")
    assert main(["status"]) == 2
    assert ".env:1: expected KEY=value" in capsys.readouterr().err


def test_env_example_lists_every_setting():
    example = (ROOT / ".env.example").read_text()
    listed = {line.lstrip("# ").split("=", 1)[0] for line in example.splitlines() if "=" in line}
    assert set(_ENV_NAMES.values()) | {"VTU_EMAIL", "VTU_PASSWORD"} <= listed
