"""Turning a create/edit body into a stored message, as Discord does: limits, flags, attachments, mentions."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from ..interactions import APPLICATION_COMMAND, PendingInteraction
from ..messages import EPHEMERAL, IS_COMPONENTS_V2, LOADING, SUPPRESS_NOTIFICATIONS, EmulatedAttachment, EmulatedMessage
from ..state import ChannelRecord
from ..validation import ApiError, form_error, validate_components, validate_embeds
from .http import UploadedFile, snowflake

if TYPE_CHECKING:
    from ..server import DiscordEmulator

SUPPRESS_EMBEDS = 1 << 2


class MessageComposer:
    """Validates message bodies and builds or edits ``EmulatedMessage``s (shared by channel and webhook routes)."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu

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

    def mentions(
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
            target = state.messages.get(snowflake(ref["message_id"], "message_reference.message_id"))
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
        mentions, roles, everyone = self.mentions(content, allowed, reference, channel.guild_id)
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
            msg.interaction_metadata = self.interaction_metadata(interaction)
        return msg

    def interaction_metadata(self, interaction: PendingInteraction) -> dict[str, Any]:
        """The ``interaction_metadata`` a message created in answer to an interaction carries."""
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
        msg.mentions, msg.mention_roles, msg.mention_everyone = self.mentions(
            msg.content, msg.allowed_mentions, None, msg.guild_id
        )
        msg.edited_at = dt.datetime.now(dt.UTC)
