"""The Discord stand-in's wire format, checked with raw HTTP: answers, headers, rate limits,
validation errors, interaction callbacks and their deadlines, and the gateway handshake."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import pytest

from emulators.discord import DiscordEmulator

STUDENT = 4242


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[DiscordEmulator]:
    with DiscordEmulator(clock=clock) as emulator:
        yield emulator
        assert emulator.internal_errors == []


@pytest.fixture
def api(emu: DiscordEmulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bot {emu.token}"}
    with httpx.Client(base_url=emu.api_base_url, headers=headers, timeout=5) as client:
        yield client


def sync_ping(api: httpx.Client, emu: DiscordEmulator) -> None:
    command = {"name": "ping", "description": "Answers pong", "type": 1}
    answer = api.put(f"/applications/{emu.application_id}/commands", json=[command])
    assert answer.status_code == 200


def error_codes(node: Any) -> list[str]:
    """Every ``_errors`` code in Discord's nested error tree."""
    if not isinstance(node, dict):
        return []
    codes = [entry["code"] for entry in node.get("_errors", [])]
    for key, value in node.items():
        if key != "_errors":
            codes.extend(error_codes(value))
    return codes


def buttons(count: int, prefix: str = "b") -> dict[str, Any]:
    return {
        "type": 1,
        "components": [
            {"type": 2, "style": 1, "label": f"{prefix}{i}", "custom_id": f"{prefix}{i}"}
            for i in range(count)
        ],
    }


def test_me_answers_exact_json_with_rate_limit_headers(api: httpx.Client) -> None:
    answer = api.get("/users/@me")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["bot"] is True
    for header in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
        assert f"X-RateLimit-{header}" in answer.headers


def test_wrong_token_is_unauthorized(emu: DiscordEmulator) -> None:
    answer = httpx.get(f"{emu.api_base_url}/users/@me", headers={"Authorization": "Bot nope"})

    assert answer.status_code == 401
    assert answer.json() == {"message": "401: Unauthorized", "code": 0}


def test_application_info_and_gateway(api: httpx.Client, emu: DiscordEmulator) -> None:
    application = api.get("/oauth2/applications/@me").json()
    gateway = api.get("/gateway/bot").json()

    assert application["id"] == str(emu.application_id)
    assert gateway["url"] == emu.gateway_url


def test_unknown_route_is_404_and_recorded(api: httpx.Client, emu: DiscordEmulator) -> None:
    answer = api.get("/guilds/1/bans")

    assert answer.status_code == 404
    assert emu.unknown_routes == ["GET /guilds/1/bans"]


def test_sixth_message_in_the_window_gets_429_with_via(
    api: httpx.Client, emu: DiscordEmulator, clock: FakeClock
) -> None:
    url = f"/channels/{emu.channel_id}/messages"
    statuses = [api.post(url, json={"content": f"m{i}"}).status_code for i in range(5)]
    throttled = api.post(url, json={"content": "one too many"})
    clock.advance(5.0)
    after_window = api.post(url, json={"content": "again"})

    assert statuses == [200] * 5
    assert throttled.status_code == 429
    assert throttled.headers["Via"]
    assert throttled.headers["X-RateLimit-Remaining"] == "0"
    assert throttled.json() == {
        "message": "You are being rate limited.",
        "retry_after": 5.0,
        "global": False,
    }
    assert after_window.status_code == 200
    assert [t.route for t in emu.throttled] == ["POST /channels/{channel_id}/messages"]


def test_buckets_are_per_channel(api: httpx.Client, emu: DiscordEmulator) -> None:
    general, progress = emu.channel_ids
    for _ in range(5):
        api.post(f"/channels/{general}/messages", json={"content": "x"})

    other = api.post(f"/channels/{progress}/messages", json={"content": "x"})

    assert other.status_code == 200


def test_global_limit_answers_global_429(emu: DiscordEmulator, api: httpx.Client) -> None:
    emu.settings.global_per_s = 3
    statuses = [api.get("/users/@me").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert emu.throttled[-1].is_global
    assert api.get("/gateway").status_code == 200  # not a bot-token route


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"content": "x" * 2001}, "BASE_TYPE_MAX_LENGTH"),
        ({"components": [buttons(1, f"r{i}") for i in range(6)]}, "BASE_TYPE_MAX_LENGTH"),
        ({"components": [buttons(6)]}, "BASE_TYPE_BAD_LENGTH"),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "pick",
                                "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                            }
                        ],
                    }
                ]
            },
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "a", "custom_id": "x" * 101}
                        ],
                    }
                ]
            },
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "a" * 81, "custom_id": "a"}
                        ],
                    }
                ]
            },
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"content": "dup", "components": [buttons(2, "same")] * 2},
            "COMPONENT_CUSTOM_ID_DUPLICATED",
        ),
    ],
    ids=["content", "rows", "buttons-per-row", "select-options", "custom-id", "label", "dup-ids"],
)
def test_invalid_messages_get_discords_form_errors(
    api: httpx.Client, emu: DiscordEmulator, body: dict[str, Any], code: str
) -> None:
    answer = api.post(f"/channels/{emu.channel_id}/messages", json=body)

    assert answer.status_code == 400
    assert answer.json()["code"] == 50035
    assert answer.json()["message"] == "Invalid Form Body"
    assert code in error_codes(answer.json()["errors"])
    assert emu.channel(emu.channel_id) == []


