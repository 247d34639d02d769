"""Bad and odd input on Discord: each answered ephemerally, none reaching another student."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from bot.discord import answers
from bot.discord import texts as discord_texts
from core.conversation import texts
from core.keys import pending_login
from emulators.discord import DiscordEmulator
from emulators.vtu.catalog import Catalog
from emulators.vtu.server import VTUEmulator
from emulators.vtu.settings import EmulatorSettings
from tests.bot.discord.conftest import OTHER_USER, STUDENT_USER
from tests.bot.discord.helpers import command, latest, log_in, open_picker, start_course
from tests.core.conftest import EMAIL, PASSWORD

STUDENT = "discord:1001"


def test_commands_before_login(discord_api: DiscordEmulator, bot, ctx):
    assert command(discord_api, STUDENT_USER, "courses").content == texts.NOT_LOGGED_IN
    assert command(discord_api, STUDENT_USER, "run").content == texts.PICK_FIRST
    assert command(discord_api, STUDENT_USER, "status").content == texts.NO_RUNS
    assert command(discord_api, STUDENT_USER, "cancel").content == texts.NOTHING_TO_CANCEL
    welcome = command(discord_api, STUDENT_USER, "help")
    assert welcome.ephemeral and "encrypted" in welcome.content
    assert discord_api.failed_interactions == []


def test_the_modal_says_the_password_is_stored_encrypted_and_odd_logins_are_refused(
    discord_api: DiscordEmulator, bot, ctx, drain
):
    discord_api.invoke_command(STUDENT_USER, "login")
    modal = discord_api.wait_for(lambda: discord_api.open_modal(STUDENT_USER))
    assert "encrypted" in str(modal["components"]).lower()
    answer = log_in(discord_api, drain, STUDENT_USER, email="not an email")
    assert answer.ephemeral and answer.content == texts.BAD_EMAIL_FORM  # nothing to delete
    answer = log_in(discord_api, drain, STUDENT_USER, password="wrong password")
    assert answer.content.startswith("Login failed: VTU did not accept")
    assert not ctx.vault.has_credentials(STUDENT)
    assert not ctx.vault.has_credentials(pending_login(STUDENT))
    assert "wrong password" not in discord_api.everything_sent()


def test_the_platform_down(discord_api: DiscordEmulator, vtu: VTUEmulator, bot, ctx, drain):
    log_in(discord_api, drain, STUDENT_USER)
    vtu.settings = dataclasses.replace(vtu.settings, error_rate=1.0)
    waiting = command(discord_api, STUDENT_USER, "courses")
    retrying = "the VTU platform is not answering, so I will try again"
    drain(lambda: retrying in discord_api.message(waiting.id).content)
    answer = discord_api.message(waiting.id)
    assert answer.ephemeral and answer.content.startswith("Fetching your courses")


def open_picker_or_failure(discord_api: DiscordEmulator, drain):
    waiting = command(discord_api, STUDENT_USER, "courses")
    drain(lambda: "Fetching" not in discord_api.message(waiting.id).content)
    return discord_api.wait_for(
        lambda: (m := discord_api.message(waiting.id)) and "Fetching" not in m.content and m
    )


REFUSALS = (texts.NOT_YOURS, texts.BUTTON_INVALID)
"""What a press on forged data or another's run is told."""


def test_forged_and_stale_custom_ids_touch_nothing(
    discord_api: DiscordEmulator, bot, ctx, drain, redis
):
    log_in(discord_api, drain, STUDENT_USER)
    progress = start_course(discord_api, drain, STUDENT_USER, index=1)  # the long course
    run = ctx.runs.status(STUDENT)[0]
    forged = ("cancel:../../x", "explode:1", "x" * 100, "cancel:" + "0" * 16, "page:x", "")
    for custom_id in forged:
        before = {m.id for m in discord_api.seen_by(STUDENT_USER)}
        pressed = discord_api.press_button(STUDENT_USER, progress.id, custom_id, strict=False)
        assert discord_api.wait_for_interaction(pressed).acknowledged
        discord_api.wait_for_message(
            STUDENT_USER, lambda m, b=before: m.id not in b and m.content in REFUSALS
        )
    assert ctx.runs.get(STUDENT, run.id).state.active
    picker = open_picker(discord_api, drain, STUDENT_USER)
    refused = (texts.NOT_YOURS, texts.BUTTON_INVALID)
    for value, notices in (
        ("start:", refused),
        ("cancel:" + run.id, refused),
        ("pick:7", (texts.PICKER_STALE,)),
    ):
        before = {m.id for m in discord_api.seen_by(STUDENT_USER)}
        picked = discord_api.pick_select(STUDENT_USER, picker.id, [value], strict=False)
        assert discord_api.wait_for_interaction(picked).acknowledged
        discord_api.wait_for_message(
            STUDENT_USER, lambda m, b=before, n=notices: m.id not in b and m.content in n
        )
    assert ctx.runs.get(STUDENT, run.id).state.active
    redis.delete(*redis.keys("autopilot:picker:*"))
    before = {m.id for m in discord_api.seen_by(STUDENT_USER)}
    discord_api.pick_select(STUDENT_USER, picker.id, ["pick:0"])
    discord_api.wait_for_message(
        STUDENT_USER, lambda m: m.id not in before and m.content == texts.PICKER_STALE
    )
    assert discord_api.failed_interactions == []


