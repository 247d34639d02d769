"""Serving the metrics on 127.0.0.1:`AUTOPILOT_METRICS_PORT`.

Every worker (and `autopilot up`) offers to serve; the first to bind the port does, the others
skip quietly and try again now and then, so the endpoint comes back when its server dies. All
serve the same figures, read from Redis at each scrape.
"""

from __future__ import annotations

import errno
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server

from workers.metrics.collector import RedisCollector

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from redis import Redis

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
RETRY_BIND_S = 30.0
"""How often a process that found the port taken offers again."""


@dataclass
class MetricsServer:
    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_metrics(redis: Redis, port: int, host: str = HOST) -> MetricsServer | None:
    """Serve the metrics on `host`:`port` (0: any free port) in a daemon thread; None when
    another process already serves that port."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RedisCollector(redis))
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return None
        raise
    served = MetricsServer(server, thread)
    log.info("metrics on http://%s:%d/metrics", host, served.port)
    return served


class MetricsOffer:
    """Offers to serve the metrics on a port from a daemon thread until this process does
    (then `server` is set) or `stop()` is called."""

    def __init__(self, redis: Redis, port: int) -> None:
        self.redis = redis
        self.port = port
        self.server: MetricsServer | None = None
        self.bound = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._offer, name="metrics-exporter", daemon=True)
        self._thread.start()

    def _offer(self) -> None:
        while not self._stop.is_set():
            try:
                self.server = serve_metrics(self.redis, self.port)
            except OSError as exc:
                log.warning("metrics: cannot serve on %s:%d (%s)", HOST, self.port, exc)
                return
            if self.server is not None:
                self.bound.set()
                return
            self._stop.wait(RETRY_BIND_S)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if self.server is not None:
            self.server.stop()


def serve_metrics_when_free(redis: Redis, port: int | None) -> MetricsOffer | None:
    """Keep offering to serve the metrics on `port` (None: metrics off)."""
    return MetricsOffer(redis, port) if port else None
