"""Webhook mode without extra dependencies: a tiny HTTP receiver on asyncio streams.

Telegram POSTs each update as JSON to the configured URL with the secret token header set
by `setWebhook`; anything else is refused. Updates go into PTB's update queue, exactly as
polling would put them.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from telegram import Update

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_BODY_BYTES = 1 << 20


async def serve_webhook(
    application: Application,  # type: ignore[type-arg]
    url: str,
    listen: str,
    port: int,
    stop: asyncio.Event,
) -> None:
    """Receive updates on `listen:port` (reached by Telegram through `url`) until `stop`."""
    secret = secrets.token_urlsafe(32)
    path = urlparse(url).path or "/"

    async def receive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        status = await _handle(application, reader, path, secret)
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(receive, listen, port)
    async with application, server:
        if application.post_init is not None:
            await application.post_init(application)
        await application.bot.set_webhook(url, secret_token=secret)
        await application.start()
        try:
            await stop.wait()
        finally:
            await application.bot.delete_webhook()
            await application.stop()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)


async def _handle(
    application: Application,  # type: ignore[type-arg]
    reader: asyncio.StreamReader,
    path: str,
    secret: str,
) -> str:
    try:
        method, target, _ = (await reader.readline()).decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (line := (await reader.readline()).decode("latin-1").strip()) != "":
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
    except (ValueError, UnicodeDecodeError):
        return "400 Bad Request"
    if method != "POST" or target.split("?")[0] != path:
        return "404 Not Found"
    if not hmac.compare_digest(headers.get(SECRET_HEADER, ""), secret):
        return "403 Forbidden"
    if not 0 < length <= MAX_BODY_BYTES:
        return "400 Bad Request"
    try:
        update = Update.de_json(json.loads(await reader.readexactly(length)), application.bot)
    except (ValueError, asyncio.IncompleteReadError):
        return "400 Bad Request"
    await application.update_queue.put(update)
    return "200 OK"
