"""REST routes about who is who: the bot user, other users, DM channels, the gateway URL and the application."""

from __future__ import annotations

from aiohttp import web

from .. import permissions as p
from ..validation import ApiError
from .http import AddRoute, RouteGroup, json_response, read_body, snowflake


class UserRoutes(RouteGroup):
    """``/users``, ``/gateway`` and the application info."""

    def register(self, add: AddRoute) -> None:
        """Add this group's routes (literal segments such as ``@me`` before parameters)."""
        add("GET", "/users/@me", self.get_me)
        add("POST", "/users/@me/channels", self.create_dm)
        add("GET", "/users/@me/guilds", self.get_my_guilds)
        add("GET", "/users/{user_id}", self.get_user)
        add("GET", "/gateway", self.get_gateway, bot_auth=False)
        add("GET", "/gateway/bot", self.get_gateway_bot)
        add("GET", "/oauth2/applications/@me", self.get_app_info)
        add("GET", "/applications/@me", self.get_app_info)

    async def get_me(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /users/@me."""
        bot = self.state.bot
        return json_response(
            {**bot.payload(), "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}
        )

    async def get_user(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /users/{id}."""
        user = self.state.users.get(snowflake(params["user_id"], "user_id"))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return json_response(user.payload())

    async def get_my_guilds(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /users/@me/guilds."""
        state = self.state
        out = []
        for g in state.guilds.values():
            if state.bot.id in g.members:
                out.append(
                    {
                        "id": str(g.id),
                        "name": g.name,
                        "icon": None,
                        "banner": None,
                        "owner": False,
                        "permissions": str(state.guild_permissions(g.id, state.bot.id)),
                        "features": list(g.features),
                    }
                )
        return json_response(out)

    async def create_dm(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST /users/@me/channels."""
        body, _ = await read_body(request)
        uid = snowflake(body.get("recipient_id"), "recipient_id")
        user = self.state.users.get(uid)
        if user is None or uid == self.state.bot.id:
            raise ApiError(400, 50033, "Invalid Recipient(s)")
        chan = self.state.dm_channel_for(uid)
        return json_response(chan.payload(self.state.users))

    async def get_gateway(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /gateway."""
        return json_response({"url": self.emu.gateway_url})

    async def get_gateway_bot(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /gateway/bot."""
        return json_response(
            {
                "url": self.emu.gateway_url,
                "shards": self.emu.recommended_shards,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1},
            }
        )

    async def get_app_info(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /oauth2/applications/@me (everything discord.py's AppInfo reads)."""
        state = self.state
        return json_response(
            {
                "id": str(state.application_id),
                "name": state.bot.username,
                "icon": None,
                "description": "Local Discord emulator application",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": state.owner.payload(),
                "team": None,
                "flags": self.emu.application_flags,
                "bot": state.bot.payload(),
                "rpc_origins": [],
                "redirect_uris": [],
                "tags": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "install_params": {"scopes": ["bot", "applications.commands"], "permissions": str(p.DEFAULT_BOT_ROLE)},
                "integration_types_config": {"0": {}, "1": {}},
                "approximate_guild_count": len(state.guilds),
                "approximate_user_install_count": 0,
                "is_monetized": False,
                "is_verified": False,
                "is_discoverable": False,
                "hook": True,
                "storefront_available": False,
            }
        )