def test_error_paths_name_the_field(api: httpx.Client, emu: DiscordEmulator) -> None:
    answer = api.post(f"/channels/{emu.channel_id}/messages", json={"components": [buttons(6)]})

    assert answer.json()["errors"] == {
        "components": {
            "0": {
                "components": {
                    "_errors": [
                        {
                            "code": "BASE_TYPE_BAD_LENGTH",
                            "message": "Must be between 1 and 5 in length.",
                        }
                    ]
                }
            }
        }
    }


def test_empty_message_is_refused(api: httpx.Client, emu: DiscordEmulator) -> None:
    answer = api.post(f"/channels/{emu.channel_id}/messages", json={"content": ""})

    assert (answer.status_code, answer.json()["code"]) == (400, 50006)


def test_edits_are_timed_and_shown(
    api: httpx.Client, emu: DiscordEmulator, clock: FakeClock
) -> None:
    sent = api.post(f"/channels/{emu.channel_id}/messages", json={"content": "0%"}).json()
    url = f"/channels/{emu.channel_id}/messages/{sent['id']}"
    for percent in (10, 20):
        clock.advance(1.0)
        edited = api.patch(url, json={"content": f"{percent}%"})

    message = emu.message(int(sent["id"]))
    assert edited.json()["edited_timestamp"] is not None
    assert message.content == "20%"
    assert message.history == ("0%", "10%", "20%")
    assert message.edit_times == (1001.0, 1002.0)
    assert api.patch(f"/channels/{emu.channel_id}/messages/1", json={}).json()["code"] == 10008


def test_closed_dms_refuse_messages(api: httpx.Client, emu: DiscordEmulator) -> None:
    emu.close_dms(STUDENT)

    channel = api.post("/users/@me/channels", json={"recipient_id": str(STUDENT)})
    sent = api.post(f"/channels/{channel.json()['id']}/messages", json={"content": "hi"})

    assert channel.status_code == 200
    assert channel.json()["recipients"][0]["id"] == str(STUDENT)
    assert (sent.status_code, sent.json()) == (
        403,
        {"message": "Cannot send messages to this user", "code": 50007},
    )


def test_opening_a_dm_with_a_stranger_is_refused(api: httpx.Client) -> None:
    answer = api.post("/users/@me/channels", json={"recipient_id": "999"})

    assert (answer.status_code, answer.json()["code"]) == (400, 50033)


def test_command_sync_keeps_ids_and_scopes(api: httpx.Client, emu: DiscordEmulator) -> None:
    sync_ping(api, emu)
    first = emu.commands()["ping"]["id"]
    sync_ping(api, emu)
    guild = api.put(
        f"/applications/{emu.application_id}/guilds/{emu.guild_id}/commands",
        json=[{"name": "run", "description": "Run"}],
    )
    bad = api.put(
        f"/applications/{emu.application_id}/commands",
        json=[{"name": "Bad Name", "description": ""}],
    )

    assert emu.commands()["ping"]["id"] == first
    assert guild.json()[0]["guild_id"] == str(emu.guild_id)
    assert set(emu.commands(emu.guild_id)) == {"run"}
    assert bad.status_code == 400
    assert "APPLICATION_COMMAND_INVALID_NAME" in error_codes(bad.json()["errors"])


def test_command_must_be_synced_to_be_invoked(api: httpx.Client, emu: DiscordEmulator) -> None:
    with pytest.raises(ValueError, match="no command /ping"):
        emu.invoke_command(STUDENT, "ping")


def test_callback_answers_once_with_the_interaction(
    api: httpx.Client, emu: DiscordEmulator, clock: FakeClock
) -> None:
    sync_ping(api, emu)
    interaction_id = emu.invoke_command(STUDENT, "ping")
    token = emu.world.interactions[interaction_id].token
    url = f"/interactions/{interaction_id}/{token}/callback?with_response=1"
    clock.advance(0.25)

    first = httpx.post(
        emu.api_base_url + url, json={"type": 4, "data": {"content": "pong", "flags": 64}}
    )
    second = httpx.post(emu.api_base_url + url, json={"type": 4, "data": {"content": "again"}})

    body = first.json()
    assert first.headers["Content-Type"] == "application/json"
    assert body["interaction"]["response_message_ephemeral"] is True
    assert body["resource"]["message"]["content"] == "pong"
    assert (second.status_code, second.json()["code"]) == (400, 40060)
    record = emu.interaction(interaction_id)
    assert record.ack_latency_s == 0.25 and not record.failed
    assert [m.content for m in emu.ephemeral(STUDENT)] == ["pong"]
    assert emu.seen_by(STUDENT + 1) == []


