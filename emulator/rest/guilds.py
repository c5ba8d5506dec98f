"""REST routes for guilds the bot is in: the guild, its channels, members and roles."""

from __future__ import annotations

from aiohttp import web

from ..validation import ApiError
from .http import AddRoute, RouteGroup, guild_or_404, json_response, snowflake, truthy


class GuildRoutes(RouteGroup):
    """``/guilds/{id}`` and its channels, members and roles."""

    def register(self, add: AddRoute) -> None:
        """Add this group's routes (literal segments such as ``@me`` before parameters)."""
        add("GET", "/guilds/{guild_id}", self.get_guild)
        add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        add("GET", "/guilds/{guild_id}/members", self.list_members)
        add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        add("GET", "/guilds/{guild_id}/roles", self.get_roles)

    async def get_guild(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}."""
        gid = guild_or_404(self.state, params["guild_id"])
        data = self.state.guild_payload(gid)
        if not truthy(request.query.get("with_counts")):
            data.pop("approximate_member_count")
            data.pop("approximate_presence_count")
        return json_response(data)

    async def get_guild_channels(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}/channels."""
        state = self.state
        gid = guild_or_404(self.state, params["guild_id"])
        return json_response([state.channels[c].payload() for c in state.guild(gid).channel_ids])

    async def list_members(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}/members (limit/after)."""
        state = self.state
        gid = guild_or_404(self.state, params["guild_id"])
        limit = int(request.query.get("limit", "1"))
        after = int(request.query.get("after", "0"))
        ids = sorted(u for u in state.guild(gid).members if u > after)[:limit]
        return json_response([state.member_payload(gid, u) for u in ids])

    async def get_member(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}/members/{uid}."""
        state = self.state
        gid = guild_or_404(self.state, params["guild_id"])
        uid = snowflake(params["user_id"], "user_id")
        if uid not in state.guild(gid).members:
            raise ApiError(404, 10007, "Unknown Member")
        return json_response(state.member_payload(gid, uid))

    async def get_roles(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}/roles."""
        state = self.state
        gid = guild_or_404(self.state, params["guild_id"])
        return json_response([r.payload() for r in state.guild(gid).roles.values()])
