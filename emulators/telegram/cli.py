"""``python -m emulators.telegram`` / ``autopilot emulator telegram``: serve the stand-in until
interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from emulators.telegram.control import PREFIX
from emulators.telegram.server import DEFAULT_TOKEN, LOOPBACK_HOSTS, TelegramEmulator
from emulators.telegram.settings import TelegramSettings

DEFAULT_PORT = 8766


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        choices=LOOPBACK_HOSTS,
        help="loopback address to listen on (never a public interface)",
    )
    parser.add_argument(
        "--token", default=DEFAULT_TOKEN, help=f"the bot token to accept (default {DEFAULT_TOKEN})"
    )
    parser.add_argument(
        "--no-flood-limits",
        action="store_true",
        help="answer every send and edit instead of Telegram's 429 Too Many Requests",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds to wait before each answer"
    )


def run(args: argparse.Namespace) -> int:
    settings = TelegramSettings(
        flood_limits_enabled=not args.no_flood_limits, latency_s=args.latency
    )
    try:
        emulator = TelegramEmulator(args.token, settings).start(args.host, args.port)
    except (OSError, ValueError) as error:
        print(f"cannot start the Telegram emulator: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()
    _stop_on_sigterm(stop)
    print(f"Telegram Bot API emulator listening; TELEGRAM_API_BASE_URL={emulator.base_url}")
    print(
        f"bot token {args.token}; students' controls under http://127.0.0.1:{emulator.port}{PREFIX}"
    )
    print("Press Ctrl+C to stop.", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulators.telegram",
        description="A local stand-in for the Telegram Bot API (python-telegram-bot compatible).",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


def _stop_on_sigterm(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
