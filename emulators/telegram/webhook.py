"""Webhook delivery: while a webhook is set, pending updates are POSTed to it one at a time,
in order, as JSON (with ``X-Telegram-Bot-Api-Secret-Token`` when a secret was set). An update
leaves the queue only when the receiver answers 2xx; otherwise the failure is recorded for
getWebhookInfo and the same update is retried after ``webhook_retry_s``. Telegram's "reply
with a method in the webhook response" shortcut is not emulated."""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from emulators.telegram.settings import TelegramSettings
from emulators.telegram.world import WebhookConfig, World

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookSender:
    def __init__(self, world: World, settings: TelegramSettings) -> None:
        self._world = world
        self._settings = settings
        self._retry_at = 0.0
        self._thread = threading.Thread(target=self._run, name="telegram-webhook", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        """Wait for the sender to finish after the world was closed."""
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _next(self) -> tuple[WebhookConfig, dict[str, Any]] | None:
        """Block until there is something to deliver; None once the emulator stops."""
        world = self._world
        with world.changed:
            while not world.closed:
                wait = self._retry_at - time.monotonic()
                if world.webhook is not None and world.updates and wait <= 0:
                    return world.webhook, dict(world.updates[0])
                world.changed.wait(wait if wait > 0 else None)
            return None

    def _run(self) -> None:
        while (job := self._next()) is not None:
            config, update = job
            error = _post(config, update, self._settings.webhook_timeout_s)
            with self._world.changed:
                if error is None:
                    self._retry_at = 0.0
                    self._drop(update["update_id"])
                    self._world.webhook_deliveries.append(update)
                    self._world.changed.notify_all()
                else:
                    self._retry_at = time.monotonic() + self._settings.webhook_retry_s
                    config.last_error_date = int(time.time())
                    config.last_error_message = error

    def _drop(self, update_id: int) -> None:
        updates = self._world.updates
        if updates and updates[0]["update_id"] == update_id:
            del updates[0]


def _post(config: WebhookConfig, update: dict[str, Any], timeout: float) -> str | None:
    """Deliver one update; the error message for getWebhookInfo, or None on success."""
    parts = urlsplit(config.url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if config.secret_token:
        headers[SECRET_HEADER] = config.secret_token
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, json.dumps(update).encode("utf-8"), headers)
        response = connection.getresponse()
        response.read()
    except OSError as error:
        return f"Connection failed: {error.strerror or error}"
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return None
    return f"Wrong response from the webhook: {response.status} {response.reason}"
