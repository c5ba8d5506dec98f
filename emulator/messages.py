"""Live message objects the emulator stores and tests assert on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15


def iso(ts: dt.datetime) -> str:
    """Format an aware datetime the way Discord does (ISO 8601 with +00:00)."""
    return ts.astimezone(dt.UTC).isoformat()


@dataclass
class EmulatedAttachment:
    """A file uploaded with a message; the bytes are kept in memory (and served at ``url``)."""

    id: int
    filename: str
    size: int
    content_type: str | None
    url: str
    data: bytes = field(repr=False)
    description: str | None = None
    ephemeral: bool = False

    def payload(self) -> dict[str, Any]:
        """Return the Discord JSON shape of this attachment."""
        out: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }
        if self.description is not None:
            out["description"] = self.description
        if self.ephemeral:
            out["ephemeral"] = True
        return out


class ButtonInfo(NamedTuple):
    """A button found on a message."""

    custom_id: str | None
    label: str | None
    style: int
    disabled: bool
    url: str | None


class SelectInfo(NamedTuple):
    """A select menu found on a message."""

    custom_id: str
    placeholder: str | None
    type: int
    options: list[dict[str, Any]]
    min_values: int
    max_values: int
    disabled: bool


def walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield every component, depth first, including ones nested in rows, sections, containers and labels."""
    for comp in components:
        yield comp
        children = comp.get("components")
        if isinstance(children, list):
            yield from walk_components(children)
        accessory = comp.get("accessory")
        if isinstance(accessory, dict):
            yield from walk_components([accessory])
        inner = comp.get("component")
        if isinstance(inner, dict):
            yield from walk_components([inner])


@dataclass(eq=False, repr=False)
class EmulatedMessage:
    """A message as the emulator stores it. Live: PATCH/DELETE and reactions update it in place."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    author: dict[str, Any] = field(repr=False)
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    flags: int = 0
    attachments: list[EmulatedAttachment] = field(default_factory=list)
    allowed_mentions: dict[str, Any] | None = None
    nonce: str | int | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    deleted: bool = False
    edited_at: dt.datetime | None = None
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    type: int = 0
    tts: bool = False
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: dict[str, Any] | None = field(default=None, repr=False)
    message_reference: dict[str, Any] | None = None
    mentions: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    pinned: bool = False
    interaction_id: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        text = self.text().replace("\n", " | ")
        short = text if len(text) <= 60 else text[:57] + "..."
        extra = " ephemeral" if self.ephemeral else ""
        extra += " loading" if self.loading else ""
        extra += " deleted" if self.deleted else ""
        return f"<EmulatedMessage id={self.id} channel={self.channel_id} author={self.author_id}{extra} {short!r}>"

    @property
    def ephemeral(self) -> bool:
        """Whether the message is ephemeral (flag 64)."""
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Whether this is a deferred "thinking" placeholder (flag 128)."""
        return bool(self.flags & LOADING)

    def buttons(self) -> list[ButtonInfo]:
        """Every button on the message, in order."""
        return [
            ButtonInfo(
                c.get("custom_id"), c.get("label"), int(c.get("style", 1)), bool(c.get("disabled")), c.get("url")
            )
            for c in walk_components(self.components)
            if c.get("type") == 2
        ]

    def selects(self) -> list[SelectInfo]:
        """Every select menu on the message, in order."""
        return [
            SelectInfo(
                str(c.get("custom_id")),
                c.get("placeholder"),
                int(c["type"]),
                list(c.get("options", [])),
                int(c.get("min_values", 1)),
                int(c.get("max_values", 1)),
                bool(c.get("disabled")),
            )
            for c in walk_components(self.components)
            if c.get("type") in (3, 5, 6, 7, 8)
        ]

    def find_button(self, label_or_custom_id: str) -> ButtonInfo:
        """Find a button by exact label/custom_id, then by substring; raise ComponentNotFound otherwise."""
        from .errors import ComponentNotFound

        buttons = self.buttons()
        for b in buttons:
            if label_or_custom_id in (b.label, b.custom_id):
                return b
        needle = label_or_custom_id.casefold()
        matches = [
            b for b in buttons if needle in (b.label or "").casefold() or needle in (b.custom_id or "").casefold()
        ]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ComponentNotFound(f"{label_or_custom_id!r} is ambiguous on message {self.id}: {matches}")
        raise ComponentNotFound(f"no button {label_or_custom_id!r} on message {self.id}; buttons: {buttons}")

    def find_select(self, custom_id_or_placeholder: str) -> SelectInfo:
        """Find a select by exact custom_id/placeholder, then by substring."""
        from .errors import ComponentNotFound

        selects = self.selects()
        for s in selects:
            if custom_id_or_placeholder in (s.custom_id, s.placeholder):
                return s
        needle = custom_id_or_placeholder.casefold()
        matches = [s for s in selects if needle in s.custom_id.casefold() or needle in (s.placeholder or "").casefold()]
        if len(matches) == 1:
            return matches[0]
        raise ComponentNotFound(
            f"no unique select {custom_id_or_placeholder!r} on message {self.id}; selects: {selects}"
        )

    def embed_field(self, name: str, *, partial: bool = False) -> str | None:
        """The value of the first embed field named `name` (with `partial`, whose name contains it), or None."""
        for embed in self.embeds:
            for item in embed.get("fields") or []:
                if (name in item["name"]) if partial else (item["name"] == name):
                    return str(item["value"])
        return None

    def text(self) -> str:
        """Content plus every embed's text and any text display components, newline-joined (for assertions)."""
        parts: list[str] = [self.content] if self.content else []
        for e in self.embeds:
            author = e.get("author") or {}
            parts.extend(str(x) for x in (author.get("name"), e.get("title"), e.get("description")) if x)
            for f in e.get("fields") or []:
                parts.extend(str(x) for x in (f.get("name"), f.get("value")) if x)
            footer = e.get("footer") or {}
            if footer.get("text"):
                parts.append(str(footer["text"]))
        for c in walk_components(self.components):
            if c.get("type") == 10 and c.get("content"):
                parts.append(str(c["content"]))
        return "\n".join(parts)

    def payload(self, bot_id: int | None = None) -> dict[str, Any]:
        """Return the Discord JSON message object (without guild ``member``; the emulator adds it for events)."""
        out: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": dict(self.author),
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": self.tts,
            "mention_everyone": self.mention_everyone,
            "mentions": [],
            "mention_roles": [str(r) for r in self.mention_roles],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": [dict(e) for e in self.embeds],
            "pinned": self.pinned,
            "type": self.type,
            "flags": self.flags,
            "components": list(self.components),
        }
        if self.nonce is not None:
            out["nonce"] = self.nonce
        if self.webhook_id is not None:
            out["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            out["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            out["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            out["message_reference"] = self.message_reference
        if self.reactions:
            out["reactions"] = [
                {
                    "emoji": emoji_payload(key),
                    "count": len(users),
                    "count_details": {"burst": 0, "normal": len(users)},
                    "me": bot_id in users,
                    "me_burst": False,
                    "burst_colors": [],
                }
                for key, users in self.reactions.items()
                if users
            ]
        return out


def emoji_payload(key: str) -> dict[str, Any]:
    """Turn a reaction key (unicode, or ``name:id``) into a partial emoji object."""
    parts = key.split(":")
    if len(parts) == 3:
        return {"id": parts[2], "name": parts[1], "animated": True}
    if len(parts) == 2:
        return {"id": parts[1], "name": parts[0], "animated": False}
    return {"id": None, "name": key}
