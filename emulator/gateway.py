"""Gateway v10 over aiohttp websockets: HELLO, heartbeats, IDENTIFY/READY, RESUME, dispatch with replay buffer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import DiscordEmulator

log = logging.getLogger(__name__)

_ZSTD: Any = None
_ZSTD_STDLIB: Any = None
try:  # pragma: no cover - depends on the environment
    import zstandard  # type: ignore[import-not-found, unused-ignore]

    _ZSTD = zstandard
except ImportError:  # pragma: no cover
    try:
        from compression import zstd as _stdlib_zstd  # type: ignore[import-not-found, unused-ignore]

        _ZSTD_STDLIB = _stdlib_zstd
    except ImportError:
        pass

ZSTD_AVAILABLE = _ZSTD is not None or _ZSTD_STDLIB is not None


class _ZstdStream:  # pragma: no cover - only when a zstd module is installed
    """One zstd stream per connection; every message ends with a flushed block (what discord.py expects)."""

    def __init__(self) -> None:
        if _ZSTD is not None:
            self._obj = _ZSTD.ZstdCompressor().compressobj()
            self._stdlib = None
        else:
            self._stdlib = _ZSTD_STDLIB.ZstdCompressor()

    def compress(self, data: bytes) -> bytes:
        """Compress one message and flush the block."""
        if self._stdlib is not None:
            out: bytes = self._stdlib.compress(data, mode=_ZSTD_STDLIB.ZstdCompressor.FLUSH_BLOCK)
            return out
        return bytes(self._obj.compress(data) + self._obj.flush(_ZSTD.COMPRESSOBJ_FLUSH_BLOCK))


OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE = 3
OP_VOICE_STATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_DIRECT_MESSAGE_REACTIONS = 1 << 13
INTENT_MESSAGE_CONTENT = 1 << 15

#: Events that need the GUILDS intent when no other intent is given.
GUILDS_EVENTS = frozenset(
    {
        "GUILD_CREATE",
        "GUILD_UPDATE",
        "GUILD_DELETE",
        "GUILD_ROLE_CREATE",
        "GUILD_ROLE_UPDATE",
        "GUILD_ROLE_DELETE",
        "CHANNEL_CREATE",
        "CHANNEL_UPDATE",
        "CHANNEL_DELETE",
        "CHANNEL_PINS_UPDATE",
        "THREAD_CREATE",
        "THREAD_UPDATE",
        "THREAD_DELETE",
    }
)

#: Maximum events kept per session for RESUME replay.
BUFFER_SIZE = 5000


@dataclass(eq=False)
class GatewaySession:
    """A gateway session: survives disconnects until invalidated, buffers events for RESUME."""

    id: str
    intents: int
    shard: tuple[int, int] | None
    seq: int = 0
    buffer: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=BUFFER_SIZE))
    conn: GatewayConnection | None = None
    alive: bool = True

    def wants(self, intent: int | None, guild_id: int | None) -> bool:
        """Whether this session should receive an event gated by ``intent`` for ``guild_id``."""
        if not self.alive:
            return False
        if intent is not None and not self.intents & intent:
            return False
        if self.shard is None or self.shard[1] == 1:
            return True
        # Discord's sharding: a server's events go to shard (guild_id >> 22) % num_shards; DMs only to shard 0.
        return shard_for(guild_id, self.shard[1]) == self.shard[0]


def shard_for(guild_id: int | None, num_shards: int) -> int:
    """The shard that receives events of a server (Discord's formula), or shard 0 for DMs (no server)."""
    return 0 if guild_id is None else (guild_id >> 22) % num_shards


@dataclass(eq=False)
class GatewayConnection:
    """One websocket connection (a session may be served by several over its lifetime)."""

    ws: web.WebSocketResponse
    request: web.Request
    compress: str | None
    session: GatewaySession | None = None
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    zlib_ctx: Any = None
    zstd_ctx: Any = None
    dropped: bool = False

    def __post_init__(self) -> None:
        if self.compress == "zlib-stream":
            self.zlib_ctx = zlib.compressobj()
        elif self.compress == "zstd-stream" and ZSTD_AVAILABLE:  # pragma: no cover
            self.zstd_ctx = _ZstdStream()

    async def send(self, payload: dict[str, Any]) -> bool:
        """Send one gateway payload (compressed as negotiated); return False if the socket is gone."""
        text = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS).decode()
        async with self.send_lock:
            if self.ws.closed or self.dropped:
                return False
            try:
                if self.zlib_ctx is not None:
                    data = self.zlib_ctx.compress(text.encode()) + self.zlib_ctx.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                elif self.zstd_ctx is not None:  # pragma: no cover
                    await self.ws.send_bytes(self.zstd_ctx.compress(text.encode()))
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError) as exc:
                log.debug("gateway send failed: %r", exc)
                return False
        return True


