"""SimulatedMember: a human in the emulated world who runs commands, clicks, selects, submits modals and chats."""

# ruff: noqa: ASYNC109  # the public API deliberately takes timeout= like asyncio.wait_for

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import permissions as p
from .errors import CommandNotFound, CommandNotVisible, ComponentNotFound, EmulatorError, OptionError
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionResult,
    ModalPrompt,
)
from .messages import EmulatedAttachment, EmulatedMessage, walk_components
from .state import ChannelRecord, RoleRecord, UserRecord

if TYPE_CHECKING:
    from .server import DiscordEmulator

log = logging.getLogger(__name__)

OPTION_TYPE_NAMES = {
    3: "string",
    4: "integer",
    5: "boolean",
    6: "user",
    7: "channel",
    8: "role",
    9: "mentionable",
    10: "number",
    11: "attachment",
}


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

    def _lookup_command(self, name: str, chan: ChannelRecord, ctype: int) -> dict[str, Any]:
        state = self.emu.state
        candidates: list[dict[str, Any]] = []
        if chan.guild_id is not None:
            candidates += state.guild_commands.get(chan.guild_id, [])
        candidates += state.global_commands
        for cmd in candidates:
            if cmd["name"] == name and int(cmd.get("type", 1)) == ctype:
                return cmd
        known = sorted({c["name"] for c in candidates if int(c.get("type", 1)) == ctype})
        raise CommandNotFound(f"no command {name!r} registered (type {ctype}); registered: {known}")

    def _check_visible(self, cmd: dict[str, Any], chan: ChannelRecord) -> None:
        state = self.emu.state
        contexts = cmd.get("contexts")
        if chan.guild_id is None:
            if cmd.get("guild_id"):
                raise CommandNotVisible(f"/{cmd['name']} is a guild command; it is not available in DMs")
            if (contexts is not None and 1 not in contexts) or (cmd.get("dm_permission") is False and contexts is None):
                raise CommandNotVisible(f"/{cmd['name']} is not available in DMs (contexts={contexts})")
            return
        if contexts is not None and 0 not in contexts:
            raise CommandNotVisible(f"/{cmd['name']} is not available in guilds (contexts={contexts})")
        perms = state.guild_permissions(chan.guild_id, self.user_id)
        if not state.channel_permissions(chan.id, self.user_id) & p.USE_APPLICATION_COMMANDS:
            raise CommandNotVisible(f"{self.name} lacks Use Application Commands in #{chan.name}")
        required = cmd.get("default_member_permissions")
        if required is None or perms & p.ADMINISTRATOR:
            return
        bits = int(required)
        if bits == 0 or perms & bits != bits:
            raise CommandNotVisible(f"/{cmd['name']} needs default_member_permissions={bits}; {self.name} has {perms}")

    def _resolve_path(self, path: str, chan: ChannelRecord) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
        """Return (command, leaf option definitions, subcommand chain)."""
        parts = path.strip().lstrip("/").split()
        if not parts:
            raise CommandNotFound("empty command name")
        cmd = self._lookup_command(parts[0], chan, 1)
        defs: list[dict[str, Any]] = list(cmd.get("options") or [])
        chain: list[str] = []
        for part in parts[1:]:
            sub = next((o for o in defs if o.get("name") == part and o.get("type") in (1, 2)), None)
            if sub is None:
                subs = [o["name"] for o in defs if o.get("type") in (1, 2)]
                raise CommandNotFound(f"/{' '.join([parts[0], *chain])} has no subcommand {part!r}; has {subs}")
            chain.append(part)
            defs = list(sub.get("options") or [])
        if any(o.get("type") in (1, 2) for o in defs):
            subs = [o["name"] for o in defs if o.get("type") in (1, 2)]
            raise CommandNotFound(f"/{path} needs a subcommand: {subs}")
        return cmd, defs, chain

    def _nest(self, cmd: dict[str, Any], chain: list[str], leaf: list[dict[str, Any]]) -> list[dict[str, Any]]:
        options = leaf
        defs: list[dict[str, Any]] = list(cmd.get("options") or [])
        types: list[int] = []
        for name in chain:
            sub = next(o for o in defs if o.get("name") == name)
            types.append(int(sub["type"]))
            defs = list(sub.get("options") or [])
        for name, otype in reversed(list(zip(chain, types, strict=True))):
            options = [{"name": name, "type": otype, "options": options}]
        return options

    def _convert(
        self, opt: dict[str, Any], value: Any, chan: ChannelRecord, resolved: dict[str, dict[str, Any]]
    ) -> Any:
        state = self.emu.state
        otype = int(opt["type"])
        name = opt["name"]
        tname = OPTION_TYPE_NAMES.get(otype, str(otype))
        choices = opt.get("choices") or []
        if choices:
            values = [c["value"] for c in choices]
            if value not in values or isinstance(value, bool):
                by_name = [c["value"] for c in choices if c["name"] == value]
                if not by_name:
                    shown = [(c["name"], c["value"]) for c in choices]
                    raise OptionError(f"option {name!r}: {value!r} is not one of the choices {shown}")
                value = by_name[0]
        if otype == 3:
            if not isinstance(value, str):
                raise OptionError(f"option {name!r} is a string; got {value!r}")
            lo, hi = opt.get("min_length"), opt.get("max_length")
            if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
                raise OptionError(f"option {name!r}: length {len(value)} outside [{lo}, {hi}] (client refuses)")
            return value
        if otype in (4, 10):
            ok = isinstance(value, int) if otype == 4 else isinstance(value, (int, float))
            if not ok or isinstance(value, bool):
                raise OptionError(f"option {name!r} is {tname}; got {value!r}")
            lo, hi = opt.get("min_value"), opt.get("max_value")
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise OptionError(f"option {name!r}: {value} outside [{lo}, {hi}] (client refuses)")
            return value
        if otype == 5:
            if not isinstance(value, bool):
                raise OptionError(f"option {name!r} is boolean; got {value!r}")
            return value
        if otype in (6, 9) and (isinstance(value, (SimulatedMember, UserRecord)) or self._is_user(value)):
            uid = (
                value.user_id
                if isinstance(value, SimulatedMember)
                else value.id
                if isinstance(value, UserRecord)
                else int(value)
            )
            self._resolve_user(uid, chan, resolved)
            return str(uid)
        if otype in (8, 9):
            rid = value.id if isinstance(value, RoleRecord) else int(value)
            if chan.guild_id is None or rid not in state.guild(chan.guild_id).roles:
                raise OptionError(f"option {name!r}: {value!r} is not a role of this guild")
            resolved.setdefault("roles", {})[str(rid)] = state.guild(chan.guild_id).roles[rid].payload()
            return str(rid)
        if otype == 6:
            raise OptionError(f"option {name!r}: {value!r} is not a known user")
        if otype == 7:
            cid = value.id if isinstance(value, ChannelRecord) else int(value)
            target = state.channels.get(cid)
            if target is None or target.guild_id != chan.guild_id or target.guild_id is None:
                raise OptionError(f"option {name!r}: {value!r} is not a channel of this guild")
            allowed = opt.get("channel_types")
            if allowed and target.type not in allowed:
                raise OptionError(f"option {name!r}: channel type {target.type} not in {allowed}")
            data = target.payload()
            data["permissions"] = str(state.channel_permissions(cid, self.user_id))
            resolved.setdefault("channels", {})[str(cid)] = data
            return str(cid)
        if otype == 11:
            att = self._attachment(value, chan)
            resolved.setdefault("attachments", {})[str(att.id)] = {**att.payload(), "ephemeral": True}
            return str(att.id)
        raise OptionError(f"option {name!r}: unsupported option type {otype}")

    def _is_user(self, value: Any) -> bool:
        try:
            return int(value) in self.emu.state.users
        except (TypeError, ValueError):
            return False

    def _attachment(self, value: Any, chan: ChannelRecord) -> EmulatedAttachment:
        if isinstance(value, EmulatedAttachment):
            return value
        if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes)):
            raise OptionError("attachment options take (filename, bytes) or an EmulatedAttachment")
        import mimetypes

        filename, data = value
        aid = self.emu.state.ids.next()
        att = EmulatedAttachment(
            id=aid,
            filename=filename,
            size=len(data),
            content_type=mimetypes.guess_type(filename)[0],
            url=f"{self.emu.base_url}/attachments/{chan.id}/{aid}/{filename}",
            data=data,
            ephemeral=True,
        )
        self.emu.attachments[aid] = att
        return att

    def _resolve_user(self, uid: int, chan: ChannelRecord, resolved: dict[str, dict[str, Any]]) -> None:
        state = self.emu.state
        if uid not in state.users:
            raise OptionError(f"unknown user {uid}")
        resolved.setdefault("users", {})[str(uid)] = state.users[uid].payload()
        if chan.guild_id is not None and uid in state.guild(chan.guild_id).members:
            member = state.member_payload(chan.guild_id, uid, with_user=False)
            member["permissions"] = str(state.channel_permissions(chan.id, uid))
            resolved.setdefault("members", {})[str(uid)] = member

    def _build_options(
        self,
        defs: list[dict[str, Any]],
        given: dict[str, Any],
        chan: ChannelRecord,
        resolved: dict[str, dict[str, Any]],
        *,
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in defs}
        for key in given:
            if key not in by_name:
                raise OptionError(f"unknown option {key!r}; options are {list(by_name)}")
        out: list[dict[str, Any]] = []
        for opt in defs:
            name = opt["name"]
            if name == focused:
                out.append({"name": name, "type": int(opt["type"]), "value": str(given.get(name, "")), "focused": True})
                continue
            if name not in given or given[name] is None:
                if opt.get("required") and focused is None:
                    raise OptionError(f"missing required option {name!r}")
                continue
            value = given[name]
            if focused is not None and isinstance(value, str) and int(opt["type"]) in (4, 10):
                out.append({"name": name, "type": int(opt["type"]), "value": value})
                continue
            out.append({"name": name, "type": int(opt["type"]), "value": self._convert(opt, value, chan, resolved)})
        return out

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
        cmd, defs, chain = self._resolve_path(command, chan)
        if not bypass_visibility:
            self._check_visible(cmd, chan)
        given = {**(options or {}), **kwargs}
        resolved: dict[str, dict[str, Any]] = {}
        leaf = self._build_options(defs, given, chan, resolved)
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        nested = self._nest(cmd, chain, leaf)
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
        cmd, defs, chain = self._resolve_path(command, chan)
        target = next((o for o in defs if o["name"] == option), None)
        if target is None:
            raise OptionError(f"unknown option {option!r}; options are {[o['name'] for o in defs]}")
        if not target.get("autocomplete"):
            raise OptionError(f"option {option!r} does not have autocomplete enabled")
        given = {**(options or {}), **kwargs, option: value}
        resolved: dict[str, dict[str, Any]] = {}
        leaf = self._build_options(defs, given, chan, resolved, focused=option)
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 1,
            "options": self._nest(cmd, chain, leaf),
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
            cmd = self._lookup_command(name, chan, 3)
            resolved: dict[str, dict[str, Any]] = {
                "messages": {str(target.id): self.emu.state.rest_message_payload(target)}
            }
            target_id = target.id
        else:
            chan = self._channel_for(channel_id, False)
            cmd = self._lookup_command(name, chan, 2)
            target_id = target.user_id if isinstance(target, SimulatedMember) else int(target)
            resolved = {}
            self._resolve_user(target_id, chan, resolved)
        if not bypass_visibility:
            self._check_visible(cmd, chan)
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
        data["values"], resolved = self._select_values(sel.type, sel.options, values, chan, sel.custom_id)
        if resolved:
            data["resolved"] = resolved
        return await self._component_interaction(msg, data, timeout, expect_response)

    def _select_values(
        self, stype: int, options: list[dict[str, Any]], values: list[Any], chan: ChannelRecord, custom_id: str
    ) -> tuple[list[str], dict[str, dict[str, Any]]]:
        resolved: dict[str, dict[str, Any]] = {}
        out: list[str] = []
        if stype == 3:
            for v in values:
                match = next((o for o in options if o.get("value") == v), None) or next(
                    (o for o in options if o.get("label") == v), None
                )
                if match is None:
                    raise OptionError(
                        f"select {custom_id!r}: {v!r} is not an option; options {[o.get('value') for o in options]}"
                    )
                out.append(str(match["value"]))
            return out, resolved
        state = self.emu.state
        for v in values:
            if isinstance(v, SimulatedMember):
                v = v.user_id
            ident = int(v.id) if isinstance(v, (RoleRecord, ChannelRecord, UserRecord)) else int(v)
            if stype in (5, 7) and ident in state.users:
                self._resolve_user(ident, chan, resolved)
            elif stype in (6, 7) and chan.guild_id is not None and ident in state.guild(chan.guild_id).roles:
                resolved.setdefault("roles", {})[str(ident)] = state.guild(chan.guild_id).roles[ident].payload()
            elif stype == 8 and ident in state.channels:
                data = state.channels[ident].payload()
                data["permissions"] = str(state.channel_permissions(ident, self.user_id))
                resolved.setdefault("channels", {})[str(ident)] = data
            else:
                raise OptionError(f"select {custom_id!r}: {v!r} is not valid for select type {stype}")
            out.append(str(ident))
        return out, resolved

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
        source = modal.source
        if source is not None and source.user_id != self.user_id and not force:
            raise EmulatorError("only the user the modal was shown to can submit it")
        filled: dict[str, Any] = {}
        for key, value in values.items():
            filled[modal.field(key).custom_id] = value
        for f in modal.fields:
            default: Any = f.value if f.type == 4 else [o["value"] for o in f.options if o.get("default")]
            value = filled.get(f.custom_id, default)
            if f.type == 4:
                text = "" if value is None else str(value)
                if f.required and not text:
                    raise OptionError(f"modal field {f.label or f.custom_id!r} is required")
                if text and (f.min_length is not None and len(text) < f.min_length):
                    raise OptionError(f"modal field {f.custom_id!r} needs at least {f.min_length} characters")
                if f.max_length is not None and len(text) > f.max_length:
                    raise OptionError(f"modal field {f.custom_id!r} allows at most {f.max_length} characters")
                filled[f.custom_id] = text
            else:
                vals = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
                if f.required and not vals:
                    raise OptionError(f"modal field {f.label or f.custom_id!r} is required")
                filled[f.custom_id] = vals
        chan_id = source.channel_id if source is not None else self.default_channel_id
        chan = self.emu.state.channels.get(chan_id)
        if chan is None:
            raise EmulatorError("the modal's channel was deleted")
        resolved: dict[str, dict[str, Any]] = {}

        def submit_component(c: dict[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {"type": c["type"]}
            if "id" in c:
                out["id"] = c["id"]
            cid = c.get("custom_id")
            if cid is None:
                return out
            out["custom_id"] = cid
            if c["type"] == 4:
                out["value"] = filled[cid]
            else:
                field = next(f for f in modal.fields if f.custom_id == cid)
                out["values"], extra = self._select_values(int(c["type"]), field.options, filled[cid], chan, cid)
                for k, v in extra.items():
                    resolved.setdefault(k, {}).update(v)
            return out

        components: list[dict[str, Any]] = []
        for top in modal.raw.get("components", []):
            if top.get("type") == 1:
                components.append({"type": 1, "components": [submit_component(c) for c in top.get("components", [])]})
            elif top.get("type") == 18:
                entry: dict[str, Any] = {"type": 18, "component": submit_component(top["component"])}
                if "id" in top:
                    entry["id"] = top["id"]
                components.append(entry)
            else:
                components.append(submit_component(top))
        data: dict[str, Any] = {"custom_id": modal.custom_id, "components": components}
        if resolved:
            data["resolved"] = resolved
        message = None
        if source is not None and source.source_message_id is not None:
            candidate = self.emu.state.messages.get(source.source_message_id)
            if candidate is not None and not candidate.deleted:
                message = candidate
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
        mentions, roles, everyone = emu.rest._mentions(content, None, reply_to, chan.guild_id)
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
