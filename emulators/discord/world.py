"""The server's shared state: the bot and its application, the guild and its channels, users
and their DMs, messages, interactions, synced commands, and what was asked of the server. One
lock guards it all; ``changed`` wakes test-side waiters whenever something happens."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from emulators.discord.errors import unknown_channel, unknown_message, unknown_user
from emulators.discord.records import RequestRecord, Throttle
from emulators.discord.snowflakes import iso_now, new_snowflake

GUILD_TEXT, DM = 0, 1


@dataclass
class UserState:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True
    dm_channel_id: int | None = None


@dataclass
class ChannelState:
    id: int
    kind: int
    name: str | None = None
    guild_id: int | None = None
    recipient_id: int | None = None
    last_message_id: int | None = None


@dataclass
class GuildState:
    id: int
    name: str
    owner_id: int
    channel_ids: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=iso_now)


@dataclass
class StoredMessage:
    id: int
    channel_id: int
    author_id: int
    content: str
    embeds: list[Any]
    components: list[Any]
    flags: int
    created_at: float
    timestamp: str
    message_type: int = 0
    visible_to: int | None = None
    interaction_id: int | None = None
    webhook_id: int | None = None
    edited_timestamp: str | None = None
    edit_times: list[float] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    deleted: bool = False


@dataclass
class InteractionState:
    id: int
    token: str
    kind: int
    user_id: int
    channel_id: int
    guild_id: int | None
    name: str
    created_at: float
    payload: dict[str, Any]
    message_id: int | None = None
    response_type: int | None = None
    acked_at: float | None = None
    failure: str | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)


@dataclass
class World:
    bot: UserState
    application_name: str
    gateway_url: str = ""
    lock: threading.RLock = field(default_factory=threading.RLock)
    changed: threading.Condition = field(init=False)
    users: dict[int, UserState] = field(default_factory=dict)
    guilds: dict[int, GuildState] = field(default_factory=dict)
    channels: dict[int, ChannelState] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    interactions: dict[int, InteractionState] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    commands: dict[int | None, dict[str, dict[str, Any]]] = field(default_factory=dict)
    open_modals: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    throttled: list[Throttle] = field(default_factory=list)
    unknown_routes: list[str] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    gateway_frames_sent_by_bot: list[str] = field(default_factory=list)
    user_numbers: int = 0

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self.lock)
        self.users[self.bot.id] = self.bot

    @property
    def application_id(self) -> int:
        return self.bot.id

    def notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    # ------------------------------------------------------------------- look-ups

    def user(self, user_id: int) -> UserState:
        user = self.users.get(user_id)
        if user is None:
            raise unknown_user()
        return user

    def channel(self, channel_id: int) -> ChannelState:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise unknown_channel()
        return channel

    def message(self, channel_id: int, message_id: int) -> StoredMessage:
        message = self.messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id:
            raise unknown_message()
        return message

    # ------------------------------------------------------------------- changes

    def add_user(self, user_id: int | None, username: str | None) -> UserState:
        if user_id is not None and user_id in self.users:
            return self.users[user_id]
        self.user_numbers += 1
        user = UserState(
            id=user_id if user_id is not None else new_snowflake(),
            username=username or f"student{self.user_numbers}",
        )
        self.users[user.id] = user
        return user

    def add_guild(self, name: str, channel_names: list[str]) -> GuildState:
        guild = GuildState(id=new_snowflake(), name=name, owner_id=self.bot.id)
        self.guilds[guild.id] = guild
        for channel_name in channel_names:
            channel = ChannelState(
                id=new_snowflake(), kind=GUILD_TEXT, name=channel_name, guild_id=guild.id
            )
            self.channels[channel.id] = channel
            guild.channel_ids.append(channel.id)
        return guild

    def dm_channel(self, user: UserState) -> ChannelState:
        """The user's DM channel with the bot, opened on first use."""
        if user.dm_channel_id is None:
            channel = ChannelState(id=new_snowflake(), kind=DM, recipient_id=user.id)
            self.channels[channel.id] = channel
            user.dm_channel_id = channel.id
        return self.channels[user.dm_channel_id]

    def add_message(
        self,
        channel: ChannelState,
        author_id: int,
        body: dict[str, Any],
        now: float,
        **extra: Any,
    ) -> StoredMessage:
        content = body.get("content") or ""
        message = StoredMessage(
            id=new_snowflake(),
            channel_id=channel.id,
            author_id=author_id,
            content=content,
            embeds=list(body.get("embeds") or []),
            components=list(body.get("components") or []),
            flags=int(body.get("flags") or 0),
            created_at=now,
            timestamp=iso_now(),
            history=[content],
            **extra,
        )
        self.messages[message.id] = message
        if message.visible_to is None:
            channel.last_message_id = message.id
        self.notify()
        return message

    def edit_message(self, message: StoredMessage, body: dict[str, Any], now: float) -> None:
        """Apply an edit as Discord does: fields present replace, null clears, absent stay."""
        if "content" in body:
            message.content = body["content"] or ""
        if "embeds" in body:
            message.embeds = list(body["embeds"] or [])
        if "components" in body:
            message.components = list(body["components"] or [])
        if "flags" in body and body["flags"] is not None:
            message.flags = int(body["flags"]) | (message.flags & EPHEMERAL_FLAG)
        message.edited_timestamp = iso_now()
        message.edit_times.append(now)
        message.history.append(message.content)
        self.notify()


EPHEMERAL_FLAG = 1 << 6
