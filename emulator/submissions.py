"""What a member's client sends for components: the values picked in a select, the fields of a submitted modal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .command_options import Resolved, resolve_user
from .errors import EmulatorError, OptionError
from .interactions import ModalPrompt
from .messages import EmulatedMessage
from .state import ChannelRecord, RoleRecord, UserRecord

if TYPE_CHECKING:
    from .member import SimulatedMember


def select_values(
    member: SimulatedMember,
    stype: int,
    options: list[dict[str, Any]],
    values: list[Any],
    chan: ChannelRecord,
    custom_id: str,
) -> tuple[list[str], Resolved]:
    """The ``values`` (and ``resolved`` entities) a select sends: string selects by value or label, else ids."""
    from .member import SimulatedMember

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
    state = member.emu.state
    for v in values:
        if isinstance(v, SimulatedMember):
            v = v.user_id
        ident = int(v.id) if isinstance(v, (RoleRecord, ChannelRecord, UserRecord)) else int(v)
        if stype in (5, 7) and ident in state.users:
            resolve_user(state, ident, chan, resolved)
        elif stype in (6, 7) and chan.guild_id is not None and ident in state.guild(chan.guild_id).roles:
            resolved.setdefault("roles", {})[str(ident)] = state.guild(chan.guild_id).roles[ident].payload()
        elif stype == 8 and ident in state.channels:
            data = state.channels[ident].payload()
            data["permissions"] = str(state.channel_permissions(ident, member.user_id))
            resolved.setdefault("channels", {})[str(ident)] = data
        else:
            raise OptionError(f"select {custom_id!r}: {v!r} is not valid for select type {stype}")
        out.append(str(ident))
    return out, resolved


def modal_submission(
    member: SimulatedMember, modal: ModalPrompt, values: dict[str, Any], *, force: bool = False
) -> tuple[ChannelRecord, dict[str, Any], EmulatedMessage | None]:
    """Fill a modal as the client would (defaults, required, lengths) and return (channel, data, source message)."""
    source = modal.source
    if source is not None and source.user_id != member.user_id and not force:
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
                raise OptionError(f"modal field {f.custom_id!r} needs at least {_characters(f.min_length)}")
            if f.max_length is not None and len(text) > f.max_length:
                raise OptionError(f"modal field {f.custom_id!r} allows at most {_characters(f.max_length)}")
            filled[f.custom_id] = text
        else:
            vals = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
            if f.required and not vals:
                raise OptionError(f"modal field {f.label or f.custom_id!r} is required")
            filled[f.custom_id] = vals
    chan_id = source.channel_id if source is not None else member.default_channel_id
    chan = member.emu.state.channels.get(chan_id)
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
            out["values"], extra = select_values(member, int(c["type"]), field.options, filled[cid], chan, cid)
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
        candidate = member.emu.state.messages.get(source.source_message_id)
        if candidate is not None and not candidate.deleted:
            message = candidate
    return chan, data, message


def _characters(count: int) -> str:
    """'1 character', '5 characters' (the emulator stands apart from the bot, so not bot.content.plural)."""
    return f"{count} character" if count == 1 else f"{count} characters"
