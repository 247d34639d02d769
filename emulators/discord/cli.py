"""``python -m emulators.discord`` / ``autopilot emulator discord``: serve the stand-in until
interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from emulators.discord.control import PREFIX
from emulators.discord.server import DEFAULT_TOKEN, LOOPBACK_HOSTS, DiscordEmulator
from emulators.discord.settings import DiscordSettings

DEFAULT_PORT = 8767


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
        "--token", default=DEFAULT_TOKEN, help="the bot token to accept (default: a test token)"
    )
    parser.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="answer every request instead of Discord's 429 Too Many Requests",
    )
    parser.add_argument(
        "--ack-deadline",
        type=float,
        default=3.0,
        help="seconds a bot has to acknowledge an interaction (Discord: 3)",
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds to wait before each REST answer"
    )


def run(args: argparse.Namespace) -> int:
    settings = DiscordSettings(
        rate_limits_enabled=not args.no_rate_limits,
        ack_deadline_s=args.ack_deadline,
        latency_s=args.latency,
    )
    try:
        emulator = DiscordEmulator(args.token, settings).start(args.host, args.port)
    except (OSError, ValueError, RuntimeError) as error:
        print(f"cannot start the Discord emulator: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()
    _stop_on_sigterm(stop)
    print(
        f"Discord API emulator listening; DISCORD_API_BASE_URL={emulator.api_base_url} "
        f"DISCORD_GATEWAY_URL={emulator.gateway_url}"
    )
    print(
        f"bot token {args.token}; guild {emulator.guild_id}, channel {emulator.channel_id}; "
        f"users' controls under http://127.0.0.1:{emulator.port}{PREFIX}"
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
        prog="python -m emulators.discord",
        description="A local stand-in for Discord's REST API and gateway (discord.py compatible).",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


def _stop_on_sigterm(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
