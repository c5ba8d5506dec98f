"""SimulatedMember: a human in the emulated world who runs commands, clicks, selects, submits modals and chats."""

# ruff: noqa: ASYNC109  # the public API deliberately takes timeout= like asyncio.wait_for

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import permissions as p
from .command_options import build_options, check_visible, lookup_command, nest, resolve_path, resolve_user
from .errors import ComponentNotFound, EmulatorError, OptionError
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionResult,
    ModalPrompt,
)
from .messages import EmulatedMessage, walk_components
from .state import ChannelRecord, UserRecord
from .submissions import modal_submission, select_values

if TYPE_CHECKING:
    from .server import DiscordEmulator

log = logging.getLogger(__name__)


class SimulatedMember:
    """Acts as a human user: slash commands, autocomplete, buttons, selects, modals, messages and reactions."""

    def __init__(self, emu: DiscordEmulator, user_id: int, guild_id: int | None, *, locale: str = "en-US") -> None:
        self.emu = emu
        self.user_id = user_id
        self.guild_id = guild_id
        self.locale = locale

    def __repr__(self) -> str:
        return f"<SimulatedMember {self.name!r} id={self.user_id} guild={self.guild_id}>"

    # ----------------------------------------------------------------- identity

    @property
    def user(self) -> UserRecord:
        """The underlying user record."""
        return self.emu.state.users[self.user_id]

    @property
    def name(self) -> str:
        """Username."""
        return self.user.username

    @property
    def id(self) -> int:
        """Alias of ``user_id``."""
        return self.user_id

    @property
    def mention(self) -> str:
        """``<@id>``."""
        return f"<@{self.user_id}>"

    @property
    def default_channel_id(self) -> int:
        """#general of the member's guild, or the DM channel for guild-less users."""
        if self.guild_id is None:
            return self.dm_channel_id
        return self.emu.general_channel(self.guild_id).id

    @property
    def dm_channel_id(self) -> int:
        """The DM channel between this user and the bot."""
        return self.emu.dm_channel_id(self.user_id)

    def permissions(self, channel_id: int | None = None) -> int:
        """This member's permissions in a channel (default: #general), or guild-wide if no guild channel."""
        cid = channel_id if channel_id is not None else self.default_channel_id
        return self.emu.state.channel_permissions(cid, self.user_id)

    def dms(self) -> list[EmulatedMessage]:
        """Messages the bot sent to this user's DM, oldest first."""
        return [m for m in self.emu.dm_messages(self.user_id) if m.author_id == self.emu.bot_user_id]

    async def wait_for_dm(
        self, predicate: Callable[[EmulatedMessage], bool] | None = None, timeout: float = 5.0
    ) -> EmulatedMessage:
        """Wait for (or return an unconsumed existing) DM from the bot to this user."""
        return await self.emu.wait_for_message(dm_user_id=self.user_id, predicate=predicate, timeout=timeout)

    # ----------------------------------------------------------------- commands

    def _channel_for(self, channel_id: int | None, dm: bool) -> ChannelRecord:
        if dm:
            return self.emu.state.channels[self.dm_channel_id]
        cid = channel_id if channel_id is not None else self.default_channel_id
        try:
            return self.emu.state.channels[cid]
        except KeyError:
            raise EmulatorError(f"unknown or deleted channel {cid}") from None

    async def slash(
        self,
        command: str,
        *,
        channel_id: int | None = None,
        dm: bool = False,
        bypass_visibility: bool = False,
        timeout: float = 5.0,
        expect_response: bool = True,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> InteractionResult:
        """Run a slash command, e.g. ``slash("nudges start", time="09:00")``; waits for the bot's callback."""
        chan = self._channel_for(channel_id, dm)
        cmd, defs, chain = resolve_path(self.emu.state, command, chan)
        if not bypass_visibility:
            check_visible(self, cmd, chan)
        given = {**(options or {}), **kwargs}
        resolved: dict[str, dict[str, Any]] = {}
        leaf = build_options(self, defs, given, chan, resolved)
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        nested = nest(cmd, chain, leaf)
        if nested:
            data["options"] = nested
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self.emu.run_interaction(
            type=APPLICATION_COMMAND,
            data=data,
            user_id=self.user_id,
            channel_id=chan.id,
            locale=self.locale,
            timeout=timeout,
            expect_response=expect_response,
        )

    async def autocomplete(
        self,
        command: str,
        option: str,
        value: str,
        *,
        channel_id: int | None = None,
        dm: bool = False,
        timeout: float = 5.0,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """Type ``value`` into an autocomplete option; returns the choices the bot offered."""
        chan = self._channel_for(channel_id, dm)
        cmd, defs, chain = resolve_path(self.emu.state, command, chan)
        target = next((o for o in defs if o["name"] == option), None)
        if target is None:
            raise OptionError(f"unknown option {option!r}; options are {[o['name'] for o in defs]}")
        if not target.get("autocomplete"):
            raise OptionError(f"option {option!r} does not have autocomplete enabled")
        given = {**(options or {}), **kwargs, option: value}
        resolved: dict[str, dict[str, Any]] = {}
        leaf = build_options(self, defs, given, chan, resolved, focused=option)
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 1,
            "options": nest(cmd, chain, leaf),
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        result = await self.emu.run_interaction(
            type=AUTOCOMPLETE, data=data, user_id=self.user_id, channel_id=chan.id, locale=self.locale, timeout=timeout
        )
        return list(result.choices or [])

    async def context_menu(
        self,
        name: str,
        target: SimulatedMember | EmulatedMessage | int,
        *,
        channel_id: int | None = None,
        bypass_visibility: bool = False,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """Run a user (target is a member/user id) or message (target is a message) context-menu command."""
        if isinstance(target, EmulatedMessage):
            chan = self.emu.state.channels[target.channel_id]
            cmd = lookup_command(self.emu.state, name, chan, 3)
            resolved: dict[str, dict[str, Any]] = {
                "messages": {str(target.id): self.emu.state.rest_message_payload(target)}
            }
            target_id = target.id
        else:
            chan = self._channel_for(channel_id, False)
            cmd = lookup_command(self.emu.state, name, chan, 2)
            target_id = target.user_id if isinstance(target, SimulatedMember) else int(target)
            resolved = {}
            resolve_user(self.emu.state, target_id, chan, resolved)
        if not bypass_visibility:
            check_visible(self, cmd, chan)
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": int(cmd["type"]),
            "target_id": str(target_id),
            "resolved": resolved,
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self.emu.run_interaction(
            type=APPLICATION_COMMAND,
            data=data,
            user_id=self.user_id,
            channel_id=chan.id,
            locale=self.locale,
            timeout=timeout,
        )

    # ----------------------------------------------------------------- components

    def _live(self, message: EmulatedMessage | int, force: bool) -> EmulatedMessage:
        msg = self.emu.message(message) if isinstance(message, int) else message
        if msg.deleted:
            raise EmulatorError(f"message {msg.id} was deleted")
        chan = self.emu.state.channels.get(msg.channel_id)
        if chan is None:
            raise EmulatorError(f"message {msg.id}'s channel was deleted")
        if msg.author_id != self.emu.bot_user_id:
            raise EmulatorError("only the bot's messages carry interactive components")
        if chan.guild_id is not None and not force:
            if self.user_id not in self.emu.state.guild(chan.guild_id).members:
                raise EmulatorError(f"{self.name} is not in the guild of message {msg.id}")
            if not self.emu.state.channel_permissions(chan.id, self.user_id) & p.VIEW_CHANNEL:
                raise EmulatorError(f"{self.name} cannot see #{chan.name}")
        return msg

    async def click(
        self,
        message: EmulatedMessage | int,
        label_or_custom_id: str,
        *,
        force: bool = False,
        timeout: float = 5.0,
        expect_response: bool = True,
    ) -> InteractionResult:
        """Click a button (by label or custom_id, exact then substring) on a bot message, in a guild or DM."""
        msg = self._live(message, force)
        button = msg.find_button(label_or_custom_id)
        if button.style == 5 or button.url:
            raise EmulatorError(f"{button.label!r} is a link button; clicking it opens {button.url}, no interaction")
        if button.disabled and not force:
            raise EmulatorError(f"button {button.label or button.custom_id!r} is disabled")
        if button.custom_id is None:
            raise ComponentNotFound(f"button {button.label!r} has no custom_id")
        data: dict[str, Any] = {"custom_id": button.custom_id, "component_type": 2}
        comp = next((c for c in walk_components(msg.components) if c.get("custom_id") == button.custom_id), {})
        if "id" in comp:
            data["id"] = comp["id"]
        return await self._component_interaction(msg, data, timeout, expect_response)

    async def _component_interaction(
        self, msg: EmulatedMessage, data: dict[str, Any], timeout: float, expect_response: bool
    ) -> InteractionResult:
        """Dispatch a component interaction (button or select) on a message, as this member."""
        return await self.emu.run_interaction(
            type=MESSAGE_COMPONENT,
            data=data,
            user_id=self.user_id,
            channel_id=msg.channel_id,
            locale=self.locale,
            message=msg,
            timeout=timeout,
            expect_response=expect_response,
        )

    async def select(
        self,
        message: EmulatedMessage | int,
        custom_id_or_placeholder: str,
        values: list[Any],
        *,
        force: bool = False,
        timeout: float = 5.0,
        expect_response: bool = True,
    ) -> InteractionResult:
        """Choose values in a select menu (string selects: by value or label; entity selects: ids/members)."""
        msg = self._live(message, force)
        sel = msg.find_select(custom_id_or_placeholder)
        if sel.disabled and not force:
            raise EmulatorError(f"select {sel.custom_id!r} is disabled")
        chan = self.emu.state.channels[msg.channel_id]
        if not sel.min_values <= len(values) <= sel.max_values:
            raise OptionError(f"select {sel.custom_id!r} takes {sel.min_values}..{sel.max_values} values; got {values}")
        data: dict[str, Any] = {"custom_id": sel.custom_id, "component_type": sel.type}
        data["values"], resolved = select_values(self, sel.type, sel.options, values, chan, sel.custom_id)
        if resolved:
            data["resolved"] = resolved
        return await self._component_interaction(msg, data, timeout, expect_response)

    async def click_custom_id(
        self,
        message: EmulatedMessage | int,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        timeout: float = 5.0,
        expect_response: bool = True,
    ) -> InteractionResult:
        """Send a component interaction with a custom id of the test's choosing, as a tampered client could.

        Unlike ``click``/``select`` the id need not be on the message (forged, replayed or malformed ids);
        ``component_type`` 3 with ``values`` forges a string-select choice.
        """
        msg = self._live(message, True)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2:
            data["values"] = [str(v) for v in values or []]
        return await self._component_interaction(msg, data, timeout, expect_response)

    async def submit_custom_modal(
        self,
        custom_id: str,
        values: dict[str, str],
        *,
        channel_id: int | None = None,
        dm: bool = False,
        timeout: float = 5.0,
        expect_response: bool = True,
    ) -> InteractionResult:
        """Submit a modal the bot never showed this member (a forged or replayed custom id), text inputs only."""
        chan = self._channel_for(channel_id, dm)
        components = [
            {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]} for key, value in values.items()
        ]
        return await self.emu.run_interaction(
            type=MODAL_SUBMIT,
            data={"custom_id": custom_id, "components": components},
            user_id=self.user_id,
            channel_id=chan.id,
            locale=self.locale,
            timeout=timeout,
            expect_response=expect_response,
        )

    async def submit_modal(
        self,
        modal: ModalPrompt | InteractionResult,
        values: dict[str, Any],
        *,
        timeout: float = 5.0,
        expect_response: bool = True,
        force: bool = False,
    ) -> InteractionResult:
        """Fill a modal's fields (keys: custom_id or label) and submit it."""
        if isinstance(modal, InteractionResult):
            if modal.modal is None:
                raise EmulatorError(f"interaction {modal.id} did not open a modal (callback type {modal.type})")
            modal = modal.modal
        chan, data, message = modal_submission(self, modal, values, force=force)
        return await self.emu.run_interaction(
            type=MODAL_SUBMIT,
            data=data,
            user_id=self.user_id,
            channel_id=chan.id,
            locale=self.locale,
            message=message,
            timeout=timeout,
            expect_response=expect_response,
        )

    # ----------------------------------------------------------------- plain chat

    async def send(
        self,
        content: str,
        *,
        channel_id: int | None = None,
        dm: bool = False,
        reply_to: EmulatedMessage | None = None,
    ) -> EmulatedMessage:
        """Post a message as this user (MESSAGE_CREATE to the bot, content-gated by the MESSAGE_CONTENT intent)."""
        emu = self.emu
        state = emu.state
        chan = self._channel_for(channel_id, dm)
        if chan.guild_id is not None and not state.channel_permissions(chan.id, self.user_id) & p.SEND_MESSAGES:
            raise EmulatorError(f"{self.name} cannot send messages in #{chan.name}")
        ref = None
        if reply_to is not None:
            ref = {"type": 0, "message_id": str(reply_to.id), "channel_id": str(chan.id)}
            if chan.guild_id is not None:
                ref["guild_id"] = str(chan.guild_id)
        mentions, roles, everyone = emu.rest.compose.mentions(content, None, reply_to, chan.guild_id)
        msg = EmulatedMessage(
            id=state.ids.next(),
            channel_id=chan.id,
            guild_id=chan.guild_id,
            author_id=self.user_id,
            author=self.user.payload(),
            content=content,
            type=19 if reply_to is not None else 0,
            message_reference=ref,
            mentions=mentions,
            mention_roles=roles,
            mention_everyone=everyone,
            created_at=dt.datetime.now(dt.UTC),
        )
        state.add_message(msg)
        emu.notify()
        await emu.flush()
        await emu.rest.emit_message("MESSAGE_CREATE", msg)
        return msg

    async def react(self, message: EmulatedMessage, emoji: str) -> None:
        """Add a reaction as this user (MESSAGE_REACTION_ADD)."""
        users = message.reactions.setdefault(emoji, set())
        if self.user_id in users:
            return
        users.add(self.user_id)
        self.emu.notify()
        await self.emu.rest.emit_reaction("MESSAGE_REACTION_ADD", message, self.user_id, emoji)

    async def unreact(self, message: EmulatedMessage, emoji: str) -> None:
        """Remove this user's reaction (MESSAGE_REACTION_REMOVE)."""
        users = message.reactions.get(emoji, set())
        if self.user_id not in users:
            return
        users.discard(self.user_id)
        if not users:
            message.reactions.pop(emoji, None)
        self.emu.notify()
        await self.emu.rest.emit_reaction("MESSAGE_REACTION_REMOVE", message, self.user_id, emoji)
