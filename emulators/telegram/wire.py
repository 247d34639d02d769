"""The Bot API's wire format: token and method in the URL, parameters in the query string or
in a form, multipart or JSON body, and JSON answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from emulators.telegram.errors import bad_request

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
MULTIPART_TYPE = "multipart/form-data"


@dataclass(frozen=True)
class Endpoint:
    token: str
    method: str


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart body, kept as the value of its field."""

    filename: str
    content_type: str
    data: bytes


def parse_endpoint(target: str) -> Endpoint | None:
    """``/bot<token>/<method>`` (the form python-telegram-bot builds), or None."""
    path = urlsplit(target).path
    if not path.startswith("/bot"):
        return None
    token, sep, method = path[len("/bot") :].partition("/")
    if not sep or not token or not method or "/" in method:
        return None
    return Endpoint(unquote(token), unquote(method))


def parse_params(target: str, content_type: str | None, body: bytes) -> dict[str, Any]:
    """Query-string parameters overlaid with the body's; raises ApiError on a malformed body."""
    params: dict[str, Any] = dict(parse_qsl(urlsplit(target).query, keep_blank_values=True))
    if not body:
        return params
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == JSON_TYPE:
        params.update(_json_body(body))
    elif media_type == MULTIPART_TYPE:
        params.update(_multipart_body(content_type or "", body))
    elif media_type in (FORM_TYPE, ""):
        params.update(parse_qsl(_utf8(body), keep_blank_values=True))
    else:
        raise bad_request(f"unsupported Content-Type {media_type}")
    return params


def encode(body: dict[str, Any]) -> bytes:
    """UTF-8 JSON; text holding a lone surrogate (forged button data) goes out as a JSON
    escape, as valid JSON may carry it."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, separators=(",", ":")).encode("ascii")


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_request("request body is not valid UTF-8") from exc


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(_utf8(body))
    except ValueError as exc:
        raise bad_request("can't parse JSON request body") from exc
    if not isinstance(decoded, dict):
        raise bad_request("JSON request body must be an object")
    return decoded


def _multipart_body(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise bad_request("can't parse multipart request body")
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = _utf8(data)
        else:
            fields[name] = UploadedFile(filename, part.get_content_type(), data)
    return fields