class Gateway:
    """The gateway endpoint and its sessions."""

    def __init__(self, emu: DiscordEmulator, heartbeat_interval_ms: int) -> None:
        self.emu = emu
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[GatewayConnection] = set()
        self.compression_used: list[str | None] = []
        self._lock = asyncio.Lock()

    # ----------------------------------------------------------------- public helpers

    def connected_sessions(self) -> list[GatewaySession]:
        """Sessions that currently have a live, identified connection."""
        return [
            s
            for s in self.sessions.values()
            if s.alive and s.conn is not None and not s.conn.ws.closed and not s.conn.dropped
        ]

    async def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        intent: int | None = None,
        guild_id: int | None = None,
        content_gated: bool = False,
        targets: list[GatewaySession] | None = None,
        single: bool = False,
    ) -> int:
        """Dispatch an event to every matching session (buffered for resume); return how many got it.

        ``single`` delivers to one session only (as Discord does for interactions): the newest connected one, else
        the newest live one (it gets it on RESUME).
        """
        if intent is None and event in GUILDS_EVENTS:
            intent = INTENT_GUILDS
        async with self._lock:
            count = 0
            candidates = list(self.sessions.values()) if targets is None else targets
            if single:
                eligible = [s for s in candidates if s.wants(intent, guild_id)]
                connected = [s for s in eligible if s.conn is not None and not s.conn.ws.closed and not s.conn.dropped]
                pick = connected or eligible
                candidates = pick[-1:]
            for session in candidates:
                if not session.wants(intent, guild_id):
                    continue
                payload_data = data
                if content_gated and not session.intents & INTENT_MESSAGE_CONTENT:
                    payload_data = strip_content(data)
                await self._send_dispatch(session, event, payload_data)
                count += 1
            self.emu.stats.dispatches += count
        self.emu.notify()
        return count

    async def _send_dispatch(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(payload)
        if session.conn is not None:
            await session.conn.send(payload)

    async def send_op(self, op: int, data: Any) -> int:
        """Send a non-dispatch opcode to every connected session; return how many got it."""
        n = 0
        for session in self.connected_sessions():
            assert session.conn is not None
            if await session.conn.send({"op": op, "d": data}):
                n += 1
        return n

    async def reconnect_request(self) -> int:
        """Send op 7 RECONNECT to connected clients."""
        self.emu.stats.reconnects_requested += 1
        return await self.send_op(OP_RECONNECT, None)

    async def invalidate_session(self, resumable: bool = False) -> int:
        """Send op 9 INVALID_SESSION; unless resumable, the sessions are forgotten."""
        self.emu.stats.sessions_invalidated += 1
        sessions = self.connected_sessions()
        for session in sessions:
            assert session.conn is not None
            await session.conn.send({"op": OP_INVALID_SESSION, "d": resumable})
            if not resumable:
                self._kill(session)
        return len(sessions)

    async def drop(self) -> int:
        """Abruptly close every gateway socket (no close frame); sessions stay resumable."""
        conns = list(self.connections)
        for conn in conns:
            conn.dropped = True
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
            else:  # pragma: no cover
                await conn.ws.close(code=4000)
        return len(conns)

    async def close_all(self) -> None:
        """Close every socket (server shutdown)."""
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"emulator stopping")

    def _kill(self, session: GatewaySession) -> None:
        session.alive = False
        self.sessions.pop(session.id, None)

    # ----------------------------------------------------------------- websocket handler

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp handler for the gateway websocket."""
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        encoding = request.query.get("encoding", "json")
        compress = request.query.get("compress")
        if compress == "zstd-stream" and not ZSTD_AVAILABLE:
            await ws.close(code=4000, message=b"zstd-stream unsupported")
            return ws
        if compress not in (None, "zlib-stream", "zstd-stream"):
            await ws.close(code=4000, message=b"unknown compression")
            return ws
        if encoding != "json":
            await ws.close(code=4002, message=b"only json encoding is supported")
            return ws
        conn = GatewayConnection(ws=ws, request=request, compress=compress)
        self.connections.add(conn)
        self.compression_used.append(compress)
        self.emu.stats.connections += 1
        try:
            await conn.send(
                {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["emulator"]}}
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_message(conn, msg.data)
                elif msg.type == WSMsgType.BINARY:
                    await self._on_message(conn, msg.data.decode())
                elif msg.type == WSMsgType.ERROR:
                    break
        except ConnectionError as exc:
            log.debug("gateway connection lost: %r", exc)
        finally:
            self.connections.discard(conn)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                code = ws.close_code
                if not conn.dropped and code in (1000, 1001):
                    # A clean client-side close ends the session (Discord behaviour).
                    self._kill(session)
            self.emu.notify()
        return ws

    async def _on_message(self, conn: GatewayConnection, text: str) -> None:
        try:
            msg = json.loads(text)
            op = msg["op"]
        except (ValueError, KeyError, TypeError):
            await conn.ws.close(code=4002, message=b"decode error")
            return
        data = msg.get("d")
        if op == OP_HEARTBEAT:
            self.emu.stats.heartbeats += 1
            await conn.send({"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.ws.close(code=4003, message=b"not authenticated")
        elif op == OP_REQUEST_MEMBERS:
            await self._request_members(conn, data or {})
        elif op in (OP_PRESENCE, OP_VOICE_STATE):
            return
        else:
            await conn.ws.close(code=4001, message=b"unknown opcode")

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"already authenticated")
            return
        if data.get("token") != self.emu.token and data.get("token") != f"Bot {self.emu.token}":
            await conn.ws.close(code=4004, message=b"authentication failed")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.ws.close(code=4013, message=b"invalid intents")
            return
        shard_raw = data.get("shard")
        shard: tuple[int, int] | None = None
        if shard_raw is not None:
            shard = (int(shard_raw[0]), int(shard_raw[1]))
            if shard[1] < 1 or not 0 <= shard[0] < shard[1]:
                await conn.ws.close(code=4010, message=b"invalid shard")
                return
        served = [gid for gid in self.emu.state.guilds if shard is None or shard_for(gid, shard[1]) == shard[0]]
        if len(served) > self.emu.max_guilds_per_shard:
            # Discord refuses a connection that would carry too many servers: the bot must shard (more).
            await conn.ws.close(code=4011, message=b"sharding required")
            return
        self.emu.stats.identifies += 1
        session = GatewaySession(id=secrets.token_hex(16), intents=intents, shard=shard)
        async with self._lock:
            self.sessions[session.id] = session
            session.conn = conn
            conn.session = session
            state = self.emu.state
            guild_ids = [gid for gid in state.guilds if session.wants(None, gid)]
            ready: dict[str, Any] = {
                "v": 10,
                "user": {**state.bot.payload(), "verified": True, "mfa_enabled": False, "email": None},
                "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self.emu.gateway_url,
                "application": {"id": str(state.application_id), "flags": self.emu.application_flags},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "user_settings": {},
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["emulator"],
                "auth_session_id_hash": secrets.token_hex(8),
                "_trace": ["emulator"],
            }
            if shard is not None:
                ready["shard"] = [shard[0], shard[1]]
            await self._send_dispatch(session, "READY", ready)
            all_members = bool(intents & INTENT_GUILD_MEMBERS)
            for gid in guild_ids:
                await self._send_dispatch(
                    session, "GUILD_CREATE", state.guild_create_payload(gid, all_members=all_members)
                )
        self.emu.notify()

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        if data.get("token") != self.emu.token and data.get("token") != f"Bot {self.emu.token}":
            await conn.ws.close(code=4004, message=b"authentication failed")
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        replay: list[dict[str, Any]] = []
        if session is not None and session.alive:
            replay = [p for p in session.buffer if seq is None or p["s"] > seq]
            oldest = session.buffer[0]["s"] if session.buffer else session.seq + 1
            if seq is not None and session.buffer and seq + 1 < oldest:
                session = None  # replay window lost
        if session is None or not session.alive:
            self.emu.stats.failed_resumes += 1
            await conn.send({"op": OP_INVALID_SESSION, "d": False})
            return
        async with self._lock:
            old = session.conn
            session.conn = conn
            conn.session = session
            if old is not None and old is not conn:
                with contextlib.suppress(Exception):
                    await old.ws.close(code=4000, message=b"session resumed elsewhere")
            for payload in replay:
                await conn.send(payload)
            self.emu.stats.resumes += 1
            await self._send_dispatch(session, "RESUMED", {"_trace": ["emulator"]})
        self.emu.notify()

    async def _request_members(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        session = conn.session
        assert session is not None
        state = self.emu.state
        try:
            guild = state.guild(int(data["guild_id"]))
        except (KeyError, ValueError, TypeError):
            return
        query = str(data.get("query") or "")
        user_ids = {int(u) for u in data.get("user_ids") or []}
        limit = int(data.get("limit") or 0)
        members: list[int] = []
        not_found: list[int] = []
        if user_ids:
            for uid in user_ids:
                (members if uid in guild.members else not_found).append(uid)
        else:
            members = [uid for uid in guild.members if state.users[uid].username.lower().startswith(query.lower())]
            if limit:
                members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [state.member_payload(guild.id, uid) for uid in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in not_found],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk, targets=[session], guild_id=guild.id)


def strip_content(data: dict[str, Any]) -> dict[str, Any]:
    """Blank the fields the MESSAGE_CONTENT intent protects."""
    out = dict(data)
    for key, empty in (("content", ""), ("embeds", []), ("attachments", []), ("components", [])):
        if key in out:
            out[key] = empty
    out.pop("poll", None)
    return out