def test_late_callback_is_unknown_interaction(
    api: httpx.Client, emu: DiscordEmulator, clock: FakeClock
) -> None:
    sync_ping(api, emu)
    interaction_id = emu.invoke_command(STUDENT, "ping")
    token = emu.world.interactions[interaction_id].token
    clock.advance(3.01)

    late = httpx.post(
        f"{emu.api_base_url}/interactions/{interaction_id}/{token}/callback",
        json={"type": 5},
    )

    assert (late.status_code, late.json()) == (
        404,
        {"message": "Unknown interaction", "code": 10062},
    )
    assert emu.interaction(interaction_id).failure == "not acknowledged within 3 s"
    assert [r.id for r in emu.failed_interactions] == [interaction_id]


def test_deferred_answer_is_filled_by_the_first_followup_until_the_token_expires(
    api: httpx.Client, emu: DiscordEmulator, clock: FakeClock
) -> None:
    sync_ping(api, emu)
    interaction_id = emu.invoke_command(STUDENT, "ping", channel_id=emu.channel_id)
    token = emu.world.interactions[interaction_id].token
    hook = f"{emu.api_base_url}/webhooks/{emu.application_id}/{token}"
    too_early = httpx.post(hook, json={"content": "early"})
    httpx.post(
        f"{emu.api_base_url}/interactions/{interaction_id}/{token}/callback", json={"type": 5}
    )
    loading = emu.channel(emu.channel_id)[-1]

    filled = httpx.post(f"{hook}?wait=1", json={"content": "done"})
    followup = httpx.post(f"{hook}?wait=1", json={"content": "more", "flags": 64})
    clock.advance(15 * 60 + 1)
    expired = httpx.patch(f"{hook}/messages/@original", json={"content": "late"})

    assert too_early.status_code == 404
    assert loading.loading and loading.content == ""
    assert filled.json()["id"] == str(loading.id)
    assert emu.message(loading.id).content == "done" and not emu.message(loading.id).loading
    assert emu.message(int(followup.json()["id"])).visible_to == STUDENT
    assert (expired.status_code, expired.json()["code"]) == (401, 50027)


def test_modal_response_is_checked(api: httpx.Client, emu: DiscordEmulator) -> None:
    sync_ping(api, emu)
    interaction_id = emu.invoke_command(STUDENT, "ping")
    token = emu.world.interactions[interaction_id].token
    url = f"{emu.api_base_url}/interactions/{interaction_id}/{token}/callback"
    modal = {
        "custom_id": "login",
        "title": "x" * 46,
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "e", "style": 1, "label": "Email"}]}
        ],
    }

    refused = httpx.post(url, json={"type": 9, "data": modal})
    accepted = httpx.post(url, json={"type": 9, "data": {**modal, "title": "Log in"}})

    assert refused.status_code == 400
    assert "BASE_TYPE_MAX_LENGTH" in error_codes(refused.json()["errors"])
    assert accepted.status_code == 204
    assert emu.open_modal(STUDENT)["title"] == "Log in"
    with pytest.raises(ValueError, match="required"):
        emu.submit_modal(STUDENT, {})


def test_gateway_handshake_and_bad_token(emu: DiscordEmulator) -> None:
    async def talk(token: str) -> tuple[list[dict[str, Any]], int | None]:
        frames = []
        url = emu.gateway_url + "?v=10&encoding=json"
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
            frames.append(json.loads((await socket.receive()).data))
            await socket.send_json({"op": 2, "d": {"token": token, "intents": 1}})
            await socket.send_json({"op": 1, "d": None})
            while len(frames) < 4:
                message = await socket.receive()
                if message.type is not aiohttp.WSMsgType.TEXT:
                    break
                frames.append(json.loads(message.data))
            return frames, socket.close_code

    frames, _ = asyncio.run(talk(emu.token))
    refused, code = asyncio.run(talk("wrong"))

    assert [(f["op"], f["t"]) for f in frames] == [
        (10, None),
        (0, "READY"),
        (0, "GUILD_CREATE"),
        (11, None),
    ]
    ready = frames[1]["d"]
    assert ready["resume_gateway_url"] != emu.gateway_url
    assert ready["guilds"] == [{"id": str(emu.guild_id), "unavailable": True}]
    assert [f["op"] for f in refused] == [10]
    assert code == 4004
