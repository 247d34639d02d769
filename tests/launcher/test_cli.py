import pytest
from cryptography.fernet import Fernet
from rq import Queue
from rq.registry import FailedJobRegistry

from core import jobs
from core.runs import RunState
from core.runs.queues import FAST_QUEUE, RUNS_QUEUE, JSONJob, fail_without_running
from core.vault import SecretBox, Vault, fingerprint, new_key
from core.vtu import Credentials
from launcher import build_parser, main
from tests.core.conftest import EMAIL, PASSWORD
from tests.workers.conftest import SMALL, STUDENT

CREDENTIALS = Credentials(EMAIL, PASSWORD)


def env_for(monkeypatch, settings):
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("VTU_BASE_URL", settings.vtu_base_url)
    monkeypatch.setenv("AUTOPILOT_SECRET_KEYS", ",".join(settings.secret_keys))


def test_every_command_explains_itself(capsys):
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name in (
        "up",
        "demo",
        "complete",
        "worker",
        "scheduler",
        "dashboard",
        "keys",
        "dlq",
        "emulator",
    ):
        with pytest.raises(SystemExit) as exited:
            main([name, "--help"])
        assert exited.value.code == 0
        assert commands[name].description
    assert "usage: autopilot" in capsys.readouterr().out


def test_keys_new_prints_a_fernet_key(capsys):
    assert main(["keys", "new"]) == 0
    Fernet(capsys.readouterr().out.strip().encode())


def test_keys_rotate_re_encrypts_for_the_new_first_key(monkeypatch, settings, redis, capsys):
    old = settings.secret_keys[0]
    Vault(redis, SecretBox([old])).save_credentials(STUDENT, Credentials(EMAIL, PASSWORD))
    env_for(monkeypatch, settings)
    main(["keys", "new"])
    new = capsys.readouterr().out.strip()
    monkeypatch.setenv("AUTOPILOT_SECRET_KEYS", f"{new},{old}")
    assert main(["keys", "rotate"]) == 0
    assert "Re-encrypted 1" in capsys.readouterr().out
    assert Vault(redis, SecretBox([new])).credentials(STUDENT) == Credentials(EMAIL, PASSWORD)


def test_keys_rotate_with_a_wrong_old_key_changes_nothing_and_says_what_is_missing(
    monkeypatch, settings, redis, capsys
):
    old, wrong, new = settings.secret_keys[0], new_key(), new_key()
    for number in range(4):
        Vault(redis, SecretBox([old])).save_credentials(f"telegram:{number}", CREDENTIALS)
    stored = {key: redis.hgetall(key) for key in redis.scan_iter(match="autopilot:vault:*")}
    env_for(monkeypatch, settings)
    monkeypatch.setenv("AUTOPILOT_SECRET_KEYS", f"{new},{wrong}")

    assert main(["keys", "rotate"]) == 1

    out, err = capsys.readouterr()
    assert {key: redis.hgetall(key) for key in redis.scan_iter(match="autopilot:vault:*")} == stored
    assert "nothing was changed: 4 stored secret(s)" in err and "Traceback" not in err + out
    assert f"under key {fingerprint(old)}" in err and "AUTOPILOT_SECRET_KEYS" in err
    for key in (old, wrong, new):
        assert key[:12] not in out + err
    assert main(["keys", "list"]) == 0
    assert capsys.readouterr().out.split() == [
        "1.", fingerprint(new), "(encrypts", "and", "decrypts)",
        "2.", fingerprint(wrong), "(decrypts)",
    ]


def test_worker_refuses_to_start_without_keys(monkeypatch, settings, capsys):
    env_for(monkeypatch, settings)
    monkeypatch.delenv("AUTOPILOT_SECRET_KEYS")
    assert main(["worker", "--burst"]) == 2
    assert "AUTOPILOT_SECRET_KEYS is not set" in capsys.readouterr().err


def test_worker_needs_redis_url(monkeypatch, settings, capsys):
    env_for(monkeypatch, settings)
    monkeypatch.delenv("REDIS_URL")
    assert main(["worker", "--burst"]) == 2
    assert "REDIS_URL is not set" in capsys.readouterr().err


def test_dashboard_refuses_to_run_without_a_password(monkeypatch, settings, capsys):
    env_for(monkeypatch, settings)
    assert main(["dashboard"]) == 2
    assert "AUTOPILOT_DASHBOARD_PASSWORD" in capsys.readouterr().err


