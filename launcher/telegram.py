"""`autopilot telegram`: the Telegram bot, long polling or (with TELEGRAM_WEBHOOK_URL) webhook."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.telegram import build_application, serve_polling
from bot.telegram.webhook import serve_webhook
from config import ConfigError
from launcher.common import require_redis, require_secret_box, service_settings

DEFAULT_WEBHOOK_PORT = 8443


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "telegram",
        help="run the Telegram bot",
        description="Runs the Telegram bot (TELEGRAM_BOT_TOKEN, REDIS_URL, "
        "AUTOPILOT_SECRET_KEYS). It long-polls the Bot API unless TELEGRAM_WEBHOOK_URL is "
        "set; then it registers that URL and listens for Telegram's POSTs on --listen:--port "
        "(put a TLS proxy in front). Workers do the platform work and edit progress messages.",
    )
    parser.add_argument("--listen", default="127.0.0.1", help="webhook mode: address to bind")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_WEBHOOK_PORT, help="webhook mode: port (8443)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = service_settings()
    if not settings.telegram_bot_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get one from @BotFather")
    redis = require_redis(settings)
    require_secret_box(settings)
    application = build_application(settings, redis)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        if settings.telegram_webhook_url:
            await serve_webhook(
                application, settings.telegram_webhook_url, args.listen, args.port, stop
            )
        else:
            await serve_polling(application, stop)

    asyncio.run(main())
    return 0
