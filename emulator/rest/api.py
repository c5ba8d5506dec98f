"""The REST API's front door: match a route, check auth, rate limits and injected faults, run its handler."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web

from ..gateway import (
    INTENT_DIRECT_MESSAGE_REACTIONS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGES,
)
from ..messages import EmulatedMessage, emoji_payload
from ..ratelimit import bucket_hash
from ..validation import ApiError
from .channels import ChannelRoutes
from .commands import CommandRoutes
from .compose import MessageComposer
from .guilds import GuildRoutes
from .http import Handler, RouteDef, json_response, template_regex
from .interactions import InteractionRoutes
from .users import UserRoutes

if TYPE_CHECKING:
    from ..server import DiscordEmulator

log = logging.getLogger(__name__)


@dataclass
class Fault:
    """A fault injected with ``fail_next``."""

    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    body: Any
    headers: dict[str, str]


class RestApi:
    """Routes ``/api/v10/...`` requests to the resource route groups, against the emulator's state."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.routes: list[RouteDef] = []
        self.faults: list[Fault] = []
        self.compose = MessageComposer(emu)
        # Registration order is match order: the same as Discord's, literal segments (``@me``) first.
        for group in (UserRoutes, CommandRoutes, InteractionRoutes, ChannelRoutes, GuildRoutes):
            group(self).register(self.add)

    # ----------------------------------------------------------------- routing

    def add(self, method: str, template: str, handler: Handler, *, bot_auth: bool = True) -> None:
        """Register a route."""
        self.routes.append(RouteDef(method, template, template_regex(template), handler, bot_auth))

    def match(self, method: str, path: str) -> tuple[RouteDef, dict[str, str]] | None:
        """Find the route for a method and (raw, still percent-encoded) path."""
        for route in self.routes:
            if route.method != method:
                continue
            m = route.regex.match(path)
            if m:
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point for every ``/api/v{n}/...`` request."""
        emu = self.emu
        now = time.monotonic()
        raw_path = request.rel_url.raw_path
        path = re.sub(r"^/api/v\d+", "", raw_path) or "/"
        method = request.method.upper()
        matched = self.match(method, path)
        template = matched[0].template if matched else "<unknown>"
        emu.stats.total_requests += 1
        emu.stats.request_times.append(now)
        emu.stats.requests[(method, template)] += 1
        emu.request_log.append((method, path, template))
        if matched is None:
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        route, params = matched
        if route.bot_auth:
            emu.stats.bot_request_times.append(now)

        fault = self._take_fault(method, path)
        if fault is not None:
            return fault

        if route.bot_auth:
            if request.headers.get("Authorization") != f"Bot {emu.token}":
                return json_response({"message": "401: Unauthorized", "code": 0}, 401)
            if emu.global_limiter is not None:
                wait = emu.global_limiter.check(now)
                if wait is not None:
                    emu.stats.rate_limited_global += 1
                    return json_response(
                        {"message": "You are being rate limited.", "retry_after": round(wait, 3), "global": True},
                        429,
                        {
                            "Retry-After": str(max(1, round(wait))),
                            "X-RateLimit-Global": "true",
                            "X-RateLimit-Scope": "global",
                            "Via": "1.1 google",
                        },
                    )

        major = params.get("channel_id") or params.get("guild_id") or params.get("webhook_id", "")
        if "webhook_token" in params or "interaction_token" in params:
            major += "+" + params.get("webhook_token", params.get("interaction_token", ""))
        verdict = emu.route_limiter.check(route.key, major)
        if verdict.retry_after is not None:
            emu.stats.rate_limited_route += 1
            return json_response(
                {
                    "message": "You are being rate limited.",
                    "retry_after": round(verdict.retry_after, 3),
                    "global": False,
                },
                429,
                {
                    **verdict.headers,
                    "Retry-After": str(max(1, round(verdict.retry_after))),
                    "X-RateLimit-Scope": "user",
                    "Via": "1.1 google",
                },
            )
        try:
            response = await route.handler(request, params)
        except ApiError as exc:
            response = json_response(exc.body(), exc.status, exc.headers)
        except Exception:
            log.exception("emulator route %s %s crashed", method, path)
            response = json_response({"message": "500: Internal Server Error (emulator bug)", "code": 0}, 500)
        for k, v in verdict.headers.items():
            response.headers.setdefault(k, v)
        return response

    def _take_fault(self, method: str, path: str) -> web.Response | None:
        for fault in self.faults:
            if fault.method not in ("*", method) or not fault.pattern.search(path):
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self.faults.remove(fault)
            self.emu.stats.faults_injected += 1
            headers = dict(fault.headers)
            body = fault.body
            if fault.status == 429:
                retry = float(body.get("retry_after", 0.2)) if isinstance(body, dict) else 0.2
                if body is None:
                    body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
                headers = {
                    "Retry-After": str(max(1, round(retry))),
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                    "X-RateLimit-Reset-After": f"{retry:.3f}",
                    "X-RateLimit-Bucket": bucket_hash(f"{method} {path}"),
                    "X-RateLimit-Scope": "user",
                    "Via": "1.1 google",
                    **headers,
                }
            if body is None:
                body = {"message": f"{fault.status}: injected fault", "code": 0}
            if isinstance(body, (dict, list)):
                return json_response(body, fault.status, headers)
            return web.Response(status=fault.status, text=str(body), headers=headers)
        return None

    async def emit_message(self, event: str, msg: EmulatedMessage) -> None:
        """Dispatch MESSAGE_CREATE/UPDATE for a (non-ephemeral) message."""
        if msg.ephemeral:
            return
        state = self.emu.state
        intent = INTENT_DIRECT_MESSAGES if msg.guild_id is None else INTENT_GUILD_MESSAGES
        gated = msg.guild_id is not None and msg.author_id != state.bot.id and state.bot.id not in msg.mentions
        await self.emu.gateway.dispatch(
            event, state.message_event_payload(msg), intent=intent, guild_id=msg.guild_id, content_gated=gated
        )

    async def emit_delete(self, msg: EmulatedMessage) -> None:
        """Dispatch MESSAGE_DELETE."""
        if msg.ephemeral:
            return
        data: dict[str, Any] = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        intent = INTENT_DIRECT_MESSAGES if msg.guild_id is None else INTENT_GUILD_MESSAGES
        await self.emu.gateway.dispatch("MESSAGE_DELETE", data, intent=intent, guild_id=msg.guild_id)

    async def emit_reaction(self, event: str, msg: EmulatedMessage, user_id: int, emoji: str) -> None:
        """Dispatch MESSAGE_REACTION_ADD/REMOVE."""
        state = self.emu.state
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(msg.channel_id),
            "message_id": str(msg.id),
            "emoji": emoji_payload(emoji),
            "burst": False,
            "type": 0,
        }
        if event == "MESSAGE_REACTION_ADD":
            data["message_author_id"] = str(msg.author_id)
            data["burst_colors"] = []
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
            if event == "MESSAGE_REACTION_ADD" and user_id in state.guild(msg.guild_id).members:
                data["member"] = state.member_payload(msg.guild_id, user_id)
        intent = INTENT_DIRECT_MESSAGE_REACTIONS if msg.guild_id is None else INTENT_GUILD_MESSAGE_REACTIONS
        await self.emu.gateway.dispatch(event, data, intent=intent, guild_id=msg.guild_id)

    # ----------------------------------------------------------------- CDN

    async def get_attachment(self, request: web.Request) -> web.StreamResponse:
        """Serve uploaded attachment bytes (stands in for cdn.discordapp.com)."""
        try:
            att = self.emu.attachments[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            return web.Response(status=404, text="not found")
        return web.Response(body=att.data, headers={"Content-Type": att.content_type or "application/octet-stream"})
