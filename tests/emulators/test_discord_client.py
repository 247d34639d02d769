"""The Discord stand-in driven by the real discord.py client, as the bot will drive it:
login, gateway, command sync, ephemeral answers, modals, buttons, selects, deferrals and
follow-ups, DMs, channel message edits under the rate limits, 429s, deadlines, resume."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from emulators.discord import ClientThread, DiscordEmulator, DiscordSettings, pointed_at
from emulators.discord.discordpy import import_discord

import_discord()
import discord  # noqa: E402
from discord import app_commands  # noqa: E402

STUDENT = 4242
STRANGER = 5151
EDIT_ROUTE = "PATCH /channels/{channel_id}/messages/{message_id}"


class LoginModal(discord.ui.Modal, title="Log in to VTU"):
    email = discord.ui.TextInput(label="Email", custom_id="email")
    password = discord.ui.TextInput(label="Password (stored encrypted)", custom_id="password")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Logged in as {self.email.value}", ephemeral=True)


class OwnerPanel(discord.ui.View):
    def __init__(self, owner_id: int) -> None:
        super().__init__(timeout=None)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("This panel is not yours.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Refresh", custom_id="refresh")
    async def refresh(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="refreshed", view=self)

    @discord.ui.select(
        custom_id="course",
        options=[discord.SelectOption(label=f"Course {c}", value=c) for c in "abc"],
    )
    async def course(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.edit_message(content=f"picked {select.values[0]}", view=self)


class StandInBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=0.05,
        )
        self.tree = app_commands.CommandTree(self)
        self.late_errors: list[int] = []
        self.late_delay_s = 0.0
        tree = self.tree

        @tree.command(description="Answers pong, only to you")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

        @tree.command(description="Log in")
        async def login(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(LoginModal())

        @tree.command(description="A panel with buttons")
        async def panel(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("panel", view=OwnerPanel(interaction.user.id))

        @tree.command(description="Defers, then follows up")
        async def slow(interaction: discord.Interaction, lectures: int) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send(f"watched {lectures} lectures")

        @tree.command(description="Answers too late")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(self.late_delay_s)
            try:
                await interaction.response.send_message("too late")
            except discord.NotFound as error:
                self.late_errors.append(error.code)

    async def setup_hook(self) -> None:
        await self.tree.sync()


@pytest.fixture
def emu() -> Iterator[DiscordEmulator]:
    with (
        DiscordEmulator(settings=DiscordSettings()) as emulator,
        pointed_at(emulator.api_base_url, emulator.gateway_url),
    ):
        yield emulator
        assert emulator.internal_errors == []
        assert emulator.unknown_routes == []


@pytest.fixture
def bot(emu: DiscordEmulator) -> Iterator[ClientThread]:
    with ClientThread(StandInBot(), emu.token) as running:
        yield running


def client_of(bot: ClientThread) -> StandInBot:
    assert isinstance(bot.client, StandInBot)
    return bot.client


def test_connects_and_syncs_its_commands(emu: DiscordEmulator, bot: ClientThread) -> None:
    assert bot.client.user is not None and bot.client.user.id == emu.bot_id
    assert set(emu.commands()) == {"ping", "login", "panel", "slow", "late"}
    assert emu.gateway_connections[0].opened_with == "identify"
    assert bot.client.get_guild(emu.guild_id) is not None


def test_ephemeral_answer_is_seen_by_its_user_only(emu: DiscordEmulator, bot: ClientThread) -> None:
    interaction_id = emu.invoke_command(STUDENT, "ping", channel_id=emu.channel_id)

    answer = emu.wait_for_message(STUDENT, lambda m: m.content == "pong")

    assert answer.ephemeral and answer.visible_to == STUDENT
    assert emu.seen_by(STRANGER) == []
    record = emu.wait_for_interaction(interaction_id)
    assert not record.failed and record.response_type == 4
    assert record.ack_latency_s is not None and record.ack_latency_s < 3


def test_login_modal_round_trip_keeps_the_password_out_of_what_the_bot_sent(
    emu: DiscordEmulator, bot: ClientThread
) -> None:
    opened = emu.wait_for_interaction(emu.invoke_command(STUDENT, "login"))
    modal = emu.open_modal(STUDENT)

    emu.submit_modal(STUDENT, {"email": "ada@example.edu", "password": "hunter2-secret"})
    answer = emu.wait_for_message(STUDENT, lambda m: m.content.startswith("Logged in"))

    assert opened.response_type == 9
    assert modal is not None and modal["title"] == "Log in to VTU"
    assert answer.content == "Logged in as ada@example.edu" and answer.ephemeral
    assert emu.open_modal(STUDENT) is None
    assert "hunter2-secret" not in emu.everything_sent()


def test_buttons_and_selects_act_for_their_owner_only(
    emu: DiscordEmulator, bot: ClientThread
) -> None:
    emu.invoke_command(STUDENT, "panel", channel_id=emu.channel_id)
    panel = emu.wait_for_message(STRANGER, lambda m: m.content == "panel")

    emu.press_button(STRANGER, panel.id, "Refresh")
    refusal = emu.wait_for_message(STRANGER, lambda m: m.ephemeral)
    emu.press_button(STUDENT, panel.id, "Refresh")
    emu.wait_for_message(STUDENT, lambda m: m.id == panel.id and m.content == "refreshed")
    emu.pick_select(STUDENT, panel.id, ["b"])
    picked = emu.wait_for_message(STUDENT, lambda m: m.id == panel.id and m.content == "picked b")

    assert refusal.content == "This panel is not yours."
    assert emu.ephemeral(STUDENT) == []
    assert picked.history == ("panel", "refreshed", "picked b")
    assert picked.select_values("course") == ["a", "b", "c"]
    with pytest.raises(ValueError, match="not among the options"):
        emu.pick_select(STUDENT, panel.id, ["z"])


def test_deferred_answer_then_followup(emu: DiscordEmulator, bot: ClientThread) -> None:
    interaction_id = emu.invoke_command(STUDENT, "slow", {"lectures": 3})

    answer = emu.wait_for_message(STUDENT, lambda m: m.content.startswith("watched"))

    assert answer.content == "watched 3 lectures"
    assert answer.history == ("", "watched 3 lectures")  # the loading message, filled in
    assert answer.ephemeral and not answer.loading
    assert emu.interaction(interaction_id).response_type == 5
    with pytest.raises(ValueError, match="lectures"):
        emu.invoke_command(STUDENT, "slow", {"lectures": "three"})


def test_direct_messages_and_closed_dms(emu: DiscordEmulator, bot: ClientThread) -> None:
    async def send_dm(text: str) -> discord.Message:
        user = await bot.client.fetch_user(STUDENT)
        return await user.send(text)

    emu.add_user(STUDENT, "ada")
    bot.run(send_dm("Your run started"))
    emu.close_dms(STUDENT)
    with pytest.raises(discord.Forbidden) as refused:
        bot.run(send_dm("Your run finished"))

    assert [m.content for m in emu.dm(STUDENT)] == ["Your run started"]
    assert refused.value.code == 50007


def test_channel_message_edited_within_its_bucket(emu: DiscordEmulator, bot: ClientThread) -> None:
    async def progress() -> discord.Message:
        channel = bot.client.get_partial_messageable(emu.channel_id)
        message = await channel.send("0%")
        for percent in (25, 50, 75, 100):
            message = await message.edit(content=f"{percent}%")
        return message

    sent = bot.run(progress())

    seen = emu.message(sent.id)
    assert seen.history == ("0%", "25%", "50%", "75%", "100%")
    assert len(seen.edit_times) == 4
    assert emu.throttled == []
    assert emu.requests_per_route[EDIT_ROUTE] == 4


def test_exhausted_bucket_makes_discord_py_wait_not_429(
    emu: DiscordEmulator, bot: ClientThread
) -> None:
    emu.settings.message_limit = 2
    emu.settings.message_window_s = 0.4

    async def edits() -> discord.Message:
        channel = bot.client.get_partial_messageable(emu.channel_id)
        message = await channel.send("start")
        for step in range(5):
            message = await message.edit(content=f"step {step}")
        return message

    sent = bot.run(edits())

    times = emu.message(sent.id).edit_times
    assert emu.throttled == []
    assert times[-1] - times[0] >= 0.8 - 0.05  # five edits span at least two more windows


def test_429_is_obeyed(emu: DiscordEmulator, bot: ClientThread) -> None:
    async def send_then_edit() -> discord.Message:
        channel = bot.client.get_partial_messageable(emu.channel_id)
        message = await channel.send("0%")
        emu.force_rate_limit(EDIT_ROUTE, retry_after=0.4)
        return await message.edit(content="50%")

    started = time.monotonic()
    sent = bot.run(send_then_edit())

    throttle = emu.throttled[0]
    retried = [r for r in emu.requests if r.route == EDIT_ROUTE]
    assert [r.status for r in retried] == [429, 200]
    assert retried[1].t - throttle.t >= 0.4
    assert emu.message(sent.id).content == "50%"
    assert time.monotonic() - started >= 0.4


def test_global_429_is_obeyed(emu: DiscordEmulator, bot: ClientThread) -> None:
    emu.force_rate_limit(retry_after=0.3, is_global=True)

    user = bot.run(bot.client.fetch_user(emu.bot_id))

    assert user.id == emu.bot_id
    assert [t.is_global for t in emu.throttled] == [True]


def test_unacknowledged_interaction_fails(emu: DiscordEmulator, bot: ClientThread) -> None:
    emu.settings.ack_deadline_s = 0.3
    client_of(bot).late_delay_s = 0.6

    interaction_id = emu.invoke_command(STUDENT, "late")
    record = emu.wait_for_interaction(interaction_id)
    emu.wait_for(lambda: client_of(bot).late_errors)

    assert record.failed and record.failure == "not acknowledged within 0.3 s"
    assert client_of(bot).late_errors == [10062]
    assert emu.seen_by(STUDENT) == []


def test_guild_commands_sync_and_run_there(emu: DiscordEmulator, bot: ClientThread) -> None:
    guild = discord.Object(id=emu.guild_id)
    tree = client_of(bot).tree
    tree.copy_global_to(guild=guild)

    bot.run(tree.sync(guild=guild))
    emu.invoke_command(STUDENT, "ping", channel_id=emu.channel_id)
    answer = emu.wait_for_message(STUDENT, lambda m: m.content == "pong")

    assert "ping" in emu.commands(emu.guild_id)
    assert answer.guild_id == emu.guild_id


def test_resumes_at_the_resume_url_after_a_drop(emu: DiscordEmulator, bot: ClientThread) -> None:
    emu.drop_gateway()
    emu.wait_for(lambda: len(emu.gateway_connections) == 2, timeout=10)
    emu.wait_until_connected()

    emu.invoke_command(STUDENT, "ping")
    emu.wait_for_message(STUDENT, lambda m: m.content == "pong")

    assert [(c.path, c.opened_with) for c in emu.gateway_connections] == [
        ("/", "identify"),
        ("/resume", "resume"),
    ]
