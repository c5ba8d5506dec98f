"""In-memory Discord world: snowflakes, users, guilds, roles, channels, members, messages, commands."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from . import permissions as p
from .messages import EmulatedMessage

log = logging.getLogger(__name__)

DISCORD_EPOCH_MS = 1420070400000

CHANNEL_TEXT = 0
CHANNEL_DM = 1
CHANNEL_VOICE = 2
CHANNEL_CATEGORY = 4


class SnowflakeGenerator:
    """Generates strictly increasing Discord snowflakes from the wall clock."""

    def __init__(self) -> None:
        self._last = 0
        self._counter = itertools.count()

    def next(self) -> int:
        """Return a fresh snowflake, strictly greater than the previous one."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        candidate = (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate

    def next_on_shard(self, shard_id: int, num_shards: int) -> int:
        """A fresh snowflake whose server would be on `shard_id` of `num_shards` (at most a few ms ahead)."""
        candidate = self.next()
        while (candidate >> 22) % num_shards != shard_id:
            candidate = ((candidate >> 22) + 1) << 22 | (1 << 17)
        self._last = candidate
        return candidate


def snowflake_time(snowflake: int) -> dt.datetime:
    """Return the aware UTC creation time encoded in a snowflake."""
    return dt.datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, tz=dt.UTC)


@dataclass
class UserRecord:
    """A Discord user (humans and the bot)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    def payload(self) -> dict[str, Any]:
        """Return the Discord JSON user object."""
        out: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
        }
        if self.bot:
            out["bot"] = True
        return out


@dataclass
class RoleRecord:
    """A guild role."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False
    bot_id: int | None = None

    def payload(self) -> dict[str, Any]:
        """Return the Discord JSON role object."""
        out: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            out["tags"] = {"bot_id": str(self.bot_id)}
        return out


@dataclass
class ChannelRecord:
    """A guild text/voice/category channel, or a DM channel."""

    id: int
    type: int
    guild_id: int | None
    name: str | None = None
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    overwrites: dict[int, p.Overwrite] = field(default_factory=dict)
    recipient_id: int | None = None
    last_message_id: int | None = None
    nsfw: bool = False

    def payload(self, users: dict[int, UserRecord] | None = None) -> dict[str, Any]:
        """Return the Discord JSON channel object."""
        if self.type == CHANNEL_DM:
            recipients = []
            if users is not None and self.recipient_id in users:
                recipients = [users[self.recipient_id].payload()]
            return {
                "id": str(self.id),
                "type": CHANNEL_DM,
                "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                "recipients": recipients,
                "flags": 0,
            }
        out: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [ow.payload() for ow in self.overwrites.values()],
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "nsfw": self.nsfw,
            "flags": 0,
        }
        if self.type == CHANNEL_TEXT:
            out.update(
                topic=self.topic,
                last_message_id=str(self.last_message_id) if self.last_message_id else None,
                rate_limit_per_user=0,
                default_auto_archive_duration=1440,
            )
        elif self.type == CHANNEL_VOICE:
            out.update(bitrate=64000, user_limit=0, rtc_region=None, last_message_id=None, rate_limit_per_user=0)
        return out


@dataclass
class MemberRecord:
    """A user's membership of a guild."""

    user_id: int
    guild_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    nick: str | None = None


