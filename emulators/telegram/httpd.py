"""HTTP/1.1 transport for the stand-in: a threading server with keep-alive connections that
reads Bot API requests and writes JSON answers with an exact Content-Length."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from emulators.telegram.api import BotApi
from emulators.telegram.control import PREFIX as CONTROL_PREFIX
from emulators.telegram.control import ControlApi
from emulators.telegram.errors import ApiError
from emulators.telegram.settings import TelegramSettings
from emulators.telegram.wire import JSON_TYPE, encode, parse_endpoint, parse_params

LOGGER = logging.getLogger(__name__)
IDLE_CONNECTION_TIMEOUT_S = 120.0
STOP_GRACE_S = 2.0
NOT_FOUND_BODY = {"ok": False, "error_code": 404, "description": "Not Found"}


class BotApiServer(ThreadingHTTPServer):
    """Serves one BotApi; remembers its open connections so that ``close_connections`` can
    end idle keep-alive threads when the emulator stops."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        api: BotApi,
        settings: TelegramSettings,
        control: ControlApi | None = None,
    ) -> None:
        super().__init__(address, BotApiHandler)
        self.api = api
        self.settings = settings
        self.control = control
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Condition()
        self._in_flight = 0

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def busy(self, started: bool) -> None:
        """Count requests being answered, so that closing can let them finish first."""
        with self._connections_lock:
            self._in_flight += 1 if started else -1
            self._connections_lock.notify_all()

    def close_connections(self, grace_s: float = STOP_GRACE_S) -> None:
        """Shut every connection down, after up to ``grace_s`` for answers being written."""
        with self._connections_lock:
            self._connections_lock.wait_for(lambda: self._in_flight == 0, grace_s)
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished mid-request is routine here (cancelled long polls)."""
        LOGGER.debug("connection from %s ended with an error", client_address, exc_info=True)


class BotApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TelegramBotApiEmulator/1.0"
    timeout = IDLE_CONNECTION_TIMEOUT_S
    server: BotApiServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.track(self.connection, open_=False)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        LOGGER.debug("%s - %s", self.address_string(), format % args)

    def _serve(self) -> None:
        self.server.busy(started=True)
        try:
            self._serve_request()
        finally:
            self.server.busy(started=False)

    def _serve_request(self) -> None:
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._answer(400, {"ok": False, "error_code": 400, "description": "Bad Request"})
            return
        try:
            params = parse_params(self.path, self.headers.get("Content-Type"), body)
        except ApiError as error:
            self._answer(error.code, error.body())
            return
        control = self.server.control
        if control is not None and self.path.startswith(CONTROL_PREFIX):
            self._answer(*control.handle(self.command, self.path, params))
            return
        endpoint = parse_endpoint(self.path)
        if endpoint is None:
            self._answer(404, NOT_FOUND_BODY)
            return
        if self.server.settings.latency_s > 0:
            time.sleep(self.server.settings.latency_s)
        status, payload = self.server.api.call(endpoint.token, endpoint.method, params)
        self._answer(status, payload)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        data = encode(payload)
        try:
            self.send_response(status)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
