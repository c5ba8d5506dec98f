"""REST v10 routes: users, gateway, application info/commands, channels/messages, interactions, webhooks, guilds."""

from __future__ import annotations

import datetime as dt
import json
import logging
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson
from aiohttp import BodyPartReader, web

from . import permissions as p
from .gateway import (
    INTENT_DIRECT_MESSAGE_REACTIONS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGES,
)
from .interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    PONG,
    UPDATE_MESSAGE,
    ModalPrompt,
    PendingInteraction,
)
from .messages import EPHEMERAL, IS_COMPONENTS_V2, LOADING, SUPPRESS_NOTIFICATIONS, EmulatedAttachment, EmulatedMessage
from .ratelimit import bucket_hash
from .state import CHANNEL_DM, ChannelRecord
from .validation import ApiError, form_error, validate_command, validate_components, validate_embeds, validate_modal

if TYPE_CHECKING:
    from .server import DiscordEmulator

log = logging.getLogger(__name__)

JSON_HEADERS = {"Content-Type": "application/json"}
NONCE_TTL = 300.0
WEBHOOK_TOKEN_TTL = 15 * 60.0
SUPPRESS_EMBEDS = 1 << 2

Handler = Callable[[web.Request, dict[str, str]], Awaitable[web.StreamResponse]]


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