@dataclass
class GuildRecord:
    """A guild and the ids of everything in it."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, RoleRecord] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    members: dict[int, MemberRecord] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    preferred_locale: str = "en-US"
    system_channel_id: int | None = None


class EmulatorState:
    """All stored Discord objects plus the helpers that render their payloads and compute permissions."""

    def __init__(self, bot_name: str = "Bounceback") -> None:
        self.ids = SnowflakeGenerator()
        self.users: dict[int, UserRecord] = {}
        self.guilds: dict[int, GuildRecord] = {}
        self.channels: dict[int, ChannelRecord] = {}
        self.messages: dict[int, EmulatedMessage] = {}
        self.channel_index: dict[int, list[int]] = {}
        self.dm_channels: dict[int, int] = {}
        self.dms_closed: set[int] = set()
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.application_id = self.ids.next()
        self.bot = UserRecord(id=self.application_id, username=bot_name, global_name=None, bot=True)
        self.users[self.bot.id] = self.bot
        self.owner = UserRecord(id=self.ids.next(), username="app-owner", global_name="App Owner")
        self.users[self.owner.id] = self.owner

    # ----------------------------------------------------------------- creation

    def create_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> UserRecord:
        """Create a user."""
        user = UserRecord(id=self.ids.next(), username=name, global_name=global_name or name, bot=bot)
        self.users[user.id] = user
        return user

    def create_guild(
        self, name: str, owner_id: int | None = None, *, on_shard: tuple[int, int] | None = None
    ) -> GuildRecord:
        """Create a guild with @everyone, a managed bot role, #general, and the bot as a member.

        `on_shard=(shard_id, num_shards)` picks an id Discord's formula puts on that shard (for sharding tests).
        """
        gid = self.ids.next() if on_shard is None else self.ids.next_on_shard(*on_shard)
        if owner_id is None:
            owner = self.create_user(f"{name.lower().replace(' ', '-')}-owner")
            owner_id = owner.id
        guild = GuildRecord(id=gid, name=name, owner_id=owner_id)
        guild.roles[gid] = RoleRecord(id=gid, guild_id=gid, name="@everyone", permissions=p.DEFAULT_EVERYONE)
        bot_role = RoleRecord(
            id=self.ids.next(),
            guild_id=gid,
            name=self.bot.username,
            permissions=p.DEFAULT_BOT_ROLE,
            position=1,
            managed=True,
            bot_id=self.bot.id,
        )
        guild.roles[bot_role.id] = bot_role
        self.guilds[gid] = guild
        guild.members[owner_id] = MemberRecord(user_id=owner_id, guild_id=gid)
        guild.members[self.bot.id] = MemberRecord(user_id=self.bot.id, guild_id=gid, roles=[bot_role.id])
        general = self.create_channel(gid, "general")
        guild.system_channel_id = general.id
        return guild

    def create_channel(
        self,
        guild_id: int,
        name: str,
        *,
        type: int = CHANNEL_TEXT,
        overwrites: list[p.Overwrite] | None = None,
        parent_id: int | None = None,
        topic: str | None = None,
    ) -> ChannelRecord:
        """Create a guild channel."""
        guild = self.guild(guild_id)
        chan = ChannelRecord(
            id=self.ids.next(),
            type=type,
            guild_id=guild_id,
            name=name,
            position=len(guild.channel_ids),
            parent_id=parent_id,
            topic=topic,
            overwrites={ow.id: ow for ow in overwrites or []},
        )
        self.channels[chan.id] = chan
        self.channel_index[chan.id] = []
        guild.channel_ids.append(chan.id)
        return chan

    def create_role(self, guild_id: int, name: str, permissions: int) -> RoleRecord:
        """Create a (non-managed) role."""
        guild = self.guild(guild_id)
        role = RoleRecord(
            id=self.ids.next(), guild_id=guild_id, name=name, permissions=permissions, position=len(guild.roles)
        )
        guild.roles[role.id] = role
        return role

    def add_member(self, guild_id: int, user_id: int, roles: list[int] | None = None) -> MemberRecord:
        """Add a user to a guild."""
        member = MemberRecord(user_id=user_id, guild_id=guild_id, roles=list(roles or []))
        self.guild(guild_id).members[user_id] = member
        return member

    def dm_channel_for(self, user_id: int) -> ChannelRecord:
        """Return the (stable) DM channel between the bot and ``user_id``, creating it on first use."""
        cid = self.dm_channels.get(user_id)
        if cid is not None:
            return self.channels[cid]
        chan = ChannelRecord(id=self.ids.next(), type=CHANNEL_DM, guild_id=None, recipient_id=user_id)
        self.channels[chan.id] = chan
        self.channel_index[chan.id] = []
        self.dm_channels[user_id] = chan.id
        return chan

    # ----------------------------------------------------------------- lookup

    def guild(self, guild_id: int) -> GuildRecord:
        """Return a guild or raise KeyError."""
        return self.guilds[guild_id]

    def channel_messages(self, channel_id: int, *, include_ephemeral: bool = False) -> list[EmulatedMessage]:
        """Messages in a channel, oldest first, excluding deleted ones."""
        out = []
        for mid in self.channel_index.get(channel_id, []):
            msg = self.messages[mid]
            if msg.deleted or (msg.ephemeral and not include_ephemeral):
                continue
            out.append(msg)
        return out

    def add_message(self, msg: EmulatedMessage) -> None:
        """Store a message and index it under its channel."""
        self.messages[msg.id] = msg
        self.channel_index.setdefault(msg.channel_id, []).append(msg.id)
        chan = self.channels.get(msg.channel_id)
        if chan is not None and not msg.ephemeral:
            chan.last_message_id = msg.id

    # ----------------------------------------------------------------- permissions

    def guild_permissions(self, guild_id: int, user_id: int) -> int:
        """Guild-level permissions of a member."""
        guild = self.guild(guild_id)
        member = guild.members.get(user_id)
        role_ids = member.roles if member else []
        return p.base_permissions(
            guild_id=guild_id,
            owner_id=guild.owner_id,
            user_id=user_id,
            member_role_ids=role_ids,
            role_perms={rid: r.permissions for rid, r in guild.roles.items()},
        )

    def channel_permissions(self, channel_id: int, user_id: int) -> int:
        """Permissions of a user in a channel (DMs: the usual DM set)."""
        chan = self.channels[channel_id]
        if chan.guild_id is None:
            return (
                p.VIEW_CHANNEL
                | p.SEND_MESSAGES
                | p.EMBED_LINKS
                | p.ATTACH_FILES
                | p.ADD_REACTIONS
                | p.READ_MESSAGE_HISTORY
                | p.USE_EXTERNAL_EMOJIS
                | p.USE_APPLICATION_COMMANDS
            )
        base = self.guild_permissions(chan.guild_id, user_id)
        member = self.guild(chan.guild_id).members.get(user_id)
        overwrites = dict(chan.overwrites)
        if chan.parent_id is not None and chan.parent_id in self.channels and not overwrites:
            overwrites = dict(self.channels[chan.parent_id].overwrites)
        return p.apply_overwrites(
            base,
            guild_id=chan.guild_id,
            user_id=user_id,
            member_role_ids=member.roles if member else [],
            overwrites=overwrites,
        )

    # ----------------------------------------------------------------- payloads

    def member_payload(self, guild_id: int, user_id: int, *, with_user: bool = True) -> dict[str, Any]:
        """Return the Discord JSON guild member object."""
        member = self.guild(guild_id).members[user_id]
        out: dict[str, Any] = {
            "roles": [str(r) for r in member.roles],
            "joined_at": member.joined_at.isoformat(),
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            out["user"] = self.users[user_id].payload()
        return out

    def guild_payload(self, guild_id: int) -> dict[str, Any]:
        """Return the REST guild object (no channels/members)."""
        g = self.guild(guild_id)
        return {
            "id": str(g.id),
            "name": g.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(g.owner_id),
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in g.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": list(g.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(g.system_channel_id) if g.system_channel_id else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": g.preferred_locale,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "nsfw": False,
            "premium_progress_bar_enabled": False,
            "widget_enabled": False,
            "incidents_data": None,
            "approximate_member_count": len(g.members),
            "approximate_presence_count": 0,
        }

    def guild_create_payload(self, guild_id: int, *, all_members: bool) -> dict[str, Any]:
        """Return a full GUILD_CREATE payload (the bot's member always; everyone if ``all_members``)."""
        g = self.guild(guild_id)
        data = self.guild_payload(guild_id)
        data.pop("approximate_member_count")
        data.pop("approximate_presence_count")
        member_ids = list(g.members) if all_members else [self.bot.id]
        data.update(
            unavailable=False,
            large=False,
            lazy=True,
            joined_at=g.members[self.bot.id].joined_at.isoformat(),
            member_count=len(g.members),
            members=[self.member_payload(guild_id, uid) for uid in member_ids if uid in g.members],
            channels=[self.channels[cid].payload() for cid in g.channel_ids],
            threads=[],
            voice_states=[],
            presences=[],
            stage_instances=[],
            guild_scheduled_events=[],
            soundboard_sounds=[],
            embedded_activities=[],
            activity_instances=[],
            application_command_counts={},
            version=int(time.time() * 1000),
        )
        for ch in data["channels"]:
            ch.pop("guild_id", None)
        return data

    def message_event_payload(self, msg: EmulatedMessage) -> dict[str, Any]:
        """Return the MESSAGE_CREATE/UPDATE gateway payload (adds guild_id and the author's member)."""
        data = msg.payload(self.bot.id)
        data["mentions"] = [self.users[u].payload() for u in msg.mentions if u in self.users]
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
            guild = self.guilds.get(msg.guild_id)
            if guild is not None and msg.author_id in guild.members and msg.webhook_id is None:
                data["member"] = self.member_payload(msg.guild_id, msg.author_id, with_user=False)
        return data

    def rest_message_payload(self, msg: EmulatedMessage) -> dict[str, Any]:
        """Return the REST message object."""
        data = msg.payload(self.bot.id)
        data["mentions"] = [self.users[u].payload() for u in msg.mentions if u in self.users]
        if msg.message_reference is not None:
            ref_id = msg.message_reference.get("message_id")
            ref = self.messages.get(int(ref_id)) if ref_id else None
            if ref is not None and not ref.deleted:
                data["referenced_message"] = ref.payload(self.bot.id)
        return data
