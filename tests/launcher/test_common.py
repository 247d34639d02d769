"""What each command a person runs says when its Redis or its keys are wrong: one line that
names the setting, exit 2, no traceback, and never the password."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

import pytest

from core.vault import new_key
from launcher import main
from tests.core.conftest import EMAIL, PASSWORD

COMMANDS = [
    ["status"],
    ["status", "--json"],
    ["dlq", "list"],
    ["dlq", "retry"],
    ["dlq", "purge", "some-job"],
    ["keys", "rotate"],
    ["complete", "--course", "1-small-course", "--email", EMAIL],
]
"""Commands a person waits on: they answer at once."""
SERVICES = [["dashboard"], ["metrics", "--port", "0"]]
"""Service processes: they first ride out a Redis restart (about 5 s), so fewer cases."""


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wrong_urls(redis_url: str) -> dict[str, tuple[str, str]]:
    """Each kind of wrong REDIS_URL, with what the answer must say."""
    url = urlparse(redis_url)
    address = f"{url.hostname}:{url.port}"
    return {
        "unreachable": (
            f"redis://:{url.password}@127.0.0.1:{closed_port()}/0",
            "(REDIS_URL) is not answering (",
        ),
        "wrong password": (
            f"redis://:not-the-password@{address}/0",
            f"Redis at {address}/0 (REDIS_URL) refused the login: put its password in the URL",
        ),
        "no password": (
            f"redis://{address}/0",
            f"Redis at {address}/0 (REDIS_URL) refused the login",
        ),
        "no such database": (
            f"redis://:{url.password}@{address}/99",
            f"Redis at {address}/99 (REDIS_URL) failed: DB index is out of range",
        ),
    }


CASES = ["unreachable", "wrong password", "no password", "no such database"]


@pytest.mark.parametrize(
    ("command", "case"),
    [
        *[(command, case) for command in COMMANDS for case in CASES],
        *[(command, case) for command in SERVICES for case in ("unreachable", "no such database")],
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else value,
)
def test_a_wrong_redis_url_gets_one_line_naming_it(command, case, redis_url, monkeypatch, capsys):
    url, words = wrong_urls(redis_url)[case]
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("AUTOPILOT_SECRET_KEYS", new_key())
    monkeypatch.setenv("AUTOPILOT_DASHBOARD_PASSWORD", "dash-pass-123")
    monkeypatch.setenv("VTU_PASSWORD", PASSWORD)
    monkeypatch.setenv("VTU_BASE_URL", f"http://127.0.0.1:{closed_port()}/api/v1")
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert words in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in out + err
    for secret in (urlparse(redis_url).password, "not-the-password"):
        assert secret not in out + err


@pytest.mark.parametrize("command", [["keys", "list"], ["keys", "rotate"]], ids=" ".join)
@pytest.mark.parametrize(
    ("keys", "words"),
    [
        ("", "AUTOPILOT_SECRET_KEYS is not set"),
        ("not-a-key", "AUTOPILOT_SECRET_KEYS: key 1 is not a Fernet key"),
        (f"{new_key()},short", "AUTOPILOT_SECRET_KEYS: key 2 is not a Fernet key"),
    ],
    ids=["unset", "not a key", "a good key then a short one"],  # the same in every xdist worker
)
def test_a_wrong_key_gets_one_line_naming_which(
    command, keys, words, redis_url, monkeypatch, capsys
):
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("AUTOPILOT_SECRET_KEYS", keys)
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in out + err
    assert "not-a-key" not in err


def test_retrying_a_job_that_is_not_in_the_dead_letter_queue_says_so(
    redis_url, monkeypatch, capsys
):
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert main(["dlq", "retry", "no-such-job"]) == 1
    out, err = capsys.readouterr()
    assert "no-such-job is not in the dead-letter queue" in out and "Traceback" not in out + err
