"""Discord's JSON shapes for users, members, channels, guilds and messages, built from the
world's state with every field discord.py reads."""

from __future__ import annotations

import copy
from typing import Any

from emulators.discord.world import (
    DM,
    ChannelState,
    GuildState,
    StoredMessage,
    UserState,
    World,
)

EVERYONE_PERMISSIONS = "2248473465835073"
BOT_PERMISSIONS = "562949953421311"
APPLICATION_FLAGS = 1 << 23  # GATEWAY_MESSAGE_CONTENT_LIMITED: a verified-less bot
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def user_json(user: UserState) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(user.id),
        "username": user.username,
        "global_name": user.global_name,
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if user.bot:
        data["bot"] = True
    return data


def bot_self_json(user: UserState) -> dict[str, Any]:
    """``GET /users/@me`` for a bot: the user plus the account's private fields."""
    return {**user_json(user), "verified": True, "mfa_enabled": False, "locale": "en-US"}


def member_json(user: UserState, guild: GuildState) -> dict[str, Any]:
    return {
        "user": user_json(user),
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": [],
        "joined_at": guild.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
        "permissions": EVERYONE_PERMISSIONS,
    }


def channel_json(channel: ChannelState, world: World) -> dict[str, Any]:
    last = None if channel.last_message_id is None else str(channel.last_message_id)
    if channel.kind == DM:
        assert channel.recipient_id is not None
        return {
            "id": str(channel.id),
            "type": DM,
            "last_message_id": last,
            "flags": 0,
            "recipients": [user_json(world.users[channel.recipient_id])],
        }
    assert channel.guild_id is not None
    return {
        "id": str(channel.id),
        "type": channel.kind,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": world.guilds[channel.guild_id].channel_ids.index(channel.id),
        "permission_overwrites": [],
        "parent_id": None,
        "nsfw": False,
        "topic": None,
        "last_message_id": last,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def everyone_role_json(guild: GuildState) -> dict[str, Any]:
    return {
        "id": str(guild.id),
        "name": "@everyone",
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": 0,
        "permissions": EVERYONE_PERMISSIONS,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def guild_json(guild: GuildState, world: World) -> dict[str, Any]:
    """The full guild as GUILD_CREATE carries it (members: the bot only; no chunking)."""
    channels = [channel_json(world.channels[cid], world) for cid in guild.channel_ids]
    for channel in channels:
        channel.pop("guild_id", None)
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [everyone_role_json(guild)],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": channels[0]["id"] if channels else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "joined_at": guild.joined_at,
        "large": False,
        "unavailable": False,
        "lazy": True,
        "member_count": len(world.users),
        "voice_states": [],
        "members": [member_json(world.bot, guild)],
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def message_json(message: StoredMessage, world: World) -> dict[str, Any]:
    author = world.users[message.author_id]
    data: dict[str, Any] = {
        "id": str(message.id),
        "channel_id": str(message.channel_id),
        "type": message.message_type,
        "content": message.content,
        "author": user_json(author),
        "attachments": [],
        "embeds": copy.deepcopy(message.embeds),
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": message.timestamp,
        "edited_timestamp": message.edited_timestamp,
        "flags": message.flags,
        "components": copy.deepcopy(message.components),
    }
    if message.webhook_id is not None:
        data["webhook_id"] = str(message.webhook_id)
        data["application_id"] = str(world.application_id)
    interaction = world.interactions.get(message.interaction_id or 0)
    if interaction is not None:
        user = user_json(world.users[interaction.user_id])
        data["interaction_metadata"] = {
            "id": str(interaction.id),
            "type": interaction.kind,
            "user": user,
            "authorizing_integration_owners": authorizing_owners(
                interaction.guild_id, interaction.user_id
            ),
        }
        if interaction.kind == 2:
            data["interaction_metadata"]["name"] = interaction.name
            data["interaction"] = {
                "id": str(interaction.id),
                "type": interaction.kind,
                "name": interaction.name,
                "user": user,
            }
    return data


def application_json(world: World) -> dict[str, Any]:
    """``GET /oauth2/applications/@me``."""
    return {
        "id": str(world.application_id),
        "name": world.application_name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": APPLICATION_FLAGS,
        "owner": user_json(world.bot),
        "team": None,
        "bot": user_json(world.bot),
        "rpc_origins": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "approximate_guild_count": len(world.guilds),
        "approximate_user_install_count": 0,
        "integration_types_config": {"0": {}},
    }


def authorizing_owners(guild_id: int | None, user_id: int) -> dict[str, str]:
    """Who installed the app for this interaction: the guild, or (in a DM) the user."""
    return {"0": str(guild_id)} if guild_id is not None else {"1": str(user_id)}
