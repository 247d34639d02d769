"""The Telegram stand-in's HTTP wire format, checked with a plain HTTP client."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from emulators.telegram import TelegramEmulator, TelegramSettings

STUDENT = 77


@pytest.fixture
def emu() -> Iterator[TelegramEmulator]:
    with TelegramEmulator(settings=TelegramSettings(flood_limits_enabled=False)) as emulator:
        yield emulator
        assert emulator.internal_errors == []


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as http:
        yield http


def url(emu: TelegramEmulator, method: str) -> str:
    return f"{emu.base_url}{emu.token}/{method}"


def test_form_body_with_json_encoded_values(emu: TelegramEmulator, client: httpx.Client) -> None:
    emu.send_text(STUDENT, "/start")
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}

    answer = client.post(
        url(emu, "sendMessage"),
        data={"chat_id": str(STUDENT), "text": "123", "reply_markup": json.dumps(markup)},
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert int(answer.headers["content-length"]) == len(answer.content)
    body = answer.json()
    assert body["ok"] is True
    message = body["result"]
    assert message["text"] == "123"
    assert message["reply_markup"] == markup
    assert message["chat"] == {"id": STUDENT, "type": "private", "first_name": "Student"}
    assert message["from"]["is_bot"] is True
    assert isinstance(message["date"], int)


def test_json_body_and_get_query_string(emu: TelegramEmulator, client: httpx.Client) -> None:
    emu.send_text(STUDENT, "/start")

    by_json = client.post(url(emu, "sendMessage"), json={"chat_id": STUDENT, "text": "json"})
    by_query = client.get(url(emu, "sendMessage"), params={"chat_id": STUDENT, "text": "query"})

    assert by_json.json()["result"]["text"] == "json"
    assert by_query.json()["result"]["text"] == "query"


def test_multipart_body(emu: TelegramEmulator, client: httpx.Client) -> None:
    emu.send_text(STUDENT, "/start")

    answer = client.post(
        url(emu, "sendMessage"),
        data={"chat_id": str(STUDENT), "text": "multipart ✓"},
        files={"unused": ("a.txt", b"bytes", "text/plain")},
    )

    assert answer.json()["result"]["text"] == "multipart ✓"


def test_method_names_are_case_insensitive(emu: TelegramEmulator, client: httpx.Client) -> None:
    assert client.post(url(emu, "GETME")).json()["result"]["is_bot"] is True
    assert emu.calls == ["getMe"]


def test_unknown_method_fails_loudly_and_is_recorded(
    emu: TelegramEmulator, client: httpx.Client
) -> None:
    answer = client.post(url(emu, "sendTelepathy"), data={"chat_id": "1"})

    assert answer.status_code == 404
    assert answer.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method sendTelepathy not found",
    }
    assert emu.unknown_calls == ["sendTelepathy"]


def test_wrong_token_and_wrong_path(emu: TelegramEmulator, client: httpx.Client) -> None:
    wrong = client.post(f"{emu.base_url}999:NOPE/getMe")
    nowhere = client.get(f"http://127.0.0.1:{emu.port}/nothing")

    assert (wrong.status_code, wrong.json()["description"]) == (401, "Unauthorized")
    assert nowhere.status_code == 404
    assert emu.calls == []


def test_error_bodies_carry_code_and_parameters(
    emu: TelegramEmulator, client: httpx.Client
) -> None:
    emu.settings.flood_limits_enabled = True
    emu.send_text(STUDENT, "/start")
    for n in range(emu.settings.per_chat_burst):
        client.post(url(emu, "sendMessage"), data={"chat_id": STUDENT, "text": f"{n}"})

    limited = client.post(url(emu, "sendMessage"), data={"chat_id": STUDENT, "text": "more"})
    empty = client.post(url(emu, "sendMessage"), data={"chat_id": STUDENT, "text": ""})

    retry = limited.json()["parameters"]["retry_after"]
    assert limited.status_code == 429
    assert limited.json()["description"] == f"Too Many Requests: retry after {retry}"
    assert (empty.status_code, empty.json()["description"]) == (
        400,
        "Bad Request: message text is empty",
    )


def test_webhook_info_and_set_webhook_rules(emu: TelegramEmulator, client: httpx.Client) -> None:
    public = client.post(url(emu, "setWebhook"), data={"url": "https://example.org/hook"})
    secret = client.post(
        url(emu, "setWebhook"), data={"url": "http://127.0.0.1:1/h", "secret_token": "no spaces"}
    )
    info = client.post(url(emu, "getWebhookInfo")).json()["result"]

    assert public.status_code == 400
    assert secret.json()["description"] == "Bad Request: secret token contains unallowed characters"
    assert info == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


def test_keep_alive_connection_serves_several_requests(emu: TelegramEmulator) -> None:
    request = (
        f"POST /bot{emu.token}/getMe HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as sock:
        stream = sock.makefile("rb")
        for _ in range(2):
            sock.sendall(request)
            assert stream.readline().startswith(b"HTTP/1.1 200")
            headers = {}
            while (line := stream.readline().strip()) != b"":
                name, _, value = line.decode().partition(":")
                headers[name.lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            assert json.loads(body)["ok"] is True
        stream.close()
    assert emu.calls == ["getMe", "getMe"]


def test_chunked_request_body(emu: TelegramEmulator) -> None:
    emu.send_text(STUDENT, "/start")
    body = f"chat_id={STUDENT}&text=chunked".encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = (
        f"POST /bot{emu.token}/sendMessage HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as sock:
        sock.sendall(head + chunked)
        with sock.makefile("rb") as stream:
            reply = stream.read()
    assert reply.startswith(b"HTTP/1.1 200")
    assert b'"text":"chunked"' in reply


def test_stop_ends_a_waiting_long_poll(client: httpx.Client) -> None:
    emulator = TelegramEmulator().start()
    address = url(emulator, "getUpdates")
    answers: list[httpx.Response] = []
    waiter = threading.Thread(
        target=lambda: answers.append(client.post(address, data={"timeout": "30"}))
    )
    waiter.start()
    emulator.wait_for(lambda: "getUpdates" in emulator.calls)
    emulator.stop()
    waiter.join(5)
    assert answers and answers[0].json() == {"ok": True, "result": []}
