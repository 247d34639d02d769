"""`autopilot discord`: the Discord bot, connected to the gateway until stopped."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from config import ConfigError
from launcher.common import require_redis, require_secret_box, service_settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "discord",
        help="run the Discord bot",
        description="Runs the Discord bot (DISCORD_BOT_TOKEN, REDIS_URL, "
        "AUTOPILOT_SECRET_KEYS). It syncs its slash commands at start: to DISCORD_GUILD_ID "
        "when set (instant), else globally (Discord may take a while to show them). Progress "
        "messages go by DM, or to DISCORD_PROGRESS_CHANNEL_ID when set; workers do the "
        "platform work and edit them. No privileged intents are needed.",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = service_settings()
    if not settings.discord_bot_token:
        raise ConfigError(
            "DISCORD_BOT_TOKEN is not set: create a bot at discord.com/developers/applications"
        )
    redis = require_redis(settings)
    require_secret_box(settings)
    import discord

    from bot.discord import build_bot, serve

    bot = build_bot(settings, redis)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        await serve(bot, stop)

    try:
        asyncio.run(main())
    except discord.LoginFailure:
        raise ConfigError(
            "Discord refused DISCORD_BOT_TOKEN: copy it again from the "
            "Developer Portal (Bot, Reset Token)"
        ) from None
    return 0
