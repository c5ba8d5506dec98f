"""What every REST route shares: the route table entry, request bodies, JSON replies and Discord's 404/403s."""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from aiohttp import BodyPartReader, web

from .. import permissions as p
from ..messages import EmulatedMessage
from ..state import ChannelRecord, EmulatorState
from ..validation import ApiError, form_error

if TYPE_CHECKING:
    from ..server import DiscordEmulator
    from .api import RestApi

JSON_HEADERS = {"Content-Type": "application/json"}

Handler = Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]]


class AddRoute(Protocol):
    """``RestApi.add``: how a route group puts its routes in the table."""

    def __call__(self, method: str, template: str, handler: Handler, *, bot_auth: bool = True) -> None: ...


@dataclass
class RouteDef:
    """One REST route: method, path template, compiled matcher, handler and auth/limit policy."""

    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    bot_auth: bool = True

    @property
    def key(self) -> str:
        """Route key in discord.py's format (``METHOD /path/{param}``)."""
        return f"{self.method} {self.template}"


@dataclass
class UploadedFile:
    """A file part from a multipart request."""

    index: int
    filename: str
    content_type: str | None
    data: bytes


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json`` (discord.py compares it verbatim)."""
    # orjson: the emulator's own serialising should not count as the bot's latency in the load benchmarks.
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    return web.Response(status=status, body=body, headers={**JSON_HEADERS, **(headers or {})})


def no_content() -> web.Response:
    """An empty 204 response."""
    return web.Response(status=204)


def template_regex(template: str) -> re.Pattern[str]:
    """Compile ``/channels/{channel_id}`` into a regex with one named group per parameter."""
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


def truthy(value: str | None) -> bool:
    """A query flag such as ``?wait=true``."""
    return value is not None and value.lower() in ("1", "true", "yes")


def snowflake(value: Any, what: str = "snowflake") -> int:
    """An id from a path or body, or Discord's form error for a non-number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise form_error(what, f'Value "{value}" is not snowflake.', "NUMBER_TYPE_COERCE") from None


async def read_body(request: web.Request) -> tuple[dict[str, Any], list[UploadedFile]]:
    """Parse a JSON or multipart (``payload_json`` + ``files[n]``) body."""
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("multipart/"):
        payload: dict[str, Any] = {}
        files: list[UploadedFile] = []
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue
            name = part.name or ""
            data = await part.read(decode=True)
            if name == "payload_json":
                payload = json.loads(data.decode())
                continue
            m = re.fullmatch(r"files\[(\d+)\]|file(\d*)", name)
            if m:
                index = int(m.group(1) or m.group(2) or len(files))
                part_type = part.headers.get("Content-Type")
                filename = part.filename or f"file{index}"
                if part_type in (None, "application/octet-stream"):
                    part_type = mimetypes.guess_type(filename)[0] or part_type
                files.append(UploadedFile(index, filename, part_type, bytes(data)))
        return payload, files
    raw = await request.read()
    if not raw:
        return {}, []
    try:
        body = orjson.loads(raw)
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, 50035, "Invalid Form Body")
    return body, []


def channel_or_404(state: EmulatorState, channel_id: str) -> ChannelRecord:
    """The channel in a path, or 404 Unknown Channel."""
    chan = state.channels.get(snowflake(channel_id, "channel_id"))
    if chan is None:
        raise ApiError(404, 10003, "Unknown Channel")
    return chan


def require(state: EmulatorState, chan: ChannelRecord, needed: int) -> None:
    """Raise like Discord when the bot lacks permissions in a channel."""
    if chan.guild_id is None:
        return
    perms = state.channel_permissions(chan.id, state.bot.id)
    if not perms & p.VIEW_CHANNEL:
        raise ApiError(403, 50001, "Missing Access")
    if perms & needed != needed:
        raise ApiError(403, 50013, "Missing Permissions")


def message_or_404(state: EmulatorState, chan: ChannelRecord, message_id: str) -> EmulatedMessage:
    """A live, non-ephemeral message of this channel, or 404 Unknown Message."""
    msg = state.messages.get(snowflake(message_id, "message_id"))
    if msg is None or msg.deleted or msg.channel_id != chan.id or msg.ephemeral:
        raise ApiError(404, 10008, "Unknown Message")
    return msg


def guild_or_404(state: EmulatorState, guild_id: str) -> int:
    """The id of a guild the bot is in, or 404 Unknown Guild."""
    gid = snowflake(guild_id, "guild_id")
    guild = state.guilds.get(gid)
    if guild is None or state.bot.id not in guild.members:
        raise ApiError(404, 10004, "Unknown Guild")
    return gid


class RouteGroup:
    """The routes of one resource; ``register`` adds them to the API's table in Discord's path order."""

    def __init__(self, api: RestApi) -> None:
        self.api = api
        self.emu: DiscordEmulator = api.emu

    @property
    def state(self) -> EmulatorState:
        """The emulated world."""
        return self.emu.state

    def register(self, add: AddRoute) -> None:
        """Add this group's routes with ``add(method, template, handler, bot_auth=...)``."""
        raise NotImplementedError