@dataclass
class Fault:
    """A fault injected with ``fail_next``."""

    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    body: Any
    headers: dict[str, str]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json`` (discord.py compares it verbatim)."""
    # orjson: the emulator's own serialising should not count as the bot's latency in the load benchmarks.
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    return web.Response(status=status, body=body, headers={**JSON_HEADERS, **(headers or {})})


def no_content() -> web.Response:
    """An empty 204 response."""
    return web.Response(status=204)


def _template_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


def _snowflake(value: Any, what: str = "snowflake") -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise form_error(what, f'Value "{value}" is not snowflake.', "NUMBER_TYPE_COERCE") from None


class RestApi:
    """Implements the REST routes against the emulator's state."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.routes: list[RouteDef] = []
        self.faults: list[Fault] = []
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self._register()

    # ----------------------------------------------------------------- routing

    def add(self, method: str, template: str, handler: Handler, *, bot_auth: bool = True) -> None:
        """Register a route."""
        self.routes.append(RouteDef(method, template, _template_regex(template), handler, bot_auth))

    def _register(self) -> None:
        a = self.add
        a("GET", "/users/@me", self.get_me)
        a("POST", "/users/@me/channels", self.create_dm)
        a("GET", "/users/@me/guilds", self.get_my_guilds)
        a("GET", "/users/{user_id}", self.get_user)
        a("GET", "/gateway", self.get_gateway, bot_auth=False)
        a("GET", "/gateway/bot", self.get_gateway_bot)
        a("GET", "/oauth2/applications/@me", self.get_app_info)
        a("GET", "/applications/@me", self.get_app_info)
        for prefix in ("/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"):
            a("GET", prefix + "/commands", self.list_commands)
            a("PUT", prefix + "/commands", self.bulk_overwrite_commands)
            a("POST", prefix + "/commands", self.create_command)
            a("GET", prefix + "/commands/{command_id}", self.get_command)
            a("PATCH", prefix + "/commands/{command_id}", self.edit_command)
            a("DELETE", prefix + "/commands/{command_id}", self.delete_command)
        a(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            self.interaction_callback,
            bot_auth=False,
        )
        a("POST", "/webhooks/{webhook_id}/{webhook_token}", self.execute_webhook, bot_auth=False)
        a(
            "GET",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            self.get_webhook_message,
            bot_auth=False,
        )
        a(
            "PATCH",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            self.edit_webhook_message,
            bot_auth=False,
        )
        a(
            "DELETE",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            self.delete_webhook_message,
            bot_auth=False,
        )
        a("GET", "/channels/{channel_id}", self.get_channel)
        a("GET", "/channels/{channel_id}/messages", self.list_messages)
        a("POST", "/channels/{channel_id}/messages", self.create_message)
        a("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        a("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        a("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        a("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.add_reaction)
        a("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.remove_own_reaction)
        a("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", self.remove_reaction)
        a("POST", "/channels/{channel_id}/typing", self.typing)
        a("GET", "/channels/{channel_id}/pins", self.list_pins)
        a("GET", "/guilds/{guild_id}", self.get_guild)
        a("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        a("GET", "/guilds/{guild_id}/members", self.list_members)
        a("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        a("GET", "/guilds/{guild_id}/roles", self.get_roles)

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

    # ----------------------------------------------------------------- request bodies

    async def read_body(self, request: web.Request) -> tuple[dict[str, Any], list[UploadedFile]]:
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

    # ----------------------------------------------------------------- message building

    def _attachments(
        self, channel_id: int, payload: dict[str, Any], files: list[UploadedFile], keep: list[EmulatedAttachment]
    ) -> list[EmulatedAttachment]:
        """Resolve ``attachments`` + uploaded files into stored attachments (keeping referenced existing ones)."""
        by_index = {f.index: f for f in files}
        meta = payload.get("attachments")
        result: list[EmulatedAttachment] = []
        used: set[int] = set()
        if isinstance(meta, list):
            existing = {a.id: a for a in keep}
            for entry in meta:
                try:
                    aid = int(entry.get("id"))
                except (TypeError, ValueError):
                    continue
                if aid in existing:
                    result.append(existing[aid])
                elif aid in by_index:
                    used.add(aid)
                    result.append(self._store_file(channel_id, by_index[aid], entry))
        else:
            result.extend(keep)
        for f in files:
            if f.index not in used:
                result.append(self._store_file(channel_id, f, {}))
        if len(result) > 10:
            raise form_error("attachments", "Must be 10 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        kept = {id(a) for a in keep}
        if sum(a.size for a in result if id(a) not in kept) > self.emu.attachment_size_limit:
            raise ApiError(413, 40005, "Request entity too large")
        return result

    def _store_file(self, channel_id: int, f: UploadedFile, meta: dict[str, Any]) -> EmulatedAttachment:
        aid = self.emu.state.ids.next()
        filename = str(meta.get("filename") or f.filename)
        url = f"{self.emu.base_url}/attachments/{channel_id}/{aid}/{filename}"
        att = EmulatedAttachment(
            id=aid,
            filename=filename,
            size=len(f.data),
            content_type=f.content_type,
            url=url,
            data=f.data,
            description=meta.get("description"),
        )
        self.emu.attachments[aid] = att
        return att

    def _mentions(
        self, content: str, allowed: dict[str, Any] | None, reference: EmulatedMessage | None, guild_id: int | None
    ) -> tuple[list[int], list[int], bool]:
        """Work out who a message actually pings, honouring allowed_mentions like Discord."""
        state = self.emu.state
        user_ids = [int(x) for x in re.findall(r"<@!?(\d+)>", content)]
        role_ids = [int(x) for x in re.findall(r"<@&(\d+)>", content)]
        if allowed is None:
            parse = {"users", "roles", "everyone"}
            users_ok: set[int] = set()
            roles_ok: set[int] = set()
            replied = True
        else:
            parse = set(allowed.get("parse") or [])
            users_ok = {int(u) for u in allowed.get("users") or []}
            roles_ok = {int(r) for r in allowed.get("roles") or []}
            replied = bool(allowed.get("replied_user", False))
        mentions = [u for u in dict.fromkeys(user_ids) if u in state.users and ("users" in parse or u in users_ok)]
        if reference is not None and replied and reference.author_id not in mentions:
            mentions.append(reference.author_id)
        roles: list[int] = []
        if guild_id is not None:
            groles = state.guild(guild_id).roles
            roles = [r for r in dict.fromkeys(role_ids) if r in groles and ("roles" in parse or r in roles_ok)]
        everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
        return mentions, roles, everyone

    def build_message(
        self,
        channel: ChannelRecord,
        payload: dict[str, Any],
        files: list[UploadedFile],
        *,
        author_id: int,
        interaction: PendingInteraction | None = None,
        ephemeral_allowed: bool = False,
        message_type: int = 0,
    ) -> EmulatedMessage:
        """Validate a create-message body and return the (not yet stored) message."""
        state = self.emu.state
        content = payload.get("content")
        content = "" if content is None else str(content)
        if len(content) > 2000:
            raise form_error("content", "Must be 2000 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        embeds = [dict(e) for e in payload.get("embeds") or []]
        if payload.get("embed"):
            embeds.append(dict(payload["embed"]))
        for e in embeds:
            e.setdefault("type", "rich")
        validate_embeds(embeds)
        flags = int(payload.get("flags") or 0)
        allowed_flags = (
            SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2 | (EPHEMERAL if ephemeral_allowed else 0)
        )
        flags &= allowed_flags
        v2 = bool(flags & IS_COMPONENTS_V2)
        components = list(payload.get("components") or [])
        validate_components(components, v2=v2)
        if v2 and (content or embeds):
            raise form_error(
                "content",
                "Cannot send content or embeds with IS_COMPONENTS_V2",
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            )
        attachments = self._attachments(channel.id, payload, files, [])
        if not (content or embeds or attachments or components or payload.get("sticker_ids") or payload.get("poll")):
            raise ApiError(400, 50006, "Cannot send an empty message")
        reference: EmulatedMessage | None = None
        ref = payload.get("message_reference")
        if isinstance(ref, dict) and ref.get("message_id"):
            target = state.messages.get(_snowflake(ref["message_id"], "message_reference.message_id"))
            if target is None or target.deleted or target.channel_id != channel.id:
                if ref.get("fail_if_not_exists", True):
                    raise form_error("message_reference", "Unknown message", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE")
                ref = None
            else:
                reference = target
                ref = {
                    "type": 0,
                    "message_id": str(target.id),
                    "channel_id": str(channel.id),
                    **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
                }
        else:
            ref = None
        allowed = payload.get("allowed_mentions")
        mentions, roles, everyone = self._mentions(content, allowed, reference, channel.guild_id)
        author = state.users[author_id].payload()
        msg = EmulatedMessage(
            id=state.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=author_id,
            author=author,
            content=content,
            embeds=embeds,
            components=components,
            flags=flags,
            attachments=attachments,
            allowed_mentions=allowed,
            nonce=payload.get("nonce"),
            tts=bool(payload.get("tts")),
            type=19 if reference is not None and message_type == 0 else message_type,
            message_reference=ref,
            mentions=mentions,
            mention_roles=roles,
            mention_everyone=everyone,
        )
        if interaction is not None:
            msg.webhook_id = state.application_id
            msg.application_id = state.application_id
            msg.interaction_id = interaction.id
            msg.interaction_metadata = self._interaction_metadata(interaction)
        return msg

    def _interaction_metadata(self, interaction: PendingInteraction) -> dict[str, Any]:
        state = self.emu.state
        meta: dict[str, Any] = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": state.users[interaction.user_id].payload(),
            "authorizing_integration_owners": interaction.payload.get("authorizing_integration_owners", {}),
        }
        if interaction.type == APPLICATION_COMMAND:
            meta["name"] = interaction.payload["data"]["name"]
            meta["command_type"] = interaction.payload["data"].get("type", 1)
        if interaction.source_message_id is not None:
            meta["interacted_message_id"] = str(interaction.source_message_id)
        if interaction.original_message_id is not None:
            meta["original_response_message_id"] = str(interaction.original_message_id)
        return meta

    def apply_edit(self, msg: EmulatedMessage, payload: dict[str, Any], files: list[UploadedFile]) -> None:
        """Apply a PATCH body (content/embeds/components/attachments/flags/allowed_mentions) to a message."""
        snapshot = self.emu.state.rest_message_payload(msg)
        content = msg.content
        if "content" in payload:
            content = "" if payload["content"] is None else str(payload["content"])
            if len(content) > 2000:
                raise form_error("content", "Must be 2000 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        embeds = msg.embeds
        if "embeds" in payload:
            embeds = [dict(e) for e in payload["embeds"] or []]
            for e in embeds:
                e.setdefault("type", "rich")
            validate_embeds(embeds)
        flags = msg.flags
        if payload.get("flags") is not None:
            new = int(payload["flags"])
            flags = (flags & ~(SUPPRESS_EMBEDS | IS_COMPONENTS_V2)) | (new & (SUPPRESS_EMBEDS | IS_COMPONENTS_V2))
        components = msg.components
        if "components" in payload:
            components = list(payload["components"] or [])
            validate_components(components, v2=bool(flags & IS_COMPONENTS_V2))
        attachments = msg.attachments
        if "attachments" in payload or files:
            attachments = self._attachments(msg.channel_id, payload, files, msg.attachments)
        if not (content or embeds or attachments or components):
            raise ApiError(400, 50006, "Cannot send an empty message")
        msg.history.append(snapshot)
        msg.content, msg.embeds, msg.components, msg.attachments = content, embeds, components, attachments
        msg.flags = flags & ~LOADING
        if "allowed_mentions" in payload:
            msg.allowed_mentions = payload["allowed_mentions"]
        msg.mentions, msg.mention_roles, msg.mention_everyone = self._mentions(
            msg.content, msg.allowed_mentions, None, msg.guild_id
        )
        msg.edited_at = dt.datetime.now(dt.UTC)

    # ----------------------------------------------------------------- helpers

    def _channel(self, channel_id: str) -> ChannelRecord:
        chan = self.emu.state.channels.get(_snowflake(channel_id, "channel_id"))
        if chan is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return chan

    def _require(self, chan: ChannelRecord, needed: int) -> None:
        """Raise like Discord when the bot lacks permissions in a channel."""
        if chan.guild_id is None:
            return
        perms = self.emu.state.channel_permissions(chan.id, self.emu.state.bot.id)
        if not perms & p.VIEW_CHANNEL:
            raise ApiError(403, 50001, "Missing Access")
        if perms & needed != needed:
            raise ApiError(403, 50013, "Missing Permissions")

    def _message(self, chan: ChannelRecord, message_id: str) -> EmulatedMessage:
        msg = self.emu.state.messages.get(_snowflake(message_id, "message_id"))
        if msg is None or msg.deleted or msg.channel_id != chan.id or msg.ephemeral:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    def _guild(self, guild_id: str) -> int:
        gid = _snowflake(guild_id, "guild_id")
        guild = self.emu.state.guilds.get(gid)
        if guild is None or self.emu.state.bot.id not in guild.members:
            raise ApiError(404, 10004, "Unknown Guild")
        return gid

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
        from .messages import emoji_payload

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

    # ----------------------------------------------------------------- users / gateway / app

    async def get_me(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /users/@me."""
        bot = self.emu.state.bot
        return json_response(
            {**bot.payload(), "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}
        )

    async def get_user(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /users/{id}."""
        user = self.emu.state.users.get(_snowflake(params["user_id"], "user_id"))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return json_response(user.payload())

    async def get_my_guilds(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /users/@me/guilds."""
        state = self.emu.state
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
        body, _ = await self.read_body(request)
        uid = _snowflake(body.get("recipient_id"), "recipient_id")
        user = self.emu.state.users.get(uid)
        if user is None or uid == self.emu.state.bot.id:
            raise ApiError(400, 50033, "Invalid Recipient(s)")
        chan = self.emu.state.dm_channel_for(uid)
        return json_response(chan.payload(self.emu.state.users))

    async def get_gateway(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /gateway."""
        return json_response({"url": self.emu.gateway_url})

    async def get_gateway_bot(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /gateway/bot."""
        return json_response(
            {
                "url": self.emu.gateway_url,
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1},
            }
        )

    async def get_app_info(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /oauth2/applications/@me (everything discord.py's AppInfo reads)."""
        state = self.emu.state
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

    # ----------------------------------------------------------------- commands

    def _command_list(self, params: dict[str, str]) -> tuple[list[dict[str, Any]], int | None]:
        state = self.emu.state
        if _snowflake(params["application_id"], "application_id") != state.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" in params:
            gid = _snowflake(params["guild_id"], "guild_id")
            guild = state.guilds.get(gid)
            if guild is None or state.bot.id not in guild.members:
                raise ApiError(403, 50001, "Missing Access")
            return state.guild_commands.setdefault(gid, []), gid
        return state.global_commands, None

    def _normalize_command(
        self, raw: dict[str, Any], existing: dict[str, Any] | None, guild_id: int | None
    ) -> dict[str, Any]:
        state = self.emu.state
        ctype = int(raw.get("type", 1))
        perms = raw.get("default_member_permissions")
        contexts = raw.get("contexts")
        if contexts is None:
            contexts = [0, 1, 2] if raw.get("dm_permission", True) and guild_id is None else [0]
        cmd: dict[str, Any] = {
            "type": ctype,
            "name": raw["name"],
            "name_localizations": raw.get("name_localizations") or None,
            "description": raw.get("description", "") if ctype == 1 else "",
            "description_localizations": raw.get("description_localizations") or None,
            "default_member_permissions": None if perms is None else str(perms),
            "dm_permission": bool(raw.get("dm_permission", True)) if guild_id is None else None,
            "contexts": contexts if guild_id is None else None,
            "integration_types": raw.get("integration_types") or [0],
            "nsfw": bool(raw.get("nsfw", False)),
        }
        if ctype == 1:
            cmd["options"] = list(raw.get("options") or [])
        if existing is not None:
            cmd["id"] = existing["id"]
            comparable = {k: v for k, v in existing.items() if k not in ("id", "version", "application_id", "guild_id")}
            cmd["version"] = existing["version"] if comparable == cmd else str(state.ids.next())
        else:
            cmd["id"] = str(state.ids.next())
            cmd["version"] = str(state.ids.next())
        cmd["application_id"] = str(state.application_id)
        if guild_id is not None:
            cmd["guild_id"] = str(guild_id)
        return cmd

    async def list_commands(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET .../commands."""
        cmds, _ = self._command_list(params)
        return json_response(cmds)

    async def bulk_overwrite_commands(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PUT .../commands (bulk overwrite; ids are stable per name+type)."""
        cmds, gid = self._command_list(params)
        raw = await request.read()
        body = json.loads(raw or b"[]")
        if not isinstance(body, list):
            raise ApiError(400, 50035, "Invalid Form Body")
        seen: set[tuple[int, str]] = set()
        for i, c in enumerate(body):
            validate_command(c, str(i))
            key = (int(c.get("type", 1)), str(c.get("name")))
            if key in seen:
                raise form_error(
                    f"{i}.name", "Application command names must be unique", "APPLICATION_COMMANDS_DUPLICATE_NAME"
                )
            seen.add(key)
        by_key = {(int(c["type"]), c["name"]): c for c in cmds}
        new = [self._normalize_command(c, by_key.get((int(c.get("type", 1)), c["name"])), gid) for c in body]
        cmds[:] = new
        self.emu.notify()
        return json_response(new)

    async def create_command(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST .../commands (upsert by name+type)."""
        cmds, gid = self._command_list(params)
        body, _ = await self.read_body(request)
        validate_command(body)
        key = (int(body.get("type", 1)), body["name"])
        for i, c in enumerate(cmds):
            if (int(c["type"]), c["name"]) == key:
                cmds[i] = self._normalize_command(body, c, gid)
                return json_response(cmds[i])
        cmd = self._normalize_command(body, None, gid)
        cmds.append(cmd)
        self.emu.notify()
        return json_response(cmd, 201)

    def _find_command(self, cmds: list[dict[str, Any]], command_id: str) -> int:
        for i, c in enumerate(cmds):
            if c["id"] == command_id:
                return i
        raise ApiError(404, 10063, "Unknown application command")

    async def get_command(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET .../commands/{id}."""
        cmds, _ = self._command_list(params)
        return json_response(cmds[self._find_command(cmds, params["command_id"])])

    async def edit_command(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PATCH .../commands/{id}."""
        cmds, gid = self._command_list(params)
        i = self._find_command(cmds, params["command_id"])
        body, _ = await self.read_body(request)
        merged = {**cmds[i], **body}
        validate_command(merged)
        cmds[i] = self._normalize_command(merged, cmds[i], gid)
        return json_response(cmds[i])

    async def delete_command(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE .../commands/{id}."""
        cmds, _ = self._command_list(params)
        del cmds[self._find_command(cmds, params["command_id"])]
        return no_content()

    # ----------------------------------------------------------------- interactions

    async def interaction_callback(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST /interactions/{id}/{token}/callback."""
        emu = self.emu
        pending = emu.pending_interactions.get(_snowflake(params["interaction_id"], "interaction_id"))
        if pending is None or pending.token != params["interaction_token"]:
            raise ApiError(404, 10062, "Unknown interaction")
        if pending.callback_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        age = pending.age()
        if age > emu.interaction_timeout:
            emu.stats.late_interaction_callbacks += 1
            if pending.result is not None:
                pending.result.error = f"callback arrived after {age:.2f}s (limit {emu.interaction_timeout}s)"
            emu.notify()
            raise ApiError(404, 10062, "Unknown interaction")
        body, files = await self.read_body(request)
        ctype = body.get("type")
        if not isinstance(ctype, int) or ctype not in ALLOWED_CALLBACKS.get(pending.type, set()):
            if ctype == PONG:
                raise ApiError(400, 50035, "PONG is only valid for HTTP PING interactions")
            raise form_error("type", f"Callback type {ctype} is not valid for interaction type {pending.type}")
        data = body.get("data") or {}
        state = emu.state
        message: EmulatedMessage | None = None
        result = pending.result
        chan = state.channels.get(pending.channel_id)
        if chan is None:
            raise ApiError(404, 10003, "Unknown Channel")
        if ctype in (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE):
            if ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
                flags = int(data.get("flags") or 0)
                message = EmulatedMessage(
                    id=state.ids.next(),
                    channel_id=chan.id,
                    guild_id=chan.guild_id,
                    author_id=state.bot.id,
                    author=state.bot.payload(),
                    flags=(flags & EPHEMERAL) | LOADING,
                    type=20 if pending.type == APPLICATION_COMMAND else 0,
                    webhook_id=state.application_id,
                    application_id=state.application_id,
                    interaction_id=pending.id,
                    interaction_metadata=self._interaction_metadata(pending),
                )
            else:
                message = self.build_message(
                    chan,
                    data,
                    files,
                    author_id=state.bot.id,
                    interaction=pending,
                    ephemeral_allowed=True,
                    message_type=20 if pending.type == APPLICATION_COMMAND else 0,
                )
            pending.original_message_id = message.id
            state.add_message(message)
        elif ctype in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE):
            source = state.messages.get(pending.source_message_id or 0)
            if source is None or source.deleted:
                raise ApiError(400, 50035, "Interaction has no message to update")
            pending.original_message_id = source.id
            message = source
            if ctype == UPDATE_MESSAGE:
                self.apply_edit(source, data, files)
        elif ctype == MODAL:
            validate_modal(data)
            if result is not None:
                result.modal = ModalPrompt.from_payload(data, pending)
        elif ctype == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            choices = list(data.get("choices") or [])
            if len(choices) > 25:
                raise form_error("data.choices", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
            if result is not None:
                result.choices = choices

        pending.callback_type = ctype
        emu.stats.interaction_latencies.append(age)
        if result is not None:
            result._set(ctype, age)
            result.message = message
        pending.acked.set()
        emu.notify()
        if message is not None and ctype in (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE):
            await self.emit_message("MESSAGE_CREATE", message)
        elif message is not None and ctype == UPDATE_MESSAGE:
            await self.emit_message("MESSAGE_UPDATE", message)

        if not _truthy(request.query.get("with_response")):
            return no_content()
        interaction_info: dict[str, Any] = {"id": str(pending.id), "type": pending.type}
        resource: dict[str, Any] = {"type": ctype}
        if message is not None:
            interaction_info["response_message_id"] = str(message.id)
            interaction_info["response_message_loading"] = ctype == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            interaction_info["response_message_ephemeral"] = message.ephemeral
            if ctype != DEFERRED_UPDATE_MESSAGE:
                resource["message"] = state.rest_message_payload(message)
        return json_response({"interaction": interaction_info, "resource": resource})

    def _webhook_interaction(self, params: dict[str, str]) -> PendingInteraction:
        emu = self.emu
        if _snowflake(params["webhook_id"], "webhook_id") != emu.state.application_id:
            raise ApiError(404, 10015, "Unknown Webhook")
        pending = emu.interactions_by_token.get(params["webhook_token"])
        if pending is None or pending.callback_type is None or pending.age() > emu.webhook_token_ttl:
            raise ApiError(404, 10015, "Unknown Webhook")
        return pending

    def _webhook_message(self, pending: PendingInteraction, message_id: str) -> EmulatedMessage:
        state = self.emu.state
        if message_id == "@original":
            if pending.original_message_id is None:
                raise ApiError(404, 10008, "Unknown Message")
            mid = pending.original_message_id
        else:
            mid = _snowflake(message_id, "message_id")
            if mid != pending.original_message_id and mid not in pending.followup_ids:
                raise ApiError(404, 10008, "Unknown Message")
        msg = state.messages.get(mid)
        if msg is None or msg.deleted:
            raise ApiError(404, 10008, "Unknown Message")
        return msg

    async def execute_webhook(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST /webhooks/{app}/{token} — interaction follow-up (the first one after a defer edits the placeholder)."""
        pending = self._webhook_interaction(params)
        state = self.emu.state
        body, files = await self.read_body(request)
        chan = state.channels.get(pending.channel_id)
        if chan is None:
            raise ApiError(404, 10003, "Unknown Channel")
        original = state.messages.get(pending.original_message_id or 0)
        if (
            original is not None
            and original.loading
            and not original.deleted
            and pending.callback_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        ):
            self.apply_edit(original, body, files)
            msg = original
            event = "MESSAGE_UPDATE"
        else:
            msg = self.build_message(
                chan,
                body,
                files,
                author_id=state.bot.id,
                interaction=pending,
                ephemeral_allowed=True,
                message_type=20 if pending.type == APPLICATION_COMMAND else 0,
            )
            state.add_message(msg)
            pending.followup_ids.append(msg.id)
            event = "MESSAGE_CREATE"
        pending.events.put_nowait(msg)
        self.emu.notify()
        await self.emit_message(event, msg)
        if _truthy(request.query.get("wait")):
            return json_response(state.rest_message_payload(msg))
        return no_content()

    async def get_webhook_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /webhooks/{app}/{token}/messages/{id|@original}."""
        pending = self._webhook_interaction(params)
        msg = self._webhook_message(pending, params["message_id"])
        return json_response(self.emu.state.rest_message_payload(msg))

    async def edit_webhook_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PATCH /webhooks/{app}/{token}/messages/{id|@original}."""
        pending = self._webhook_interaction(params)
        msg = self._webhook_message(pending, params["message_id"])
        body, files = await self.read_body(request)
        self.apply_edit(msg, body, files)
        pending.events.put_nowait(msg)
        self.emu.notify()
        await self.emit_message("MESSAGE_UPDATE", msg)
        return json_response(self.emu.state.rest_message_payload(msg))

    async def delete_webhook_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE /webhooks/{app}/{token}/messages/{id|@original}."""
        pending = self._webhook_interaction(params)
        msg = self._webhook_message(pending, params["message_id"])
        msg.deleted = True
        self.emu.notify()
        await self.emit_delete(msg)
        return no_content()

    # ----------------------------------------------------------------- channels & messages

    async def get_channel(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /channels/{id}."""
        chan = self._channel(params["channel_id"])
        self._require(chan, p.VIEW_CHANNEL)
        return json_response(chan.payload(self.emu.state.users))

    async def list_messages(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /channels/{id}/messages (newest first; limit/before/after/around)."""
        chan = self._channel(params["channel_id"])
        self._require(chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        q = request.query
        limit = int(q.get("limit", "50"))
        if not 1 <= limit <= 100:
            raise form_error("limit", "Must be between 1 and 100.", "NUMBER_TYPE_MAX")
        msgs = self.emu.state.channel_messages(chan.id)
        if "before" in q:
            msgs = [m for m in msgs if m.id < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if m.id > int(q["after"])]
            msgs = msgs[:limit]
        if "around" in q:
            around = int(q["around"])
            older = [m for m in msgs if m.id <= around][-(limit // 2 + limit % 2) :]
            newer = [m for m in msgs if m.id > around][: limit // 2]
            msgs = older + newer
        msgs = msgs[-limit:]
        return json_response([self.emu.state.rest_message_payload(m) for m in reversed(msgs)])

    async def create_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST /channels/{id}/messages (JSON or multipart; nonce + enforce_nonce dedupe)."""
        state = self.emu.state
        chan = self._channel(params["channel_id"])
        body, files = await self.read_body(request)
        if chan.type == CHANNEL_DM:
            if chan.recipient_id in state.dms_closed or not self.emu.can_dm(chan.recipient_id or 0):
                raise ApiError(403, 50007, "Cannot send messages to this user")
        else:
            needed = p.VIEW_CHANNEL | p.SEND_MESSAGES
            if body.get("embeds") or body.get("embed"):
                needed |= p.EMBED_LINKS
            if files:
                needed |= p.ATTACH_FILES
            if body.get("message_reference"):
                needed |= p.READ_MESSAGE_HISTORY
            self._require(chan, needed)
        nonce = body.get("nonce")
        now = time.monotonic()
        if nonce is not None and body.get("enforce_nonce"):
            hit = self._nonces.get((chan.id, str(nonce)))
            if hit is not None and now - hit[1] < NONCE_TTL:
                existing = state.messages.get(hit[0])
                if existing is not None:
                    return json_response(state.rest_message_payload(existing))
        msg = self.build_message(chan, body, files, author_id=state.bot.id)
        state.add_message(msg)
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(chan.id, str(nonce))] = (msg.id, now)
        self.emu.notify()
        await self.emit_message("MESSAGE_CREATE", msg)
        return json_response(state.rest_message_payload(msg))

    async def get_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /channels/{id}/messages/{mid}."""
        chan = self._channel(params["channel_id"])
        self._require(chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        return json_response(self.emu.state.rest_message_payload(self._message(chan, params["message_id"])))

    async def edit_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PATCH /channels/{id}/messages/{mid} (bot may only edit its own messages)."""
        state = self.emu.state
        chan = self._channel(params["channel_id"])
        self._require(chan, p.VIEW_CHANNEL)
        msg = self._message(chan, params["message_id"])
        if msg.author_id != state.bot.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body, files = await self.read_body(request)
        if (body.get("embeds") and chan.guild_id is not None) or files:
            self._require(chan, (p.EMBED_LINKS if body.get("embeds") else 0) | (p.ATTACH_FILES if files else 0))
        self.apply_edit(msg, body, files)
        self.emu.notify()
        await self.emit_message("MESSAGE_UPDATE", msg)
        return json_response(state.rest_message_payload(msg))

    async def delete_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE /channels/{id}/messages/{mid} (own messages, or Manage Messages in guilds)."""
        state = self.emu.state
        chan = self._channel(params["channel_id"])
        self._require(chan, p.VIEW_CHANNEL)
        msg = self._message(chan, params["message_id"])
        if msg.author_id != state.bot.id:
            if chan.guild_id is None:
                raise ApiError(403, 50003, "Cannot execute action on a DM channel")
            self._require(chan, p.MANAGE_MESSAGES)
        msg.deleted = True
        self.emu.notify()
        await self.emit_delete(msg)
        return no_content()

    def _check_emoji(self, chan: ChannelRecord, emoji: str) -> str:
        if re.fullmatch(r"(a:)?[\w~-]+:\d+", emoji):
            return emoji
        if re.fullmatch(r"[\w~-]+", emoji) or not emoji:
            raise ApiError(400, 10014, "Unknown Emoji")
        return emoji

    async def add_reaction(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PUT /channels/{id}/messages/{mid}/reactions/{emoji}/@me."""
        state = self.emu.state
        chan = self._channel(params["channel_id"])
        self._require(chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        msg = self._message(chan, params["message_id"])
        emoji = self._check_emoji(chan, params["emoji"])
        users = msg.reactions.get(emoji)
        if users is None:
            self._require(chan, p.ADD_REACTIONS)
            if len(msg.reactions) >= 20:
                raise ApiError(403, 30010, "Maximum number of reactions reached (20)")
            users = msg.reactions.setdefault(emoji, set())
        if state.bot.id not in users:
            users.add(state.bot.id)
            self.emu.notify()
            await self.emit_reaction("MESSAGE_REACTION_ADD", msg, state.bot.id, emoji)
        return no_content()

    async def remove_own_reaction(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE /channels/{id}/messages/{mid}/reactions/{emoji}/@me."""
        return await self._remove_reaction(params, self.emu.state.bot.id)

    async def remove_reaction(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE /channels/{id}/messages/{mid}/reactions/{emoji}/{user_id} (needs Manage Messages)."""
        uid = _snowflake(params["user_id"], "user_id")
        if uid != self.emu.state.bot.id:
            chan = self._channel(params["channel_id"])
            if chan.guild_id is None:
                raise ApiError(403, 50003, "Cannot execute action on a DM channel")
            self._require(chan, p.MANAGE_MESSAGES)
        return await self._remove_reaction(params, uid)

    async def _remove_reaction(self, params: dict[str, str], uid: int) -> web.StreamResponse:
        chan = self._channel(params["channel_id"])
        self._require(chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        msg = self._message(chan, params["message_id"])
        emoji = self._check_emoji(chan, params["emoji"])
        users = msg.reactions.get(emoji, set())
        if uid in users:
            users.discard(uid)
            if not users:
                msg.reactions.pop(emoji, None)
            self.emu.notify()
            await self.emit_reaction("MESSAGE_REACTION_REMOVE", msg, uid, emoji)
        return no_content()

    async def typing(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST /channels/{id}/typing."""
        chan = self._channel(params["channel_id"])
        if chan.type != CHANNEL_DM:
            self._require(chan, p.VIEW_CHANNEL | p.SEND_MESSAGES)
        return no_content()

    async def list_pins(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /channels/{id}/pins."""
        chan = self._channel(params["channel_id"])
        self._require(chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        pins = [self.emu.state.rest_message_payload(m) for m in self.emu.state.channel_messages(chan.id) if m.pinned]
        return json_response(pins)

    # ----------------------------------------------------------------- guilds

    async def get_guild(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}."""
        gid = self._guild(params["guild_id"])
        data = self.emu.state.guild_payload(gid)
        if not _truthy(request.query.get("with_counts")):
            data.pop("approximate_member_count")
            data.pop("approximate_presence_count")
        return json_response(data)

    async def get_guild_channels(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}/channels."""
        state = self.emu.state
        gid = self._guild(params["guild_id"])
        return json_response([state.channels[c].payload() for c in state.guild(gid).channel_ids])

    async def list_members(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}/members (limit/after)."""
        state = self.emu.state
        gid = self._guild(params["guild_id"])
        limit = int(request.query.get("limit", "1"))
        after = int(request.query.get("after", "0"))
        ids = sorted(u for u in state.guild(gid).members if u > after)[:limit]
        return json_response([state.member_payload(gid, u) for u in ids])

    async def get_member(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}/members/{uid}."""
        state = self.emu.state
        gid = self._guild(params["guild_id"])
        uid = _snowflake(params["user_id"], "user_id")
        if uid not in state.guild(gid).members:
            raise ApiError(404, 10007, "Unknown Member")
        return json_response(state.member_payload(gid, uid))

    async def get_roles(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /guilds/{id}/roles."""
        state = self.emu.state
        gid = self._guild(params["guild_id"])
        return json_response([r.payload() for r in state.guild(gid).roles.values()])

    # ----------------------------------------------------------------- CDN

    async def get_attachment(self, request: web.Request) -> web.StreamResponse:
        """Serve uploaded attachment bytes (stands in for cdn.discordapp.com)."""
        try:
            att = self.emu.attachments[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            return web.Response(status=404, text="not found")
        return web.Response(body=att.data, headers={"Content-Type": att.content_type or "application/octet-stream"})