def test_a_closed_dm_gets_an_ephemeral_hint(discord_api: DiscordEmulator, bot, ctx, drain):
    log_in(discord_api, drain, STUDENT_USER)
    discord_api.close_dms(STUDENT_USER)
    picker = open_picker(discord_api, drain, STUDENT_USER)
    discord_api.pick_select(STUDENT_USER, picker.id, ["pick:0"])
    discord_api.wait_for(lambda: "✓" in discord_api.message(picker.id).content)
    discord_api.press_button(STUDENT_USER, picker.id, "▶ Start")
    hint = discord_api.wait_for(lambda: latest(discord_api, STUDENT_USER, "Privacy Settings"))
    assert hint.ephemeral and hint.content == discord_texts.DMS_CLOSED
    assert [m for m in discord_api.dm(STUDENT_USER) if not m.ephemeral] == []
    assert len(ctx.runs.status(STUDENT)) == 1


def test_a_slow_answer_comes_by_dm(
    discord_api: DiscordEmulator, bot, ctx, drain, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(answers, "ANSWER_WAIT_S", 0.2)
    interaction = discord_api.invoke_command(STUDENT_USER, "login")
    discord_api.wait_for_interaction(interaction)
    discord_api.submit_modal(STUDENT_USER, {"email": EMAIL, "password": PASSWORD})
    still = discord_api.wait_for(lambda: latest(discord_api, STUDENT_USER, "Still working"))
    assert still.ephemeral
    drain(lambda: latest(discord_api, STUDENT_USER, "Logged in") is not None)
    late = latest(discord_api, STUDENT_USER, "Logged in")
    assert late is not None and not late.ephemeral
    assert late.channel_id == discord_api.dm_channel_id(STUDENT_USER)


def test_the_other_students_cannot_use_my_forget_or_cancel_menus(
    discord_api: DiscordEmulator, bot, ctx, drain
):
    log_in(discord_api, drain, STUDENT_USER)
    start_course(discord_api, drain, STUDENT_USER, index=1)
    menu = command(discord_api, STUDENT_USER, "cancel")
    assert menu.buttons and menu.ephemeral
    run = ctx.runs.status(STUDENT)[0]
    pressed = discord_api.press_button(OTHER_USER, menu.id, f"cancel:{run.id}", strict=False)
    assert discord_api.wait_for_interaction(pressed).acknowledged
    discord_api.wait_for(lambda: latest(discord_api, OTHER_USER, texts.NOT_YOURS))
    assert ctx.runs.get(STUDENT, run.id).state.active
    confirm = command(discord_api, STUDENT_USER, "forget")
    discord_api.press_button(STUDENT_USER, confirm.id, texts.BUTTON_FORGET_YES)
    discord_api.wait_for(lambda: "deleted" in discord_api.message(confirm.id).content)
    assert discord_api.message(confirm.id).buttons == []
    assert not ctx.vault.has_credentials(STUDENT)
    assert ctx.runs.status(STUDENT) == []


class TestALongCourseList:
    COURSES = 60

    @pytest.fixture
    def vtu(self) -> Iterator[VTUEmulator]:
        catalog = Catalog()
        slugs = [f"{n}-course" for n in range(self.COURSES)]
        for number, slug in enumerate(slugs):
            catalog.add_course(slug, f"Course number {number:02d}", [[200, 0]])
        catalog.add_student(EMAIL, PASSWORD, "1VT23CS001", slugs)
        settings = EmulatorSettings(rate_limit_requests=None, time_scale=1200.0)
        with VTUEmulator(catalog, settings) as emulator:
            yield emulator

    def test_is_paged_25_options_at_a_time(self, discord_api: DiscordEmulator, bot, ctx, drain):
        log_in(discord_api, drain, STUDENT_USER)
        picker = open_picker(discord_api, drain, STUDENT_USER)
        assert picker.select_values() == [f"pick:{i}" for i in range(25)]
        assert picker.selects[0]["custom_id"] == "picker:0"
        assert "Next ▶" in picker.button_labels and "▶ Start" in picker.button_labels
        discord_api.press_button(STUDENT_USER, picker.id, "Next ▶")
        discord_api.wait_for(lambda: discord_api.message(picker.id).select_values()[0] == "pick:25")
        discord_api.press_button(STUDENT_USER, picker.id, "Next ▶")
        third = discord_api.wait_for(
            lambda: (m := discord_api.message(picker.id)).select_values()[0] == "pick:50" and m
        )
        assert third.select_values() == [f"pick:{i}" for i in range(50, 60)]
        assert next(b for b in third.buttons if b["label"] == "Next ▶").get("disabled")
        discord_api.pick_select(STUDENT_USER, picker.id, ["pick:55"])
        discord_api.wait_for(lambda: "✓ Course number 55" in discord_api.message(picker.id).content)
        assert discord_api.message(picker.id).selects[0]["custom_id"] == "picker:2"
        discord_api.press_button(STUDENT_USER, picker.id, "▶ Start")
        progress = discord_api.wait_for(lambda: latest(discord_api, STUDENT_USER, "Queued"))
        assert "Course number 55" in progress.content
        assert all(len(m.components) <= 5 for m in discord_api.seen_by(STUDENT_USER))
        assert discord_api.failed_interactions == []
