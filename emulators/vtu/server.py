"""The HTTP side: a threaded keep-alive server on 127.0.0.1 and the `VTUEmulator` facade."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from emulators.vtu.catalog import Catalog, seed_catalog
from emulators.vtu.control import CONTROL_PREFIX, handle_control
from emulators.vtu.routes import API_PREFIX
from emulators.vtu.service import VTUService
from emulators.vtu.settings import EmulatorSettings
from emulators.vtu.state import LectureProgress
from emulators.vtu.stats import StudentStats
from emulators.vtu.wire import Request, Response, bare_message

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], service: VTUService) -> None:
        self.service = service
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            if is_open:
                self._open.add(connection)
            else:
                self._open.discard(connection)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up mid-request (a killed worker) is normal here, not an error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def close_connections(self) -> None:
        """Hang up idle keep-alive connections so their threads end with the server."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """Silence per-request logging; the emulator's stats are the record."""

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._send(bare_message(411, "Length Required"))
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._send(bare_message(400, "Bad Request"))
            return
        body = self.rfile.read(length)
        parts = urlsplit(self.path)
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}; {value}" if key in headers else value
        request = Request(
            self.command, parts.path, headers, body, self.client_address[0], parts.query
        )
        try:
            response = self._dispatch(request)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = bare_message(500, "Server Error")
        self._send(response)

    def _dispatch(self, request: Request) -> Response:
        service = self.server.service
        if request.path.startswith(CONTROL_PREFIX):
            return handle_control(service, request)
        return service.handle(request)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-cache, private")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)


class VTUEmulator:
    """The VTU platform stand-in; `with VTUEmulator() as emu:` serves on a free local port."""

    def __init__(
        self,
        catalog: Catalog | None = None,
        settings: EmulatorSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        settings = settings if settings is not None else EmulatorSettings()
        self.catalog = catalog if catalog is not None else seed_catalog(seed=settings.seed)
        self._service = VTUService(self.catalog, settings, clock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def settings(self) -> EmulatorSettings:
        return self._service.settings

    @settings.setter
    def settings(self, value: EmulatorSettings) -> None:
        self._service.settings = value

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def requests_total(self) -> int:
        return self._service.requests_total

    def stats(self, email: str) -> StudentStats:
        return self._service.stats(email)

    def stats_all(self) -> dict[str, StudentStats]:
        return self._service.stats_all()

    def progress(self, email: str, lecture_id: int) -> LectureProgress:
        return self._service.progress(email, lecture_id)

    def issued_tokens(self) -> list[str]:
        """Every session cookie value the emulator has issued (to look for leaks)."""
        return self._service.issued_tokens()

    def add_lecture(self, slug: str, duration_s: int) -> int:
        """The platform adds a lecture to course `slug` (its last lesson); returns its id."""
        with self._service.lock:
            return self.catalog.add_lecture(slug, duration_s).id

    def reset_progress(self) -> None:
        self._service.reset()

    def start(self, host: str = "127.0.0.1", port: int = 0) -> VTUEmulator:
        if host not in LOOPBACK_HOSTS:
            raise ValueError(f"the emulator only listens on 127.0.0.1, not {host!r}")
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._server = _Server(("127.0.0.1", port), self._service)
        self._service.issuer = f"{self.base_url}/auth/login"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"vtu-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> VTUEmulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
