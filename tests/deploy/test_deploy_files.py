"""The deployment files: each process they start is a command `autopilot` really accepts, and
the compose file keeps its promises (persistence, loopback-only ports, secrets from .env)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from launcher import build_parser
from tests.deploy import yaml_subset

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml_subset.load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
AUTOPILOT_SERVICES = sorted(
    name for name, s in SERVICES.items() if s.get("image") == "vtu-autopilot"
)
PROCFILE = [
    line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
]


def subcommands() -> set[str]:
    return set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


def accepts(arguments: list[str]) -> None:
    """Fails the test unless `autopilot ARGUMENTS` parses (the subcommand, every flag)."""
    if arguments[0] == "discord" and "discord" not in subcommands():
        pytest.skip("`autopilot discord` is not part of this version yet")
    try:
        build_parser().parse_args(arguments)
    except SystemExit as exited:
        pytest.fail(f"autopilot {' '.join(arguments)} is refused (exit {exited.code})")


def test_the_compose_file_has_every_process():
    assert {"redis", "worker", "scheduler", "telegram", "discord", "dashboard"} <= set(SERVICES)
    assert {"worker", "scheduler", "telegram", "discord", "dashboard"} <= set(AUTOPILOT_SERVICES)


@pytest.mark.parametrize("name", AUTOPILOT_SERVICES)
def test_each_service_runs_a_real_command_from_the_built_image(name):
    service = SERVICES[name]
    assert service["build"] == "." and service["image"] == "vtu-autopilot"
    assert isinstance(service["command"], list)
    accepts(service["command"])  # the image's entry point is `autopilot`


@pytest.mark.parametrize("name", AUTOPILOT_SERVICES)
def test_each_service_takes_secrets_from_the_env_file_and_talks_to_the_redis_service(name):
    service = SERVICES[name]
    assert service["env_file"] == [".env"]
    assert service["environment"] == {"REDIS_URL": "redis://redis:6379/0"}
    assert service["depends_on"] == ["redis"]
    assert service["restart"] == "unless-stopped"
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"(TOKEN|SECRET_KEYS|PASSWORD)\s*:", text)  # never a secret inline


def test_redis_persists_on_a_volume():
    redis = SERVICES["redis"]
    command = redis["command"]
    assert command[0] == "redis-server"
    assert command[command.index("--appendonly") + 1] == "yes"
    volume, _, mount = redis["volumes"][0].partition(":")
    assert mount == "/data" and volume in COMPOSE["volumes"]
    assert "ports" not in redis  # reachable only on the compose network


def test_published_ports_are_on_loopback_only():
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    dashboard = SERVICES["dashboard"]
    assert dashboard["ports"] == ["127.0.0.1:9181:9181"]
    assert dashboard["command"][dashboard["command"].index("--port") + 1] == "9181"


def test_workers_scale_and_bots_run_by_profile():
    worker = SERVICES["worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=N
    assert SERVICES["telegram"]["profiles"] == ["telegram"]
    assert SERVICES["discord"]["profiles"] == ["discord"]


def test_the_image_is_slim_non_root_and_installed_at_build_time():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim AS build"
    final_stage = instructions[max(i for i, x in enumerate(instructions) if x.startswith("FROM")) :]
    assert final_stage[0].startswith("FROM python:3.11-slim")
    users = [x.split()[1] for x in final_stage if x.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    entrypoint = next(x for x in final_stage if x.startswith("ENTRYPOINT"))
    assert json.loads(entrypoint.removeprefix("ENTRYPOINT")) == ["autopilot"]
    assert not any("pip" in x for x in final_stage if x.startswith(("CMD", "ENTRYPOINT")))
    assert any(x.startswith("RUN pip install") for x in instructions)


@pytest.mark.parametrize("process,command", PROCFILE, ids=[name for name, _ in PROCFILE])
def test_each_procfile_line_is_a_real_command(process, command):
    arguments = shlex.split(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command))
    assert arguments[0] == "autopilot"
    accepts(arguments[1:])


def test_the_procfile_runs_both_bots():
    assert {"worker", "scheduler", "telegram", "discord", "dashboard"} <= {p for p, _ in PROCFILE}


def test_the_reader_refuses_what_it_cannot_check():
    with pytest.raises(yaml_subset.UnsupportedYAML):
        yaml_subset.load("x: &anchor\n  a: 1\n")
    with pytest.raises(yaml_subset.UnsupportedYAML):
        yaml_subset.load("x:\n  - a: 1\n")
    assert yaml_subset.load('a: [b, "c, d"]  # note\ne:\n  - "127.0.0.1:1:1"\n') == {
        "a": ["b", "c, d"],
        "e": ["127.0.0.1:1:1"],
    }


def test_the_reader_agrees_with_pyyaml_when_it_is_installed():
    yaml = pytest.importorskip("yaml")
    assert yaml.safe_load((ROOT / "docker-compose.yml").read_text()) == COMPOSE
