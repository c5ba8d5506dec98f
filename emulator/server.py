"""The DiscordEmulator facade: the aiohttp server (REST + gateway), waiting, inspection, faults, interactions.

Building the world (guilds, channels, roles, members) is the other half, in world.py.
"""

# ruff: noqa: ASYNC109  # the public API deliberately takes timeout= like asyncio.wait_for

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web

from .errors import EmulatorError, InteractionNotAnswered
from .gateway import Gateway, GatewaySession
from .interactions import InteractionResult, PendingInteraction
from .member import SimulatedMember
from .messages import EmulatedAttachment, EmulatedMessage
from .ratelimit import DEFAULT_ROUTE_LIMITS, GlobalLimiter, RouteLimiter
from .rest import Fault, RestApi
from .state import CHANNEL_DM, ChannelRecord, EmulatorState
from .stats import EmulatorStats
from .world import WorldBuilding

log = logging.getLogger(__name__)

T = TypeVar("T")


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class DiscordEmulator(WorldBuilding):
    """A local Discord (REST v10 + gateway v10) that the real discord.py client can connect to."""

    def __init__(
        self,
        token: str = "emulator-token",  # noqa: S107 - a fake token for a fake Discord
        *,
        global_rate_limit: int | None = None,
        interaction_timeout: float = 3.0,
        heartbeat_interval_ms: int = 41250,
        route_rate_limits: bool | dict[str, tuple[int, float]] = False,
        bot_name: str = "Bounceback",
        webhook_token_ttl: float = 15 * 60.0,
        attachment_size_limit: int = 10 * 1024 * 1024,
        application_flags: int = 0,
        recommended_shards: int = 1,
        max_guilds_per_shard: int = 2500,
        host: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port or 0
        self.interaction_timeout = interaction_timeout
        self.webhook_token_ttl = webhook_token_ttl
        self.attachment_size_limit = attachment_size_limit
        self.application_flags = application_flags
        self.recommended_shards = recommended_shards
        self.max_guilds_per_shard = max_guilds_per_shard
        self.state = EmulatorState(bot_name=bot_name)
        self.stats = EmulatorStats()
        # Discord counts its global limit per bot token: one limiter for the token, whatever the number of
        # sessions, shards or processes its requests come from.
        self.global_limiter = GlobalLimiter(global_rate_limit) if global_rate_limit else None
        limits = DEFAULT_ROUTE_LIMITS if route_rate_limits is True else (route_rate_limits or {})
        self.route_limiter = RouteLimiter(dict(limits), enforce=bool(route_rate_limits))
        self.gateway = Gateway(self, heartbeat_interval_ms)
        self.rest = RestApi(self)
        self.attachments: dict[int, EmulatedAttachment] = {}
        self.pending_interactions: dict[int, PendingInteraction] = {}
        self.interactions_by_token: dict[str, PendingInteraction] = {}
        self.interactions: list[InteractionResult] = []
        self.members: dict[tuple[int, int], SimulatedMember] = {}
        self.request_log: deque[tuple[str, str, str]] = deque(maxlen=2000)
        self._waiters: set[asyncio.Future[None]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._deferred: list[Callable[[], Coroutine[Any, Any, Any]]] = []
        self._consumed: set[int] = set()
        self._runner: web.AppRunner | None = None

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Bind the server (127.0.0.1, a free port unless one was given)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self.rest.get_attachment)
        app.router.add_route("*", "/api/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        if not self.port:
            self.port = _free_port(self.host)
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        log.info("Discord emulator listening on %s", self.base_url)

    async def stop(self) -> None:
        """Close gateway sockets and shut the server down."""
        await self.flush()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for fut in self._waiters:
            fut.cancel()

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- addresses & ids

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY`` (also READY's resume_gateway_url)."""
        return f"ws://{self.host}:{self.port}/"

    @property
    def application_id(self) -> int:
        """The application id (equal to the bot user's id, as for real bots)."""
        return self.state.application_id

    @property
    def bot_user_id(self) -> int:
        """The bot user's id."""
        return self.state.bot.id

    # ----------------------------------------------------------------- waiting

    def notify(self) -> None:
        """Wake every ``wait_until`` waiter (called on any state change)."""
        waiters, self._waiters = self._waiters, set()
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_until(self, check: Callable[[], T | None], timeout: float = 5.0, what: str = "condition") -> T:
        """Wait until ``check()`` returns something truthy (re-checked on every state change) and return it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = check()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.add(fut)
            try:
                await asyncio.wait_for(asyncio.shield(fut), min(remaining, 0.05))
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(fut)

    def _spawn(self, make: Callable[[list[GatewaySession]], Coroutine[Any, Any, Any]]) -> None:
        """Dispatch from synchronous code to the sessions that exist *now* (as a task, or at the next ``flush``).

        Sessions that identify later get the change inside their READY/GUILD_CREATE, so they are not targeted.
        """
        targets = list(self.gateway.sessions.values())
        if not targets:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._deferred.append(lambda: make(targets))
            return
        task = loop.create_task(make(targets))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Wait until dispatches scheduled by the synchronous setup helpers have been sent (in order)."""
        while self._deferred or self._tasks:
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
                continue
            make = self._deferred.pop(0)
            await make()

    async def wait_for_connection(self, timeout: float = 10.0) -> None:
        """Wait until some client has identified (or resumed) on the gateway."""
        await self.wait_until(lambda: bool(self.gateway.connected_sessions()), timeout, "a gateway connection")

    # ----------------------------------------------------------------- inspection

    def channel(self, channel_id: int) -> ChannelRecord:
        """Return a channel record."""
        return self.state.channels[channel_id]

    def general_channel(self, guild_id: int) -> ChannelRecord:
        """The #general channel created with the guild."""
        guild = self.state.guild(guild_id)
        assert guild.system_channel_id is not None
        return self.state.channels[guild.system_channel_id]

    def dm_channel_id(self, user_id: int) -> int:
        """The (stable) DM channel id between the bot and a user."""
        return self.state.dm_channel_for(user_id).id

    def channel_messages(self, channel_id: int, *, include_ephemeral: bool = False) -> list[EmulatedMessage]:
        """Non-deleted messages in a channel, oldest first."""
        return self.state.channel_messages(channel_id, include_ephemeral=include_ephemeral)

    def dm_messages(self, user_id: int) -> list[EmulatedMessage]:
        """Messages in the DM channel between the bot and a user (both directions), oldest first."""
        cid = self.state.dm_channels.get(user_id)
        return [] if cid is None else self.state.channel_messages(cid)

    def message(self, message_id: int) -> EmulatedMessage:
        """Look up any stored message (including deleted/ephemeral)."""
        return self.state.messages[message_id]

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        """Registered application commands: global (default) or for one guild."""
        if guild_id is None:
            return list(self.state.global_commands)
        return list(self.state.guild_commands.get(guild_id, []))

    async def wait_for_message(
        self,
        channel_id: int | None = None,
        dm_user_id: int | None = None,
        predicate: Callable[[EmulatedMessage], bool] | None = None,
        timeout: float = 5.0,
        *,
        from_bot: bool = True,
        include_ephemeral: bool = False,
    ) -> EmulatedMessage:
        """Return the oldest matching message not yet returned by an earlier wait (it may already exist)."""
        if dm_user_id is not None:
            channel_id = self.state.dm_channel_for(dm_user_id).id

        def check() -> EmulatedMessage | None:
            for msg in self.state.messages.values():
                if msg.id in self._consumed or msg.deleted:
                    continue
                if channel_id is not None and msg.channel_id != channel_id:
                    continue
                if from_bot and msg.author_id != self.bot_user_id:
                    continue
                if msg.ephemeral and not include_ephemeral:
                    continue
                if msg.loading:
                    continue
                if predicate is not None and not predicate(msg):
                    continue
                self._consumed.add(msg.id)
                return msg
            return None

        where = f"channel {channel_id}" if channel_id is not None else "any channel"
        return await self.wait_until(check, timeout, f"a message in {where}")

    # ----------------------------------------------------------------- faults & gateway control

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 500,
        times: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` REST calls matching method ('*' = any) and path regex with ``status``.

        The path is matched without the ``/api/v10`` prefix. For 429 the Discord rate-limit headers (route scope,
        ``Via``) are filled in; pass ``body={"retry_after": 0.3, ...}`` to choose the delay.
        """
        self.rest.faults.append(Fault(method.upper(), re.compile(path_regex), status, times, body, dict(headers or {})))

    async def gateway_reconnect_request(self) -> int:
        """Send op 7 RECONNECT; clients reconnect and RESUME."""
        await self.flush()
        return await self.gateway.reconnect_request()

    async def gateway_invalidate_session(self, resumable: bool = False) -> int:
        """Send op 9 INVALID_SESSION (non-resumable sessions are forgotten; clients re-IDENTIFY)."""
        await self.flush()
        return await self.gateway.invalidate_session(resumable)

    async def gateway_drop(self) -> int:
        """Abruptly kill gateway sockets (no close frame); clients reconnect and RESUME."""
        await self.flush()
        return await self.gateway.drop()

    async def gateway_request_heartbeat(self) -> int:
        """Send op 1 to connected clients (they must heartbeat immediately)."""
        return await self.gateway.send_op(1, None)

    async def dispatch_event(self, name: str, data: dict[str, Any], *, guild_id: int | None = None) -> int:
        """Dispatch a raw gateway event to every session (buffered for resume)."""
        await self.flush()
        return await self.gateway.dispatch(name, data, guild_id=guild_id)

    # ----------------------------------------------------------------- interactions

    def interaction_payload(
        self,
        *,
        type: int,
        data: dict[str, Any],
        user_id: int,
        channel_id: int,
        locale: str = "en-US",
        message: EmulatedMessage | None = None,
        interaction_id: int,
        token: str,
    ) -> dict[str, Any]:
        """Build an INTERACTION_CREATE payload exactly as Discord shapes it (guild or DM)."""
        state = self.state
        chan = state.channels[channel_id]
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(state.application_id),
            "type": type,
            "data": data,
            "channel_id": str(chan.id),
            "token": token,
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.attachment_size_limit,
            "app_permissions": str(state.channel_permissions(chan.id, state.bot.id)),
        }
        if chan.guild_id is not None:
            guild = state.guild(chan.guild_id)
            perms = state.channel_permissions(chan.id, user_id)
            channel_data = chan.payload()
            channel_data["permissions"] = str(perms)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": list(guild.features)},
                guild_locale=guild.preferred_locale,
                channel=channel_data,
                member={**state.member_payload(guild.id, user_id), "permissions": str(perms)},
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            channel_data = chan.payload(state.users)
            payload.update(
                channel=channel_data,
                user=state.users[user_id].payload(),
                authorizing_integration_owners={"0": "0"} if chan.type == CHANNEL_DM else {"1": str(user_id)},
                context=1,
            )
        if message is not None:
            msg_data = state.rest_message_payload(message)
            if message.guild_id is not None:
                msg_data["guild_id"] = str(message.guild_id)
            payload["message"] = msg_data
        return payload

    async def run_interaction(
        self,
        *,
        type: int,
        data: dict[str, Any],
        user_id: int,
        channel_id: int,
        locale: str = "en-US",
        message: EmulatedMessage | None = None,
        timeout: float = 5.0,
        expect_response: bool = True,
    ) -> InteractionResult:
        """Dispatch an INTERACTION_CREATE and wait for the bot's callback (or a late/failed one)."""
        await self.flush()
        chan = self.state.channels.get(channel_id)
        if chan is None:
            raise EmulatorError(f"channel {channel_id} does not exist (deleted?)")
        if chan.guild_id is not None and user_id not in self.state.guild(chan.guild_id).members:
            raise EmulatorError(f"user {user_id} is not a member of guild {chan.guild_id}")
        iid = self.state.ids.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload = self.interaction_payload(
            type=type,
            data=data,
            user_id=user_id,
            channel_id=channel_id,
            locale=locale,
            message=message,
            interaction_id=iid,
            token=token,
        )
        pending = PendingInteraction(
            id=iid,
            token=token,
            type=type,
            payload=payload,
            user_id=user_id,
            channel_id=channel_id,
            guild_id=chan.guild_id,
            dispatched_at=time.monotonic(),
            source_message_id=message.id if message is not None else None,
        )
        result = InteractionResult(self, pending)
        self.pending_interactions[iid] = pending
        self.interactions_by_token[token] = pending
        self.interactions.append(result)
        delivered = await self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=chan.guild_id, single=True)
        if delivered == 0:
            raise EmulatorError("no bot session is connected to the emulator gateway")
        try:
            await self.wait_until(
                lambda: pending.acked.is_set() or result.error is not None, timeout, f"callback of interaction {iid}"
            )
        except TimeoutError:
            if expect_response:
                raise InteractionNotAnswered(
                    f"the bot did not answer interaction {iid} ({data.get('name') or data.get('custom_id')}) "
                    f"within {timeout}s"
                ) from None
            return result
        if result.error is not None and expect_response:
            raise InteractionNotAnswered(f"interaction {iid}: {result.error}")
        return result
