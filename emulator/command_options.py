"""What a member's Discord client does before it sends a command: find it, check it is visible, convert options.

The client refuses what Discord's UI would not let a person type (a length past ``max_length``, a value that is
not a choice), so these raise ``OptionError`` instead of sending; ids are resolved into ``data.resolved``.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from . import permissions as p
from .errors import CommandNotFound, CommandNotVisible, OptionError
from .messages import EmulatedAttachment
from .state import ChannelRecord, EmulatorState, RoleRecord, UserRecord

if TYPE_CHECKING:
    from .member import SimulatedMember
    from .server import DiscordEmulator

Resolved = dict[str, dict[str, Any]]

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


def lookup_command(state: EmulatorState, name: str, chan: ChannelRecord, ctype: int) -> dict[str, Any]:
    """The registered command of this name and type seen from a channel (guild commands first)."""
    candidates: list[dict[str, Any]] = []
    if chan.guild_id is not None:
        candidates += state.guild_commands.get(chan.guild_id, [])
    candidates += state.global_commands
    for cmd in candidates:
        if cmd["name"] == name and int(cmd.get("type", 1)) == ctype:
            return cmd
    known = sorted({c["name"] for c in candidates if int(c.get("type", 1)) == ctype})
    raise CommandNotFound(f"no command {name!r} registered (type {ctype}); registered: {known}")


def check_visible(member: SimulatedMember, cmd: dict[str, Any], chan: ChannelRecord) -> None:
    """Raise ``CommandNotVisible`` when Discord would not show this command to the member in this channel."""
    state = member.emu.state
    contexts = cmd.get("contexts")
    if chan.guild_id is None:
        if cmd.get("guild_id"):
            raise CommandNotVisible(f"/{cmd['name']} is a guild command; it is not available in DMs")
        if (contexts is not None and 1 not in contexts) or (cmd.get("dm_permission") is False and contexts is None):
            raise CommandNotVisible(f"/{cmd['name']} is not available in DMs (contexts={contexts})")
        return
    if contexts is not None and 0 not in contexts:
        raise CommandNotVisible(f"/{cmd['name']} is not available in guilds (contexts={contexts})")
    perms = state.guild_permissions(chan.guild_id, member.user_id)
    if not state.channel_permissions(chan.id, member.user_id) & p.USE_APPLICATION_COMMANDS:
        raise CommandNotVisible(f"{member.name} lacks Use Application Commands in #{chan.name}")
    required = cmd.get("default_member_permissions")
    if required is None or perms & p.ADMINISTRATOR:
        return
    bits = int(required)
    if bits == 0 or perms & bits != bits:
        raise CommandNotVisible(f"/{cmd['name']} needs default_member_permissions={bits}; {member.name} has {perms}")


def resolve_path(
    state: EmulatorState, path: str, chan: ChannelRecord
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    """Return (command, leaf option definitions, subcommand chain) for e.g. ``"nudges start"``."""
    parts = path.strip().lstrip("/").split()
    if not parts:
        raise CommandNotFound("empty command name")
    cmd = lookup_command(state, parts[0], chan, 1)
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


def nest(cmd: dict[str, Any], chain: list[str], leaf: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wrap the leaf options in their subcommand (group) options, as the interaction payload nests them."""
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


def build_options(
    member: SimulatedMember,
    defs: list[dict[str, Any]],
    given: dict[str, Any],
    chan: ChannelRecord,
    resolved: Resolved,
    *,
    focused: str | None = None,
) -> list[dict[str, Any]]:
    """The wire options for the values a test gave (``focused`` marks the one being typed, for autocomplete)."""
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
        out.append({"name": name, "type": int(opt["type"]), "value": _convert(member, opt, value, chan, resolved)})
    return out


def _convert(member: SimulatedMember, opt: dict[str, Any], value: Any, chan: ChannelRecord, resolved: Resolved) -> Any:
    from .member import SimulatedMember

    state = member.emu.state
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
    if otype in (6, 9) and (isinstance(value, (SimulatedMember, UserRecord)) or _is_user(state, value)):
        uid = (
            value.user_id
            if isinstance(value, SimulatedMember)
            else value.id
            if isinstance(value, UserRecord)
            else int(value)
        )
        resolve_user(state, uid, chan, resolved)
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
        data["permissions"] = str(state.channel_permissions(cid, member.user_id))
        resolved.setdefault("channels", {})[str(cid)] = data
        return str(cid)
    if otype == 11:
        att = _attachment(member.emu, value, chan)
        resolved.setdefault("attachments", {})[str(att.id)] = {**att.payload(), "ephemeral": True}
        return str(att.id)
    raise OptionError(f"option {name!r}: unsupported option type {otype}")


def _is_user(state: EmulatorState, value: Any) -> bool:
    try:
        return int(value) in state.users
    except (TypeError, ValueError):
        return False


def _attachment(emu: DiscordEmulator, value: Any, chan: ChannelRecord) -> EmulatedAttachment:
    if isinstance(value, EmulatedAttachment):
        return value
    if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes)):
        raise OptionError("attachment options take (filename, bytes) or an EmulatedAttachment")
    filename, data = value
    aid = emu.state.ids.next()
    att = EmulatedAttachment(
        id=aid,
        filename=filename,
        size=len(data),
        content_type=mimetypes.guess_type(filename)[0],
        url=f"{emu.base_url}/attachments/{chan.id}/{aid}/{filename}",
        data=data,
        ephemeral=True,
    )
    emu.attachments[aid] = att
    return att


def resolve_user(state: EmulatorState, uid: int, chan: ChannelRecord, resolved: Resolved) -> None:
    """Add a user (and, in a guild, their member with channel permissions) to ``resolved``."""
    if uid not in state.users:
        raise OptionError(f"unknown user {uid}")
    resolved.setdefault("users", {})[str(uid)] = state.users[uid].payload()
    if chan.guild_id is not None and uid in state.guild(chan.guild_id).members:
        member = state.member_payload(chan.guild_id, uid, with_user=False)
        member["permissions"] = str(state.channel_permissions(chan.id, uid))
        resolved.setdefault("members", {})[str(uid)] = member