def test_dlq_lists_retries_and_purges_with_reasons(
    monkeypatch, settings, ctx, redis, vtu, drain, capsys
):
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, "wrong"))
    run_id = ctx.runs.submit(STUDENT, SMALL).run.id
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    env_for(monkeypatch, settings)
    assert main(["dlq", "list"]) == 0
    listing = capsys.readouterr().out
    assert "did not accept that email and password" in listing and "1 failed job" in listing
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, PASSWORD))  # the student fixed it
    assert main(["dlq", "retry"]) == 0
    assert ctx.runs.get(STUDENT, run_id).state is RunState.QUEUED
    drain(lambda: not ctx.runs.get(STUDENT, run_id).state.active)
    assert ctx.runs.get(STUDENT, run_id).state is RunState.COMPLETED
    ctx.vault.save_credentials(STUDENT, Credentials(EMAIL, "wrong again"))
    run = ctx.runs.submit(STUDENT, SMALL).run
    drain(lambda: not ctx.runs.get(STUDENT, run.id).state.active)
    assert main(["dlq", "purge"]) == 0
    assert FailedJobRegistry(RUNS_QUEUE, connection=redis, job_class=JSONJob).count == 0


def test_dlq_lists_a_job_refused_as_not_json_with_its_reason(
    monkeypatch, redis_url, redis, capsys
):
    pickled = Queue(FAST_QUEUE, connection=redis).enqueue("os.getcwd")  # RQ's default: pickle
    job = JSONJob.fetch(pickled.id, connection=redis)
    fail_without_running(job, jobs.refusal(job) or "")  # as a worker refuses it
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert main(["dlq", "list"]) == 0
    out, err = capsys.readouterr()
    assert pickled.id in out and "its data is not a JSON job" in out
    assert "1 failed job" in out and "Traceback" not in out + err


@pytest.mark.parametrize(
    ("course", "password", "code", "words"),
    [
        (SMALL, PASSWORD, 0, "skipped"),
        (SMALL, "wrong", 3, "did not accept"),
        ("1-nope", PASSWORD, 4, "not among your VTU enrollments"),
    ],
)
def test_complete_command_exit_codes(monkeypatch, vtu, course, password, code, words, capsys):
    monkeypatch.setenv("VTU_BASE_URL", vtu.base_url)
    monkeypatch.setenv("VTU_RATE_LIMIT", "200")
    monkeypatch.setenv("VTU_PASSWORD", password)
    assert main(["complete", "--course", course, "--email", EMAIL]) == code
    assert words in capsys.readouterr().err


def test_complete_command_tells_a_locked_account_from_a_wrong_password(monkeypatch, vtu, capsys):
    vtu.catalog.student(EMAIL).locked = True
    monkeypatch.setenv("VTU_BASE_URL", vtu.base_url)
    monkeypatch.setenv("VTU_PASSWORD", PASSWORD)
    assert main(["complete", "--course", SMALL, "--email", EMAIL]) == 3
    err = capsys.readouterr().err
    assert "locked your account" in err and "Unlock it on online.vtu.ac.in" in err
    assert "did not accept" not in err


def test_complete_command_says_platform_down_and_exits_1(monkeypatch, vtu, capsys):
    vtu.settings.error_rate = 1.0
    monkeypatch.setenv("VTU_BASE_URL", vtu.base_url)
    monkeypatch.setenv("VTU_PASSWORD", PASSWORD)
    from core.vtu import RetryPolicy

    monkeypatch.setattr(RetryPolicy.__init__, "__defaults__", (2, 0.0, 0.0))  # fail fast
    assert main(["complete", "--course", SMALL, "--email", EMAIL]) == 1
    assert "down or overloaded" in capsys.readouterr().err


def test_the_terminal_bar_prints_resumed_and_stuck_notes_and_each_whole_percent():
    import dataclasses
    import io

    from core.engine import Progress
    from launcher.complete import TerminalBar

    out = io.StringIO()
    bar = TerminalBar(out)
    start = Progress("Maths", done=0, total=4, credited_s=1380, needed_s=6000, resumed_s=1380)
    bar.show(start)
    bar.show(dataclasses.replace(start, credited_s=1390))  # still 23 %: no new line
    bar.show(dataclasses.replace(start, credited_s=1500))  # 25 %
    stuck = "VTU credited nothing for 3 minutes; sending at real-time pace from now on."
    bar.show(dataclasses.replace(start, credited_s=1500, stuck=stuck))
    bar.show(dataclasses.replace(start, credited_s=1500, stuck=stuck))
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["Maths: 4 lectures", "Resumed: 23 min of 1 h 40 min already credited"]
    assert [line for line in lines if "lectures ·" in line and "23 %" in line] == [lines[2]]
    assert sum("25 %" in line for line in lines) == 1
    assert lines.count(f"⚠ Not progressing: {stuck}") == 1
