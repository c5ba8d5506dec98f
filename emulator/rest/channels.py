"""REST routes for channels and their messages: read, send (with nonce dedupe), edit, delete, react, type, pins."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from aiohttp import web

from .. import permissions as p
from ..state import CHANNEL_DM, ChannelRecord
from ..validation import ApiError, form_error
from .http import (
    AddRoute,
    RouteGroup,
    channel_or_404,
    json_response,
    message_or_404,
    no_content,
    read_body,
    require,
    snowflake,
)

if TYPE_CHECKING:
    from .api import RestApi

# How long Discord remembers an ``enforce_nonce`` nonce (a retried send within it returns the first message).
NONCE_TTL = 300.0


class ChannelRoutes(RouteGroup):
    """``/channels/{id}`` and everything under it."""

    def __init__(self, api: RestApi) -> None:
        super().__init__(api)
        # (channel id, nonce) -> (message id, when): what an ``enforce_nonce`` retry gets back.
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}

    def register(self, add: AddRoute) -> None:
        """Add this group's routes (literal segments such as ``@me`` before parameters)."""
        add("GET", "/channels/{channel_id}", self.get_channel)
        add("GET", "/channels/{channel_id}/messages", self.list_messages)
        add("POST", "/channels/{channel_id}/messages", self.create_message)
        add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.add_reaction)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.remove_own_reaction)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}", self.remove_reaction)
        add("POST", "/channels/{channel_id}/typing", self.typing)
        add("GET", "/channels/{channel_id}/pins", self.list_pins)

    async def get_channel(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /channels/{id}."""
        chan = channel_or_404(self.state, params["channel_id"])
        require(self.state, chan, p.VIEW_CHANNEL)
        return json_response(chan.payload(self.state.users))

    async def list_messages(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /channels/{id}/messages (newest first; limit/before/after/around)."""
        chan = channel_or_404(self.state, params["channel_id"])
        require(self.state, chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        q = request.query
        limit = int(q.get("limit", "50"))
        if not 1 <= limit <= 100:
            raise form_error("limit", "Must be between 1 and 100.", "NUMBER_TYPE_MAX")
        msgs = self.state.channel_messages(chan.id)
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
        return json_response([self.state.rest_message_payload(m) for m in reversed(msgs)])

    async def create_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST /channels/{id}/messages (JSON or multipart; nonce + enforce_nonce dedupe)."""
        state = self.state
        chan = channel_or_404(self.state, params["channel_id"])
        body, files = await read_body(request)
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
            require(self.state, chan, needed)
        nonce = body.get("nonce")
        now = time.monotonic()
        if nonce is not None and body.get("enforce_nonce"):
            hit = self._nonces.get((chan.id, str(nonce)))
            if hit is not None and now - hit[1] < NONCE_TTL:
                existing = state.messages.get(hit[0])
                if existing is not None:
                    return json_response(state.rest_message_payload(existing))
        msg = self.api.compose.build_message(chan, body, files, author_id=state.bot.id)
        state.add_message(msg)
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(chan.id, str(nonce))] = (msg.id, now)
        self.emu.notify()
        await self.api.emit_message("MESSAGE_CREATE", msg)
        return json_response(state.rest_message_payload(msg))

    async def get_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /channels/{id}/messages/{mid}."""
        chan = channel_or_404(self.state, params["channel_id"])
        require(self.state, chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        msg = message_or_404(self.state, chan, params["message_id"])
        return json_response(self.state.rest_message_payload(msg))

    async def edit_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PATCH /channels/{id}/messages/{mid} (bot may only edit its own messages)."""
        state = self.state
        chan = channel_or_404(self.state, params["channel_id"])
        require(self.state, chan, p.VIEW_CHANNEL)
        msg = message_or_404(self.state, chan, params["message_id"])
        if msg.author_id != state.bot.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        body, files = await read_body(request)
        if (body.get("embeds") and chan.guild_id is not None) or files:
            require(self.state, chan, (p.EMBED_LINKS if body.get("embeds") else 0) | (p.ATTACH_FILES if files else 0))
        self.api.compose.apply_edit(msg, body, files)
        self.emu.notify()
        await self.api.emit_message("MESSAGE_UPDATE", msg)
        return json_response(state.rest_message_payload(msg))

    async def delete_message(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE /channels/{id}/messages/{mid} (own messages, or Manage Messages in guilds)."""
        state = self.state
        chan = channel_or_404(self.state, params["channel_id"])
        require(self.state, chan, p.VIEW_CHANNEL)
        msg = message_or_404(self.state, chan, params["message_id"])
        if msg.author_id != state.bot.id:
            if chan.guild_id is None:
                raise ApiError(403, 50003, "Cannot execute action on a DM channel")
            require(self.state, chan, p.MANAGE_MESSAGES)
        msg.deleted = True
        self.emu.notify()
        await self.api.emit_delete(msg)
        return no_content()

    def _check_emoji(self, chan: ChannelRecord, emoji: str) -> str:
        if re.fullmatch(r"(a:)?[\w~-]+:\d+", emoji):
            return emoji
        if re.fullmatch(r"[\w~-]+", emoji) or not emoji:
            raise ApiError(400, 10014, "Unknown Emoji")
        return emoji

    async def add_reaction(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """PUT /channels/{id}/messages/{mid}/reactions/{emoji}/@me."""
        state = self.state
        chan = channel_or_404(self.state, params["channel_id"])
        require(self.state, chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        msg = message_or_404(self.state, chan, params["message_id"])
        emoji = self._check_emoji(chan, params["emoji"])
        users = msg.reactions.get(emoji)
        if users is None:
            require(self.state, chan, p.ADD_REACTIONS)
            if len(msg.reactions) >= 20:
                raise ApiError(403, 30010, "Maximum number of reactions reached (20)")
            users = msg.reactions.setdefault(emoji, set())
        if state.bot.id not in users:
            users.add(state.bot.id)
            self.emu.notify()
            await self.api.emit_reaction("MESSAGE_REACTION_ADD", msg, state.bot.id, emoji)
        return no_content()

    async def remove_own_reaction(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE /channels/{id}/messages/{mid}/reactions/{emoji}/@me."""
        return await self._remove_reaction(params, self.state.bot.id)

    async def remove_reaction(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """DELETE /channels/{id}/messages/{mid}/reactions/{emoji}/{user_id} (needs Manage Messages)."""
        uid = snowflake(params["user_id"], "user_id")
        if uid != self.state.bot.id:
            chan = channel_or_404(self.state, params["channel_id"])
            if chan.guild_id is None:
                raise ApiError(403, 50003, "Cannot execute action on a DM channel")
            require(self.state, chan, p.MANAGE_MESSAGES)
        return await self._remove_reaction(params, uid)

    async def _remove_reaction(self, params: dict[str, str], uid: int) -> web.StreamResponse:
        chan = channel_or_404(self.state, params["channel_id"])
        require(self.state, chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        msg = message_or_404(self.state, chan, params["message_id"])
        emoji = self._check_emoji(chan, params["emoji"])
        users = msg.reactions.get(emoji, set())
        if uid in users:
            users.discard(uid)
            if not users:
                msg.reactions.pop(emoji, None)
            self.emu.notify()
            await self.api.emit_reaction("MESSAGE_REACTION_REMOVE", msg, uid, emoji)
        return no_content()

    async def typing(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """POST /channels/{id}/typing."""
        chan = channel_or_404(self.state, params["channel_id"])
        if chan.type != CHANNEL_DM:
            require(self.state, chan, p.VIEW_CHANNEL | p.SEND_MESSAGES)
        return no_content()

    async def list_pins(self, request: web.Request, params: dict[str, str]) -> web.StreamResponse:
        """GET /channels/{id}/pins."""
        chan = channel_or_404(self.state, params["channel_id"])
        require(self.state, chan, p.VIEW_CHANNEL | p.READ_MESSAGE_HISTORY)
        pins = [self.state.rest_message_payload(m) for m in self.state.channel_messages(chan.id) if m.pinned]
        return json_response(pins)
