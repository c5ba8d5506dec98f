"""Interaction bookkeeping: what was dispatched, how the bot answered, and what tests get back."""

# ruff: noqa: ASYNC109  # the public API deliberately takes timeout= like asyncio.wait_for

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import EmulatorError, InteractionNotAnswered
from .messages import EmulatedMessage

if TYPE_CHECKING:
    from .server import DiscordEmulator

log = logging.getLogger(__name__)

# Interaction types
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Callback types
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
MODAL = 9

ALLOWED_CALLBACKS: dict[int, set[int]] = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {APPLICATION_COMMAND_AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    },
}


@dataclass
class ModalField:
    """One input of a modal the bot opened."""

    custom_id: str
    label: str | None
    type: int = 4
    style: int = 1
    required: bool = True
    min_length: int | None = None
    max_length: int | None = None
    value: str | None = None
    placeholder: str | None = None
    description: str | None = None
    options: list[dict[str, Any]] = field(default_factory=list)
    min_values: int = 1
    max_values: int = 1


@dataclass
class ModalPrompt:
    """A modal (callback type 9) shown to the simulated member."""

    title: str
    custom_id: str
    fields: list[ModalField]
    raw: dict[str, Any] = field(repr=False)
    source: PendingInteraction | None = field(default=None, repr=False)

    def field(self, key: str) -> ModalField:
        """Find a field by custom_id, then label (exact, then case-insensitive substring)."""
        for f in self.fields:
            if key in (f.custom_id, f.label):
                return f
        matches = [f for f in self.fields if f.label and key.casefold() in f.label.casefold()]
        if len(matches) == 1:
            return matches[0]
        raise EmulatorError(f"modal {self.title!r} has no field {key!r}; fields: {[f.custom_id for f in self.fields]}")

    @classmethod
    def from_payload(cls, data: dict[str, Any], source: PendingInteraction | None) -> ModalPrompt:
        """Parse the callback's modal data (action rows of text inputs, or Label components)."""
        fields: list[ModalField] = []

        def visit(comps: list[dict[str, Any]], label: str | None, description: str | None) -> None:
            for c in comps:
                ctype = c.get("type")
                if ctype == 1:
                    visit(c.get("components", []), None, None)
                elif ctype == 18:
                    visit([c["component"]], c.get("label"), c.get("description"))
                elif ctype in (3, 4, 5, 6, 7, 8) and "custom_id" in c:
                    fields.append(
                        ModalField(
                            custom_id=c["custom_id"],
                            label=label if label is not None else c.get("label"),
                            type=int(ctype),
                            style=int(c.get("style", 1)),
                            required=bool(c.get("required", True)),
                            min_length=c.get("min_length"),
                            max_length=c.get("max_length"),
                            value=c.get("value"),
                            placeholder=c.get("placeholder"),
                            description=description,
                            options=list(c.get("options", [])),
                            min_values=int(c.get("min_values", 1)),
                            max_values=int(c.get("max_values", 1)),
                        )
                    )

        visit(list(data.get("components", [])), None, None)
        return cls(
            title=str(data.get("title", "")), custom_id=str(data["custom_id"]), fields=fields, raw=data, source=source
        )


@dataclass(eq=False)
class PendingInteraction:
    """Server-side record of a dispatched interaction."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    user_id: int
    channel_id: int
    guild_id: int | None
    dispatched_at: float
    source_message_id: int | None = None
    callback_type: int | None = None
    original_message_id: int | None = None
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    events: asyncio.Queue[EmulatedMessage] = field(default_factory=asyncio.Queue)
    followup_ids: list[int] = field(default_factory=list)
    result: InteractionResult | None = None

    def age(self) -> float:
        """Seconds since dispatch."""
        return time.monotonic() - self.dispatched_at


class InteractionResult:
    """What the bot did with an interaction a simulated member triggered."""

    def __init__(self, emu: DiscordEmulator, pending: PendingInteraction) -> None:
        self._emu = emu
        self.pending = pending
        pending.result = self
        self.type: int | None = None
        self.message: EmulatedMessage | None = None
        self.modal: ModalPrompt | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.latency: float | None = None
        self.error: str | None = None

    def __repr__(self) -> str:
        return f"<InteractionResult id={self.id} type={self.type} message={self.message!r} modal={self.modal!r}>"

    @property
    def id(self) -> int:
        """The interaction id."""
        return self.pending.id

    @property
    def token(self) -> str:
        """The interaction token."""
        return self.pending.token

    @property
    def deferred(self) -> bool:
        """Whether the bot answered with a deferral (type 5 or 6)."""
        return self.type in (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_UPDATE_MESSAGE)

    @property
    def ephemeral(self) -> bool:
        """Whether the original response is ephemeral."""
        return self.message is not None and self.message.ephemeral

    def text(self) -> str:
        """The original response's ``text()`` ("" when there is none, e.g. a modal or autocomplete)."""
        return self.message.text() if self.message is not None else ""

    def followups(self) -> list[EmulatedMessage]:
        """Follow-up messages sent so far (not counting the original response)."""
        return [self._emu.state.messages[mid] for mid in self.pending.followup_ids]

    async def followup(self, timeout: float = 5.0) -> EmulatedMessage:
        """Wait for the next follow-up message or edit of the original response."""
        try:
            return await asyncio.wait_for(self.pending.events.get(), timeout)
        except TimeoutError:
            raise InteractionNotAnswered(f"no follow-up/edit for interaction {self.id} within {timeout}s") from None

    async def wait_final(self, timeout: float = 5.0) -> EmulatedMessage:
        """Wait until the original response exists and is no longer a "thinking" placeholder."""

        def ready() -> EmulatedMessage | None:
            mid = self.pending.original_message_id
            if mid is None:
                return None
            msg = self._emu.state.messages.get(mid)
            if msg is None or msg.loading:
                return None
            return msg

        return await self._emu.wait_until(ready, timeout, f"final response of interaction {self.id}")

    def _set(self, callback_type: int, latency: float) -> None:
        self.type = callback_type
        self.latency = latency


Predicate = Callable[[EmulatedMessage], bool]
