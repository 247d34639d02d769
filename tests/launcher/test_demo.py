"""`autopilot demo` end to end: embedded Redis, both stand-ins, the bot, worker processes."""

from __future__ import annotations

import pytest

from launcher import main


@pytest.mark.timeout(90)
def test_demo_plays_the_student_through_to_a_completed_run(monkeypatch, capsys):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # the bot sets it; keep it out of other tests
    assert main(["demo", "--timeout", "60"]) == 0
    out = capsys.readouterr().out
    assert "you: /start" in out and "you: /run" in out
    assert "Logged in as s•••@vtu.test" in out
    assert "(the bot deleted your message)" in out
    assert "pass-1-word" not in out  # the password is shown masked
    progress = out[out.index("⏳ Queued") :]
    assert "bot, edited:\n       ✅ Completed: Data Structures (demo, 12 lectures)" in progress
    assert "Lectures: 11/11 done" in progress
    assert "0 answered 429" in out
    assert "server errors survived" in out


def test_engine_only_demo_stays_reachable(capsys):
    assert main(["demo", "--engine-only", "--time-scale", "2000", "--rate", "200"]) == 0
    assert "rate-limit answers" in capsys.readouterr().err


@pytest.mark.timeout(90)
def test_demo_through_the_discord_bot(capsys):
    from emulators.discord.discordpy import import_discord

    import_discord()
    assert main(["demo", "--bot", "discord", "--timeout", "60"]) == 0
    out = capsys.readouterr().out
    assert "you: /login" in out and "you: /run" in out
    assert "Logged in as s•••@vtu.test" in out and "(only you can see this)" in out
    assert "pass-1-word" not in out
    progress = out[out.index("⏳ Queued") :]
    assert "bot, edited (DM):\n       ✅ Completed: Data Structures" in progress
    assert "0 answered 429" in out and ", 0 failed." in out
