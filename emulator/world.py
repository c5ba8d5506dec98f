"""Building the emulated world from a test: guilds, channels, roles, members, and changes to them.

Changes made before a client connects reach it inside READY/GUILD_CREATE; after, as the matching gateway events.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, cast

from . import permissions as p
from .errors import EmulatorError
from .gateway import INTENT_GUILD_MEMBERS, Gateway, GatewaySession
from .member import SimulatedMember
from .state import ChannelRecord, EmulatorState, GuildRecord, RoleRecord

if TYPE_CHECKING:
    from .server import DiscordEmulator


class WorldBuilding:
    """The world-building half of ``DiscordEmulator`` (mixed into it; the server half owns the state and sockets)."""

    state: EmulatorState
    gateway: Gateway
    members: dict[tuple[int, int], SimulatedMember]

    def _spawn(self, make: Callable[[list[GatewaySession]], Coroutine[Any, Any, Any]]) -> None:
        raise NotImplementedError  # DiscordEmulator's

    async def flush(self) -> None:
        """Wait until dispatches scheduled by the synchronous setup helpers have been sent (DiscordEmulator's)."""
        raise NotImplementedError

    @property
    def _emulator(self) -> DiscordEmulator:
        # Only DiscordEmulator mixes this in; simulated members talk to the whole emulator.
        return cast("DiscordEmulator", self)

    def _user_id(self, who: SimulatedMember | int | None) -> int | None:
        if who is None or isinstance(who, int):
            return who
        return who.user_id

    def create_guild(
        self,
        name: str = "Test Guild",
        owner: SimulatedMember | int | None = None,
        *,
        on_shard: tuple[int, int] | None = None,
    ) -> GuildRecord:
        """Create a guild (@everyone, #general, the bot with a managed role); GUILD_CREATE if already connected.

        `on_shard=(shard_id, num_shards)` gives it an id that Discord's formula puts on that shard.
        """
        guild = self.state.create_guild(name, self._user_id(owner), on_shard=on_shard)
        self._spawn(lambda targets: self._announce_guild(guild.id, targets))
        return guild

    async def _announce_guild(self, guild_id: int, targets: list[GatewaySession]) -> None:
        for session in targets:
            data = self.state.guild_create_payload(guild_id, all_members=bool(session.intents & INTENT_GUILD_MEMBERS))
            await self.gateway.dispatch("GUILD_CREATE", data, targets=[session], guild_id=guild_id)

    def create_text_channel(
        self,
        guild_id: int,
        name: str,
        overwrites: dict[int, tuple[int, int]] | list[p.Overwrite] | None = None,
        *,
        parent_id: int | None = None,
        topic: str | None = None,
    ) -> ChannelRecord:
        """Create a text channel; ``overwrites`` maps role/member id -> (allow, deny). CHANNEL_CREATE if connected."""
        ows = self._overwrites(guild_id, overwrites)
        chan = self.state.create_channel(guild_id, name, overwrites=ows, parent_id=parent_id, topic=topic)
        self._spawn(lambda t: self.gateway.dispatch("CHANNEL_CREATE", chan.payload(), guild_id=guild_id, targets=t))
        return chan

    def _overwrites(
        self, guild_id: int, overwrites: dict[int, tuple[int, int]] | list[p.Overwrite] | None
    ) -> list[p.Overwrite]:
        if overwrites is None:
            return []
        if isinstance(overwrites, list):
            return overwrites
        roles = self.state.guild(guild_id).roles
        return [
            p.Overwrite(id=tid, type=p.OVERWRITE_ROLE if tid in roles else p.OVERWRITE_MEMBER, allow=a, deny=d)
            for tid, (a, d) in overwrites.items()
        ]

    def create_role(self, guild_id: int, name: str, permissions: int = 0) -> RoleRecord:
        """Create a role; GUILD_ROLE_CREATE if connected."""
        role = self.state.create_role(guild_id, name, permissions)
        self._spawn(
            lambda t: self.gateway.dispatch(
                "GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role.payload()}, guild_id=guild_id, targets=t
            )
        )
        return role

    def create_member(
        self,
        guild_id: int,
        name: str,
        admin: bool = False,
        permissions: int | None = None,
        *,
        roles: list[int] | None = None,
        user_id: int | None = None,
        locale: str = "en-US",
    ) -> SimulatedMember:
        """Create a user (or reuse ``user_id``) who joins the guild; returns the simulated member that acts as them.

        ``admin=True`` grants a "Server Manager" role with Manage Server; ``permissions`` grants a role with exactly
        those bits (on top of @everyone).
        """
        state = self.state
        guild = state.guild(guild_id)
        user = state.users[user_id] if user_id is not None else state.create_user(name)
        role_ids = list(roles or [])
        if admin:
            role = next((r for r in guild.roles.values() if r.name == "Server Manager"), None)
            if role is None:
                role = self.create_role(guild_id, "Server Manager", p.MANAGE_GUILD | p.MANAGE_MESSAGES)
            role_ids.append(role.id)
        if permissions is not None:
            role_ids.append(self.create_role(guild_id, f"{name}-perms", permissions).id)
        state.add_member(guild_id, user.id, role_ids)
        member = SimulatedMember(self._emulator, user.id, guild_id, locale=locale)
        self.members[(guild_id, user.id)] = member
        data = {**state.member_payload(guild_id, user.id), "guild_id": str(guild_id)}
        self._spawn(
            lambda t: self.gateway.dispatch(
                "GUILD_MEMBER_ADD", data, intent=INTENT_GUILD_MEMBERS, guild_id=guild_id, targets=t
            )
        )
        return member

    def create_user(self, name: str) -> SimulatedMember:
        """Create a user who shares no guild with the bot (can still DM / be DMed); acts via the returned member."""
        user = self.state.create_user(name)
        member = SimulatedMember(self._emulator, user.id, None)
        self.members[(0, user.id)] = member
        return member

    def member(self, user_id: int, guild_id: int | None = None) -> SimulatedMember:
        """Return the SimulatedMember for a user (in a guild, or any)."""
        for (gid, uid), m in self.members.items():
            if uid == user_id and (guild_id is None or gid == guild_id):
                return m
        raise EmulatorError(f"no simulated member for user {user_id}")

    async def remove_member(self, guild_id: int, user_id: int) -> None:
        """Remove a member from a guild (GUILD_MEMBER_REMOVE)."""
        guild = self.state.guild(guild_id)
        guild.members.pop(user_id, None)
        self.members.pop((guild_id, user_id), None)
        await self.gateway.dispatch(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild_id), "user": self.state.users[user_id].payload()},
            intent=INTENT_GUILD_MEMBERS,
            guild_id=guild_id,
        )

    async def remove_bot_from_guild(self, guild_id: int) -> None:
        """Kick the bot from a guild (GUILD_DELETE without ``unavailable``)."""
        self.state.guild(guild_id).members.pop(self.state.bot.id, None)
        await self.gateway.dispatch("GUILD_DELETE", {"id": str(guild_id)}, guild_id=guild_id)

    def set_dms_closed(self, user_id: int, closed: bool = True) -> None:
        """Make the bot's DMs to this user fail with 403 code 50007."""
        if closed:
            self.state.dms_closed.add(user_id)
        else:
            self.state.dms_closed.discard(user_id)

    def can_dm(self, user_id: int) -> bool:
        """Whether the bot may DM a user: they share a guild, or the user has messaged the bot in DMs."""
        state = self.state
        if any(user_id in g.members and state.bot.id in g.members for g in state.guilds.values()):
            return True
        cid = state.dm_channels.get(user_id)
        return cid is not None and any(m.author_id == user_id for m in state.channel_messages(cid))

    async def set_member_roles(self, guild_id: int, user_id: int, role_ids: list[int]) -> None:
        """Replace a member's roles (GUILD_MEMBER_UPDATE)."""
        member = self.state.guild(guild_id).members[user_id]
        member.roles = list(role_ids)
        await self.flush()
        data = {**self.state.member_payload(guild_id, user_id), "guild_id": str(guild_id)}
        await self.gateway.dispatch("GUILD_MEMBER_UPDATE", data, intent=INTENT_GUILD_MEMBERS, guild_id=guild_id)

    async def set_channel_permission(self, channel_id: int, target_id: int, allow: int = 0, deny: int = 0) -> None:
        """Set (or with allow=deny=0 remove) a role/member overwrite; emits CHANNEL_UPDATE; REST enforces it."""
        chan = self.state.channels[channel_id]
        if chan.guild_id is None:
            raise EmulatorError("DM channels have no permission overwrites")
        roles = self.state.guild(chan.guild_id).roles
        if allow == 0 and deny == 0:
            chan.overwrites.pop(target_id, None)
        else:
            kind = p.OVERWRITE_ROLE if target_id in roles else p.OVERWRITE_MEMBER
            chan.overwrites[target_id] = p.Overwrite(id=target_id, type=kind, allow=allow, deny=deny)
        await self.flush()
        await self.gateway.dispatch("CHANNEL_UPDATE", chan.payload(), guild_id=chan.guild_id)

    async def set_role_permissions(self, guild_id: int, role_id: int, permissions: int) -> None:
        """Change a role's permissions (GUILD_ROLE_UPDATE); the @everyone role id is the guild id."""
        role = self.state.guild(guild_id).roles[role_id]
        role.permissions = permissions
        await self.flush()
        await self.gateway.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": role.payload()}, guild_id=guild_id
        )

    async def delete_channel(self, channel_id: int) -> None:
        """Delete a guild channel (CHANNEL_DELETE); REST then answers 404 code 10003."""
        chan = self.state.channels.pop(channel_id)
        if chan.guild_id is not None:
            guild = self.state.guild(chan.guild_id)
            if channel_id in guild.channel_ids:
                guild.channel_ids.remove(channel_id)
        await self.flush()
        await self.gateway.dispatch("CHANNEL_DELETE", chan.payload(), guild_id=chan.guild_id)
