"""`autopilot complete` as a person meets it: no traceback on any way out, a word before every
wait, and each message saying what happens next. The real CLI against the VTU stand-in."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time

import pytest

from config import Settings
from core.vtu import Credentials, RetryPolicy
from emulators.vtu.server import VTUEmulator
from launcher import complete, main
from tests.core.conftest import EMAIL, PASSWORD, small_catalog
from tests.workers.conftest import SMALL

MASKED = "s•••@vtu.test"


def cli(vtu: VTUEmulator, *args: str, stdin: int | None = subprocess.DEVNULL, **env: str):
    """`autopilot complete ARGS` as its own process, with no terminal to ask at."""
    return subprocess.Popen(
        [sys.executable, "-m", "launcher", "complete", *args],
        env={**os.environ, "VTU_BASE_URL": vtu.base_url, "VTU_RATE_LIMIT": "200", **env},
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # no controlling terminal: getpass falls back to stdin
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # Ctrl-C works
    )


@pytest.fixture
def quick_retries(monkeypatch):
    """Three attempts a second apart at most, so giving up takes two seconds, not fifteen."""
    monkeypatch.setattr(complete, "RETRY", RetryPolicy(attempts=3, base_s=1.0, cap_s=1.0))


@pytest.fixture
def as_student(monkeypatch, vtu):
    monkeypatch.setenv("VTU_BASE_URL", vtu.base_url)
    monkeypatch.setenv("VTU_RATE_LIMIT", "200")
    monkeypatch.setenv("VTU_PASSWORD", PASSWORD)


def lines_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--course", SMALL, "--email", EMAIL], "no VTU password: the input is closed"),
        (["--course", SMALL], "no VTU email: the input is closed"),
    ],
)
def test_a_closed_stdin_at_a_prompt_says_how_to_pass_it_and_exits_2(vtu, args, words):
    child = cli(vtu, *args)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 2, err
    assert words in err and "Traceback" not in err
    assert "VTU_PASSWORD" in err or "VTU_EMAIL" in err
    assert "run `autopilot complete` in a terminal" in err
    assert vtu.requests_total == 0


def test_a_password_piped_in_is_read(vtu):
    child = cli(vtu, "--course", SMALL, "--email", EMAIL, stdin=subprocess.PIPE)
    _, err = child.communicate(f"{PASSWORD}\n", timeout=120)
    assert child.returncode == 0, err
    assert PASSWORD not in err


def test_an_empty_password_is_refused_before_any_request(vtu):
    child = cli(vtu, "--course", SMALL, "--email", EMAIL, stdin=subprocess.PIPE)
    _, err = child.communicate("\n", timeout=60)
    assert child.returncode == 2 and "no VTU password given" in err
    assert vtu.requests_total == 0


def test_ctrl_c_mid_run_exits_130_and_says_the_progress_is_kept(vtu):
    vtu.settings.time_scale = 10.0  # slow enough to be caught mid-course
    child = cli(vtu, "--course", SMALL, "--email", EMAIL, VTU_PASSWORD=PASSWORD)
    deadline = time.monotonic() + 60
    while vtu.stats(EMAIL).heartbeats < 2:
        assert time.monotonic() < deadline and child.poll() is None, "the run never got going"
        time.sleep(0.1)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, err
    assert "interrupted; progress so far is kept" in err and "Traceback" not in err


def test_exit_codes_are_in_the_help_130_included(capsys):
    with pytest.raises(SystemExit):
        main(["complete", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for code in ("0 complete", "1 not complete", "2 bad settings", "3 login refused"):
        assert code in help_text
    assert "4 course not found" in help_text and "130 interrupted" in help_text


def test_an_unknown_course_lists_the_enrolled_slugs_with_their_titles(as_student, capsys):
    assert main(["complete", "--course", "1-nope", "--email", EMAIL]) == 4
    err = capsys.readouterr().err
    assert "not among your VTU enrollments" in err and "(1-nope)" in err
    assert "Your enrolled courses (use the slug with --course):" in err
    for slug, title in ((SMALL, "Control Systems"), ("1-benchmark-166", "")):
        (line,) = [line for line in err.splitlines() if line.strip().startswith(slug)]
        assert title in line and "% watched" in line


def test_it_speaks_at_once_then_before_each_retry_then_says_it_stopped(
    as_student, vtu, quick_retries, capsys
):
    vtu.settings.error_rate = 1.0  # every answer a 500, 502 or 503
    assert main(["complete", "--course", SMALL, "--email", EMAIL]) == 1
    lines = lines_of(capsys.readouterr().err)
    host = vtu.base_url.split("/")[2]
    assert lines[0] == f"Logging in to {host} as {MASKED}…"  # before the first request
    assert lines[-2].startswith(f"{host} answered 50") and "(attempt 3 of 3)…" in lines[-2]
    assert lines[-1].startswith(f"Stopped: {host} (VTU_BASE_URL) answered 50")
    assert lines[-1].endswith(
        "3 times in a row: the platform is down or overloaded. AutoPilot tries nothing more "
        "now; nothing was sent. Run the same command again when it answers."
    )
    assert "It will be retried" not in "\n".join(lines) and "Traceback" not in "\n".join(lines)


def test_a_platform_that_cannot_be_reached_is_named(monkeypatch, quick_retries, capsys):
    with VTUEmulator(small_catalog()) as gone:
        base_url = gone.base_url
    monkeypatch.setenv("VTU_BASE_URL", base_url)
    monkeypatch.setenv("VTU_PASSWORD", PASSWORD)
    assert main(["complete", "--course", SMALL, "--email", EMAIL]) == 1
    err = capsys.readouterr().err
    host = base_url.split("/")[2]
    assert f"{host} could not be reached (ConnectError); trying again in" in err
    assert f"Stopped: {host} (VTU_BASE_URL) could not be reached (ConnectError)" in err
    assert "VTU_BASE_URL names the wrong address" in err and "Traceback" not in err


def test_an_outage_mid_run_stops_it_saying_the_credit_is_kept(vtu, quick_retries):
    settings = Settings(vtu_base_url=vtu.base_url, vtu_rate_limit=200.0)
    out = io.StringIO()

    async def scenario() -> int:
        async def outage_after_some_credit() -> None:
            while vtu.stats(EMAIL).heartbeats < 2:
                await asyncio.sleep(0.05)
            vtu.settings.error_rate = 1.0

        outage = asyncio.create_task(outage_after_some_credit())
        code = await complete.complete(settings, Credentials(EMAIL, PASSWORD), SMALL, out)
        outage.cancel()
        return code

    vtu.settings.time_scale = 20.0
    assert asyncio.run(scenario()) == 1
    last = lines_of(out.getvalue())[-1]
    assert "the platform is down or overloaded" in last
    assert last.endswith(
        "what it credited so far stays credited. Run the same command again later to resume."
    )


def test_an_address_that_is_not_the_platforms_api_says_to_check_vtu_base_url(
    as_student, vtu, monkeypatch, capsys
):
    monkeypatch.setenv("VTU_BASE_URL", vtu.base_url.removesuffix("/api/v1") + "/not-the-api")
    assert main(["complete", "--course", SMALL, "--email", EMAIL]) == 1
    err = capsys.readouterr().err
    assert "answered in a way AutoPilot does not understand" in err
    assert "Check that VTU_BASE_URL is the platform's API root (…/api/v1)" in err
    assert "The team has been told" not in err and "Traceback" not in err


def test_an_account_without_courses_says_so_and_exits_0(monkeypatch, capsys):
    catalog = small_catalog()
    catalog.add_student("nobody@vtu.test", PASSWORD, "1VT23CS099", [])
    with VTUEmulator(catalog) as vtu:
        monkeypatch.setenv("VTU_BASE_URL", vtu.base_url)
        monkeypatch.setenv("VTU_PASSWORD", PASSWORD)
        assert main(["complete", "--email", "nobody@vtu.test"]) == 0
    assert "This account is not enrolled in any course on VTU." in capsys.readouterr().err
