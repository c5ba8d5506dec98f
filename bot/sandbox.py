"""`python -m bot --sandbox`: the real bot against an in-process Discord emulator, driven from a terminal chat.

Nothing in the normal run path imports this module; it imports the emulator lazily, so the bot itself never
depends on test-only code.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import queue
import re
import shlex
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cryptography.fernet import Fernet
from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.client import BouncebackBot
from bot.clock import ManualClock, from_iso, to_iso
from bot.config import PROJECT_ROOT, Settings
from bot.sandbox_render import INDENT, Action, Rendered, format_timestamp, modal_field_lines, render_message

if TYPE_CHECKING:
    from emulator import DiscordEmulator, EmulatedMessage, InteractionResult, ModalField, ModalPrompt, SimulatedMember

log = logging.getLogger(__name__)

DEMO_GUILD = "Job Seekers"
WINS_CHANNEL = "wins"
DEMO_MEMBERS: tuple[tuple[str, bool], ...] = (("alex", False), ("jordan", False), ("sam", True))
# Fixed user ids (snowflakes from 2020, below anything the emulator generates now), so a database kept with
# --database recognises the same members next time.
FIXED_ID_BASE = 157_766_400_000 << 22
SCRIPT_WIDTH = 100  # transcripts wrap at a fixed width so they read the same everywhere
STEP = timedelta(minutes=30)  # well inside the nudges' lateness grace, so fast-forwarded nudges are not skipped
MAX_WAIT = timedelta(weeks=8)
QUIET_SECONDS = 0.05
SETTLE_SECONDS = 15.0
READY_SECONDS = 20.0
INTERACTION_SECONDS = 10.0
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Tasks that carry the bot's work for an interaction or an event; the sandbox waits for them before printing.
WORK_TASK_PREFIXES = (
    "discord.py: ",
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-dynamic-item",
    "discord-ui-modal-dispatch",
)
PROJECT_CODE = tuple(str(PROJECT_ROOT / package) + os.sep for package in ("bot", "cogs"))
DURATION_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)", re.IGNORECASE)
DURATION_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
NUMBERS = re.compile(r"\d+(\s*,\s*\d+)*")
TRUE_WORDS = {"true", "yes", "y", "on", "1"}
FALSE_WORDS = {"false", "no", "n", "off", "0"}
TYPE_NAMES = {3: "text", 4: "whole number", 5: "yes/no", 6: "member", 7: "channel", 8: "role", 9: "member or role",
              10: "number", 11: "file path"}
SANDBOX_HELP = """\
Sandbox commands (everything else starting with / goes to the bot):
  /as NAME          act as another member: alex, jordan or sam (sam is a server admin)
  /wait 1d          fast-forward time (also 2h, 30m, 1w, 1d12h) and see what the bot sends meanwhile
  /time             show the sandbox's date and time
  /help-sandbox, ?  this help
  /quit             leave (Ctrl-D works too)
Bot commands take name:value options; quote values with spaces: /rejected "company:Acme Corp" stage:onsite
Choices can be typed by name or value (any case). Subcommands follow the command: /nudges start time:09:00
Buttons and menu options are numbered on the latest message that has them: type 1 to press [1], 2,3 to pick
two options of a menu, or type the label. When the bot opens a form, answer each field at the > prompt
(an empty line keeps the default; /cancel closes the form)."""


class SandboxError(Exception):
    """A line the sandbox could not run; the message says what to type instead."""


# ---------------------------------------------------------------------------------------------- parsing


def parse_duration(text: str) -> timedelta:
    """Read '1d', '2h', '30m', '1w', '90s' or combinations like '1d12h' into a positive timedelta."""
    compact = text.strip().replace(" ", "")
    if not compact or DURATION_PART.sub("", compact):
        raise SandboxError(f"'{text.strip()}' isn't a duration. Try 1d, 2h, 30m, 1w or 1d12h.")
    total = timedelta()
    for amount, unit in DURATION_PART.findall(compact):
        total += timedelta(**{DURATION_UNITS[unit.lower()]: int(amount)})
    if total <= timedelta(0):
        raise SandboxError("Time only moves forward: give a duration above zero, e.g. /wait 1d.")
    if total > MAX_WAIT:
        raise SandboxError("That's a long time to skip at once; wait at most 8 weeks per /wait.")
    return total


class Resolver(Protocol):
    """Finds the ids that member, channel and role options refer to by name."""

    def user(self, name: str) -> int | None:
        """A member's user id, by name."""
        ...

    def channel(self, name: str) -> int | None:
        """A channel's id, by name."""
        ...

    def role(self, name: str) -> int | None:
        """A role's id, by name."""
        ...

    def user_names(self) -> list[str]:
        """Every member's name, for error messages."""
        ...

    def channel_names(self) -> list[str]:
        """Every channel's name, for error messages."""
        ...


@dataclass(frozen=True)
class ParsedCommand:
    """A slash command line, resolved against the registered commands."""

    path: str
    options: dict[str, Any] = field(default_factory=dict)


def _subcommands(definitions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [option for option in definitions if option.get("type") in (1, 2)]


def option_usage(option: dict[str, Any]) -> str:
    """One option as `name:<kind>`, bracketed when optional, with its choices when it has them."""
    choices = option.get("choices") or []
    if choices:
        # Short values are easier to type than names with spaces; both are accepted.
        names = [str(c["value"]) if re.fullmatch(r"[\w-]+", str(c["value"])) else str(c["name"]) for c in choices]
        kind = "|".join(names[:6]) + ("|…" if len(names) > 6 else "")
    else:
        kind = TYPE_NAMES.get(int(option.get("type", 3)), "value")
    text = f"{option['name']}:<{kind}>"
    return text if option.get("required") else f"[{text}]"


def command_usage(path: str, options: Sequence[dict[str, Any]]) -> str:
    """`/path opt:<kind> [opt:<kind>]`, for help and error messages."""
    return " ".join([f"/{path}", *(option_usage(option) for option in options)])


def parse_command(line: str, commands: Sequence[dict[str, Any]], resolver: Resolver) -> ParsedCommand:
    """Parse `/name [sub] opt:value "opt:quoted value"` against the registered slash commands' definitions."""
    try:
        tokens = shlex.split(line.strip())
    except ValueError as error:
        raise SandboxError(f"I couldn't read that line ({error}); check the quotes.") from None
    if not tokens or not tokens[0].startswith("/") or len(tokens[0]) < 2:
        raise SandboxError("A command starts with /, e.g. /rejected company:Acme")
    slash = [c for c in commands if int(c.get("type", 1)) == 1]
    head = tokens[0][1:].lower()
    command = next((c for c in slash if c["name"] == head), None)
    if command is None:
        known = ", ".join(f"/{name}" for name in sorted({c["name"] for c in slash}))
        raise SandboxError(f"There's no /{head}. The bot's commands: {known}. Type ? for the sandbox's own.")
    path = [command["name"]]
    definitions: list[dict[str, Any]] = list(command.get("options") or [])
    rest = tokens[1:]
    while _subcommands(definitions):
        subs = _subcommands(definitions)
        usages = "; ".join(command_usage(" ".join([*path, s["name"]]), s.get("options") or []) for s in subs
                           if s.get("type") == 1)
        if not rest or ":" in rest[0]:
            raise SandboxError(f"/{' '.join(path)} needs one of: {', '.join(s['name'] for s in subs)}. "
                               f"Usage: {usages}")
        sub = next((s for s in subs if s["name"] == rest[0].lower()), None)
        if sub is None:
            raise SandboxError(f"/{' '.join(path)} has no '{rest[0]}'; it has: {', '.join(s['name'] for s in subs)}.")
        path.append(sub["name"])
        definitions = list(sub.get("options") or [])
        rest = rest[1:]
    usage = command_usage(" ".join(path), definitions)
    by_name = {option["name"]: option for option in definitions}
    options: dict[str, Any] = {}
    for token in rest:
        name, colon, raw = token.partition(":")
        if not colon:
            raise SandboxError(f"'{token}' should be name:value. Usage: {usage}")
        definition = by_name.get(name.lower())
        if definition is None:
            known = ", ".join(by_name) or "none"
            raise SandboxError(f"/{' '.join(path)} has no option '{name}' (options: {known}). Usage: {usage}")
        if definition["name"] in options:
            raise SandboxError(f"'{definition['name']}' is given twice.")
        options[definition["name"]] = convert_option(definition, raw, resolver)
    missing = [name for name, option in by_name.items() if option.get("required") and name not in options]
    if missing:
        raise SandboxError(f"/{' '.join(path)} needs {', '.join(f'{name}:…' for name in missing)}. Usage: {usage}")
    return ParsedCommand(" ".join(path), options)


def convert_option(option: dict[str, Any], raw: str, resolver: Resolver) -> Any:
    """Turn the typed text of one option into the value the command expects (choices by name or value)."""
    name = option["name"]
    kind = int(option.get("type", 3))
    choices = option.get("choices") or []
    if choices:
        wanted = raw.strip().casefold()
        for choice in choices:
            if wanted in (str(choice["name"]).casefold(), str(choice["value"]).casefold()):
                return choice["value"]
        listed = ", ".join(str(c["name"]) if str(c["name"]) == str(c["value"]) else f"{c['name']} ({c['value']})"
                           for c in choices)
        raise SandboxError(f"{name} can be: {listed}.")
    if kind == 3:
        low, high = option.get("min_length"), option.get("max_length")
        if (low is not None and len(raw) < low) or (high is not None and len(raw) > high):
            raise SandboxError(f"{name} takes {low or 0} to {high or 6000} characters; that's {len(raw)}.")
        return raw
    if kind in (4, 10):
        return _number(option, raw)
    if kind == 5:
        if raw.strip().lower() in TRUE_WORDS:
            return True
        if raw.strip().lower() in FALSE_WORDS:
            return False
        raise SandboxError(f"{name} is yes or no (true/false).")
    if kind == 11:
        return _attachment(name, raw)
    return _entity(option, raw, resolver)


def _number(option: dict[str, Any], raw: str) -> int | float:
    name = option["name"]
    try:
        value: int | float = int(raw) if int(option["type"]) == 4 else float(raw)
    except ValueError:
        kind = "a whole number" if int(option["type"]) == 4 else "a number"
        raise SandboxError(f"{name} should be {kind}, not '{raw}'.") from None
    low, high = option.get("min_value"), option.get("max_value")
    if (low is not None and value < low) or (high is not None and value > high):
        raise SandboxError(f"{name} should be between {low} and {high}.")
    return value


def _attachment(name: str, raw: str) -> tuple[str, bytes]:
    path = Path(raw).expanduser()
    try:
        return path.name, path.read_bytes()
    except OSError as error:
        raise SandboxError(f"{name} takes a file path; I couldn't read '{raw}' ({error.strerror}).") from None


def _entity(option: dict[str, Any], raw: str, resolver: Resolver) -> int:
    name, kind = option["name"], int(option["type"])
    text = raw.strip()
    mention = re.fullmatch(r"<[@#][!&]?(\d+)>|(\d{15,})", text)
    if mention:
        return int(mention.group(1) or mention.group(2))
    bare = text.lstrip("@#")
    found: int | None = None
    if kind == 7:
        found = resolver.channel(bare)
        if found is None:
            raise SandboxError(f"{name}: there's no #{bare}; channels: {', '.join(resolver.channel_names())}.")
        return found
    if kind in (6, 9):
        found = resolver.user(bare)
    if found is None and kind in (8, 9):
        found = resolver.role(bare)
    if found is None:
        raise SandboxError(f"{name}: I don't know '{bare}'; members: {', '.join(resolver.user_names())}.")
    return found


def choose_actions(text: str, actions: Sequence[Action]) -> list[Action]:
    """Which actions a typed '2', '2,3' or label means; raises SandboxError with the choices otherwise."""
    wanted = text.strip()
    if not actions:
        raise SandboxError("There's nothing to press right now. Type a /command, or ? for help.")
    listing = ", ".join(f"{a.number} {a.label}" for a in actions)
    if NUMBERS.fullmatch(wanted):
        numbers = [int(part) for part in wanted.split(",")]
        by_number = {action.number: action for action in actions}
        unknown = [n for n in numbers if n not in by_number]
        if unknown:
            raise SandboxError(f"There's no {unknown[0]} here. Choose from: {listing}.")
        chosen = [by_number[n] for n in dict.fromkeys(numbers)]
    else:
        needle = wanted.casefold()
        chosen = [a for a in actions if a.label.casefold() == needle]
        if not chosen:
            chosen = [a for a in actions if needle in a.label.casefold()]
        if not chosen:
            raise SandboxError(f"Nothing here is called '{wanted}'. Choose from: {listing}.")
        if len(chosen) > 1:
            raise SandboxError(f"'{wanted}' could be {' or '.join(a.label for a in chosen)}; type its number.")
    if len(chosen) > 1:
        if any(a.kind != "option" for a in chosen) or len({a.custom_id for a in chosen}) > 1:
            raise SandboxError("Pick one button at a time (several numbers only work for options of one menu).")
        if len(chosen) > chosen[0].max_values:
            raise SandboxError(f"That menu takes at most {chosen[0].max_values} choice(s).")
    return chosen


# ---------------------------------------------------------------------------------------------- settings & logs


class SandboxSettings(Settings):
    """Settings built only from what the sandbox passes: the real environment and .env are ignored."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the constructor's arguments count (a production DISCORD_TOKEN or DATABASE_PATH must not leak in)."""
        return (init_settings,)


class ErrorCounter(logging.Handler):
    """Remembers ERROR records so a script line that made the bot fail can fail too."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record."""
        self.records.append(record)


def quiet_logging(log_path: Path) -> ErrorCounter:
    """Send every log record of WARNING and above to a file instead of the terminal."""
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    counter = ErrorCounter()
    root = logging.getLogger()
    root.handlers[:] = [handler, counter]
    root.setLevel(logging.WARNING)
    for name in ("discord", "apscheduler", "aiohttp", "emulator"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return counter


# ---------------------------------------------------------------------------------------------- input


class LineSource(Protocol):
    """Where typed lines come from: the terminal or a script."""

    interactive: bool

    async def read(self, prompt: str, *, blank_ok: bool = False) -> str | None:
        """The next line (None at the end), echoed after the prompt when it is not typed live."""
        ...

    def where(self) -> str:
        """Where the last line came from, for error messages."""
        ...


class ScriptLines:
    """Lines of a script file; `#` comments and (outside forms) blank lines are skipped, every line is echoed."""

    interactive = False

    def __init__(self, text: str, out: Callable[[str], None]) -> None:
        self._lines = list(enumerate(text.splitlines(), start=1))
        self._out = out
        self.line_number = 0

    async def read(self, prompt: str, *, blank_ok: bool = False) -> str | None:
        """The next meaningful line, echoed after its prompt as a transcript would show it."""
        while self._lines:
            self.line_number, line = self._lines.pop(0)
            if line.lstrip().startswith("#") or (not line.strip() and not blank_ok):
                continue
            self._out(f"{prompt}{line}".rstrip())
            return line
        return None

    def where(self) -> str:
        """'line N'."""
        return f"line {self.line_number}"


class TerminalLines:
    """Typed lines, read by a daemon thread so the bot keeps running (and quitting never waits on input())."""

    interactive = True

    def __init__(self) -> None:
        self._prompts: queue.Queue[str] = queue.Queue()
        self._answers: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._run, name="sandbox-input", daemon=True).start()

    def _run(self) -> None:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  # line editing and history for input()
        while True:
            prompt = self._prompts.get()
            try:
                line: str | None = input(prompt)
            except (EOFError, KeyboardInterrupt):
                line = None
            self._loop.call_soon_threadsafe(self._answers.put_nowait, line)
            if line is None:
                return

    async def read(self, prompt: str, *, blank_ok: bool = False) -> str | None:
        """Ask the reader thread for one line."""
        self._prompts.put(prompt)
        return await self._answers.get()

    def where(self) -> str:
        """Typed lines have no number."""
        return "input"


# ---------------------------------------------------------------------------------------------- the session


class WorldNames:
    """Names and ids of the emulated world, for rendering mentions and resolving options."""

    def __init__(self, emu: DiscordEmulator, guild_id: int) -> None:
        self.emu = emu
        self.guild_id = guild_id

    def _guild(self) -> Any:
        return self.emu.state.guild(self.guild_id)

    def user(self, user_id: int | str) -> Any:
        """By id (rendering) or by name (options)."""
        if isinstance(user_id, str):
            wanted = user_id.casefold()
            return next((uid for uid in self._guild().members if self.emu.state.users[uid].username.casefold()
                         == wanted), None)
        record = self.emu.state.users.get(user_id)
        return record.username if record is not None else None

    def channel(self, channel_id: int | str) -> Any:
        """By id (rendering) or by name (options)."""
        channels = self.emu.state.channels
        if isinstance(channel_id, str):
            wanted = channel_id.casefold()
            return next((cid for cid in self._guild().channel_ids
                         if (channels[cid].name or "").casefold() == wanted), None)
        record = channels.get(channel_id)
        return record.name if record is not None else None

    def role(self, role_id: int | str) -> Any:
        """By id (rendering) or by name (options)."""
        roles = self._guild().roles
        if isinstance(role_id, str):
            wanted = role_id.casefold().lstrip("@")
            return next((rid for rid, role in roles.items() if role.name.casefold().lstrip("@") == wanted), None)
        record = roles.get(role_id)
        return record.name.lstrip("@") if record is not None else None

    def user_names(self) -> list[str]:
        """Members' names (the bot and the server owner left out)."""
        state = self.emu.state
        return [state.users[uid].username for uid in self._guild().members
                if not state.users[uid].bot and not state.users[uid].username.endswith("-owner")]

    def channel_names(self) -> list[str]:
        """Channel names."""
        return [f"#{self.emu.state.channels[cid].name}" for cid in self._guild().channel_ids]


def _signature(message: EmulatedMessage) -> tuple[Any, ...]:
    return (
        message.deleted, message.content, json.dumps(message.embeds, sort_keys=True, default=str),
        json.dumps(message.components, sort_keys=True, default=str), message.flags, len(message.attachments),
    )


def _is_work(task: asyncio.Task[Any]) -> bool:
    if task.get_name().startswith(WORK_TASK_PREFIXES):
        return True
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.startswith(PROJECT_CODE)


class Session:
    """One sandbox run: the emulator, the bot, the demo members, and what has been shown so far."""

    def __init__(
        self, emu: DiscordEmulator, bot: BouncebackBot, clock: ManualClock, guild_id: int,
        members: dict[str, SimulatedMember], files_dir: Path, errors: ErrorCounter, out: Callable[[str], None],
    ) -> None:
        self.emu = emu
        self.bot = bot
        self.clock = clock
        self.guild_id = guild_id
        self.members = members
        self.current = members["alex"]
        self.names = WorldNames(emu, guild_id)
        self.files_dir = files_dir
        self.errors = errors
        self.out = out
        self._seen: dict[int, tuple[Any, ...]] = {}
        self._offered: dict[int, list[int]] = {}  # user id -> ids of messages with buttons shown to them
        self._saved: dict[int, list[str]] = {}
        self.task: asyncio.Task[None] | None = None
        self.width = SCRIPT_WIDTH

    # ------------------------------------------------------------------ what is on screen

    def mark_all_seen(self) -> None:
        """Treat everything so far as shown (start-up chatter stays off screen)."""
        for message in self.emu.state.messages.values():
            self._seen[message.id] = _signature(message)

    def _changes(self) -> list[tuple[EmulatedMessage, str]]:
        changes: list[tuple[EmulatedMessage, str]] = []
        for message in list(self.emu.state.messages.values()):
            if message.author_id != self.emu.bot_user_id or message.loading:
                continue
            signature = _signature(message)
            before = self._seen.get(message.id)
            if before == signature:
                continue
            self._seen[message.id] = signature
            if message.deleted:
                if before is not None:
                    changes.append((message, "deleted"))
                continue
            changes.append((message, "new" if before is None else "updated"))
        return changes

    def _audience(self, message: EmulatedMessage) -> list[int]:
        channel = self.emu.state.channels.get(message.channel_id)
        if channel is None:
            return []
        if channel.guild_id is None:
            return [channel.recipient_id] if channel.recipient_id is not None else []
        if message.ephemeral:
            owner = ((message.interaction_metadata or {}).get("user") or {}).get("id")
            return [int(owner)] if owner is not None else []
        return [member.user_id for member in self.members.values()]

    def _visible(self, message: EmulatedMessage, audience: list[int]) -> bool:
        channel = self.emu.state.channels.get(message.channel_id)
        if channel is None:
            return False
        return channel.guild_id is None or not message.ephemeral or self.current.user_id in audience

    def render(self, message: EmulatedMessage, *, numbered: bool = True) -> Rendered:
        """A message's body, with its buttons numbered unless told otherwise."""
        return render_message(
            content=message.content, embeds=message.embeds, components=message.components,
            attachments=self._attachments(message), names=self.names, now=self.clock.now(), numbered=numbered,
            width=self.width,
        )

    def _attachments(self, message: EmulatedMessage) -> list[str]:
        if message.id not in self._saved:
            lines = []
            for attachment in message.attachments:
                path = self.files_dir / f"{message.id}-{attachment.filename}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(attachment.data)
                lines.append(f"{attachment.filename} ({max(1, attachment.size // 1024)} KB), saved as {path}")
            self._saved[message.id] = lines
        return self._saved[message.id]

    def latest_offer(self, user_id: int) -> EmulatedMessage | None:
        """The newest message shown to a member that still has something to press."""
        for message_id in reversed(self._offered.get(user_id, [])):
            message = self.emu.state.messages.get(message_id)
            if message is not None and not message.deleted and self.render(message).actions:
                return message
        return None

    def _header(self, message: EmulatedMessage, change: str) -> str:
        channel = self.emu.state.channels[message.channel_id]
        notes = ["only you can see this"] if message.ephemeral else []
        if change == "updated":
            notes.append("updated")
        suffix = f" ({', '.join(notes)})" if notes else ""
        if channel.guild_id is None:
            recipient = channel.recipient_id or 0
            to = "" if recipient == self.current.user_id else f" to {self.names.user(recipient)}"
            return f"[DM from Bounceback{to}]{suffix}"
        if message.ephemeral:
            return f"Bounceback{suffix}:"
        return f"[#{channel.name}] Bounceback{suffix}:"

    def show_changes(self, heading: str | None = None) -> int:
        """Print every new, edited or deleted message the current member (or a DM's recipient) would notice."""
        shown: list[tuple[EmulatedMessage, str]] = []
        for message, change in self._changes():
            audience = self._audience(message)
            if not self._visible(message, audience):
                continue
            shown.append((message, change))
            if change != "deleted" and self.render(message).actions:
                for user_id in audience:
                    offered = self._offered.setdefault(user_id, [])
                    if message.id in offered:
                        offered.remove(message.id)
                    offered.append(message.id)
        if shown and heading:
            self.out(heading)
        offers = {self.latest_offer(member.user_id) for member in self.members.values()}
        for message, change in shown:
            if change == "deleted":
                channel = self.emu.state.channels.get(message.channel_id)
                where = f"[#{channel.name}] " if channel is not None and channel.name else ""
                self.out(f"{where}Bounceback removed a message.")
                continue
            self.out(self._header(message, change))
            for line in self.render(message, numbered=message in offers).lines:
                self.out(line)
        return len(shown)

    # ------------------------------------------------------------------ waiting for the bot

    async def settle(self, before: set[asyncio.Task[Any]], requests_before: int) -> None:
        """Wait until the bot has finished what the last action started, then a moment of quiet on the wire."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        me = asyncio.current_task()
        while loop.time() < deadline:
            busy = [t for t in asyncio.all_tasks() if t not in before and t is not me and not t.done() and _is_work(t)]
            if busy:
                await asyncio.wait(busy, timeout=max(0.0, deadline - loop.time()))
                continue
            requests = self.emu.stats.total_requests
            if requests == requests_before:
                return  # nothing reached Discord, so nothing new can be on screen
            await asyncio.sleep(QUIET_SECONDS)
            if self.emu.stats.total_requests == requests and not any(
                t not in before and not t.done() and _is_work(t) for t in asyncio.all_tasks()
            ):
                return
            requests_before = -1
        log.warning("the bot was still busy after %.0f s; showing what arrived so far", SETTLE_SECONDS)

    async def act(self, action: Callable[[], Awaitable[InteractionResult]]) -> InteractionResult:
        """Run one member action, wait for the bot to finish, and print what changed."""
        from emulator import CommandNotVisible, EmulatorError

        before = set(asyncio.all_tasks())
        requests = self.emu.stats.total_requests
        try:
            result = await action()
        except CommandNotVisible as error:
            raise SandboxError(
                f"{self.current.name} can't see that command (Discord only shows it to server admins). "
                "Try /as sam."
            ) from error
        except EmulatorError as error:
            await self.settle(before, requests)
            self.show_changes()
            raise SandboxError(str(error)) from error
        await self.settle(before, requests)
        self.show_changes()
        return result

    # ------------------------------------------------------------------ commands

    def commands(self) -> list[dict[str, Any]]:
        """Every slash command the bot registered (global and for the demo server)."""
        return [*self.emu.commands(self.guild_id), *self.emu.commands()]

    async def slash(self, line: str, lines: LineSource) -> None:
        """Run a bot slash command typed as text, then fill any form it opens."""
        parsed = parse_command(line, self.commands(), self.names)
        member = self.current
        result = await self.act(
            lambda: member.slash(parsed.path, options=parsed.options, timeout=INTERACTION_SECONDS)
        )
        await self.follow_modal(result, lines)

    async def press(self, text: str, lines: LineSource) -> None:
        """Press a numbered button or pick numbered options on the latest message that has them."""
        message = self.latest_offer(self.current.user_id)
        actions = self.render(message).actions if message is not None else []
        chosen = choose_actions(text, actions)
        assert message is not None  # choose_actions refuses when there is nothing to press
        member = self.current
        first = chosen[0]
        if first.kind == "button":
            self.out(f"{INDENT}→ pressed “{first.label}”")
            result = await self.act(lambda: member.click(message, first.custom_id, timeout=INTERACTION_SECONDS))
        else:
            self.out(f"{INDENT}→ picked {' + '.join(f'“{a.label}”' for a in chosen)}")
            values = [a.value for a in chosen]
            result = await self.act(
                lambda: member.select(message, first.custom_id, values, timeout=INTERACTION_SECONDS)
            )
        await self.follow_modal(result, lines)

    async def follow_modal(self, result: InteractionResult, lines: LineSource) -> None:
        """If the bot opened a form, ask for each field, submit it, and show the answer (maybe another form)."""
        while result.modal is not None:
            values = await self.fill_modal(result.modal, lines)
            if values is None:
                return
            submit = functools.partial(self.current.submit_modal, result.modal, values, timeout=INTERACTION_SECONDS)
            result = await self.act(submit)

    async def fill_modal(self, modal: ModalPrompt, lines: LineSource) -> dict[str, Any] | None:
        """Prompt for each field of a form; None if the member cancels it."""
        self.out(f"Bounceback opened a form: “{modal.title}”")
        values: dict[str, Any] = {}
        for index, modal_field in enumerate(modal.fields, start=1):
            for line in modal_field_lines(modal_field, index, len(modal.fields)):
                self.out(line)
            while True:
                answer = await lines.read(f"{INDENT}> ", blank_ok=True)
                if answer is None:
                    raise SandboxError("the input ended while a form was open")
                if answer.strip().lower() == "/cancel":
                    self.out(f"{INDENT}Form closed without sending.")
                    return None
                try:
                    values[modal_field.custom_id] = field_value(modal_field, answer)
                    break
                except SandboxError as error:
                    if not lines.interactive:
                        raise
                    self.out(f"{INDENT}! {error}")
        return values

    async def switch(self, name: str) -> None:
        """Act as another demo member."""
        wanted = name.strip().lstrip("@").casefold()
        member = next((m for key, m in self.members.items() if key.casefold() == wanted), None)
        if member is None:
            raise SandboxError(f"Who's '{name.strip()}'? Members: {', '.join(self.members)}.")
        self.current = member
        admin = " (a server admin)" if member.name == "sam" else ""
        self.out(f"You are now {member.name}{admin}.")
        offer = self.latest_offer(member.user_id)
        if offer is not None:
            buttons = "  ".join(f"[{a.number}] {a.label}" for a in self.render(offer).actions)
            self.out(f"{INDENT}(numbers now press {self._where(offer)}: {buttons})")

    def _where(self, message: EmulatedMessage) -> str:
        channel = self.emu.state.channels[message.channel_id]
        if channel.guild_id is None:
            return "your latest DM from Bounceback"
        if message.ephemeral:
            return "Bounceback's latest private reply"
        return f"Bounceback's latest post in #{channel.name}"

    async def fast_forward(self, delta: timedelta) -> None:
        """Move the clock in steps, running whatever the scheduler would have run, and show what arrives."""
        start = self.clock.now()
        target = start + delta
        arrived = 0
        while self.clock.now() < target:
            old = self.clock.now()
            new = self.clock.advance(min(next_step(old), target) - old)
            before = set(asyncio.all_tasks())
            requests = self.emu.stats.total_requests
            await self.run_scheduled(old, new)
            await self.settle(before, requests)
            arrived += self.show_changes(heading=f"— {format_timestamp(new, 'F', new)} —")
        self.out(f"⏩ It's now {format_timestamp(target, 'F', target)} ({describe(delta)} later)."
                 + ("" if arrived else " Nothing new arrived."))

    async def run_scheduled(self, old: datetime, new: datetime) -> int:
        """Run every job and timer due in (old, new]: interval jobs (timer and nudge ticks) once each step."""
        return await self.bot.scheduler.run_due(old, new)


def next_step(moment: datetime) -> datetime:
    """The next point on the sandbox's step grid (every STEP from midnight UTC), so arrivals show round times."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = (moment - midnight) // STEP + 1
    return midnight + steps * STEP


def field_value(modal_field: ModalField, answer: str) -> Any:
    """The value to submit for one form field from what was typed (empty keeps the default)."""
    text = answer.strip()
    label = modal_field.label or modal_field.custom_id
    if modal_field.type == 4:
        value = text or (modal_field.value or "")
        if modal_field.required and not value:
            raise SandboxError(f"“{label}” is required.")
        if value and modal_field.min_length and len(value) < modal_field.min_length:
            raise SandboxError(f"“{label}” needs at least {modal_field.min_length} characters.")
        if modal_field.max_length and len(value) > modal_field.max_length:
            raise SandboxError(f"“{label}” takes at most {modal_field.max_length} characters.")
        return value
    options = modal_field.options
    if not text:
        chosen = [str(o["value"]) for o in options if o.get("default")]
    else:
        actions = [Action(n, "option", str(o.get("label", "")), modal_field.custom_id, str(o["value"]),
                          modal_field.max_values) for n, o in enumerate(options, start=1)]
        chosen = [str(a.value) for a in choose_actions(text, actions)]
    if modal_field.required and not chosen:
        raise SandboxError(f"“{label}” is required: type the number of an option.")
    return chosen


def describe(delta: timedelta) -> str:
    """'1 day', '2 hours 30 minutes'."""
    seconds = int(delta.total_seconds())
    parts = []
    for size, name in ((604800, "week"), (86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(parts) or "0 seconds"


# ---------------------------------------------------------------------------------------------- start & loop


@dataclass
class Storage:
    """Where this run keeps its database, key and log."""

    session_dir: Path
    database: Path
    key: str | None
    key_path: Path
    throwaway: bool

    @property
    def clock_path(self) -> Path:
        """Where a kept database's sandbox time is remembered between runs."""
        return self.database.with_name(self.database.name + ".clock")

    def start_time(self) -> datetime:
        """Now (to the minute), or later if a kept database was already fast-forwarded past now."""
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        if self.throwaway or not self.clock_path.exists():
            return now
        try:
            return max(now, from_iso(self.clock_path.read_text(encoding="utf-8").strip()))
        except ValueError:
            log.warning("ignoring an unreadable sandbox clock file %s", self.clock_path)
            return now

    def remember_time(self, moment: datetime) -> None:
        """Keep the sandbox time next to a kept database, so time never runs backwards for its data."""
        if not self.throwaway:
            self.clock_path.write_text(to_iso(moment) + "\n", encoding="utf-8")


def prepare_storage(database: str | None) -> Storage:
    """A temp dir for logs (and the database, unless one was chosen), and the encryption key to use."""
    session_dir = Path(tempfile.mkdtemp(prefix="bounceback-sandbox-"))
    if database is None:
        return Storage(session_dir, session_dir / "sandbox.sqlite3", Fernet.generate_key().decode(),
                       session_dir / "key", throwaway=True)
    path = Path(database).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    # No key given: load_cipher keeps one next to the database (created with owner-only permissions).
    return Storage(session_dir, path, None, path.with_name(path.name + ".key"), throwaway=False)


async def start_world(storage: Storage, errors: ErrorCounter, out: Callable[[str], None]) -> Session:
    """Start the emulator with the demo server, then the real bot on a manual clock; set up #wins as sam."""
    from emulator import DiscordEmulator
    from emulator.state import UserRecord

    emu = DiscordEmulator()
    await emu.start()
    guild = emu.create_guild(DEMO_GUILD)
    wins = emu.create_text_channel(guild.id, WINS_CHANNEL)
    members: dict[str, SimulatedMember] = {}
    for index, (name, admin) in enumerate(DEMO_MEMBERS, start=1):
        user_id = FIXED_ID_BASE + index
        emu.state.users[user_id] = UserRecord(id=user_id, username=name, global_name=name)
        members[name] = emu.create_member(guild.id, name, admin=admin, user_id=user_id)
    clock = ManualClock(storage.start_time())
    settings = SandboxSettings(
        discord_token=SecretStr(emu.token), database_path=storage.database, discord_api_base=emu.api_base,
        discord_gateway_url=emu.gateway_url, encryption_key_path=storage.key_path,
        encryption_key=SecretStr(storage.key) if storage.key else None,
        environment="development", log_level="WARNING", guild_ready_timeout=0.05,
        # Time only moves with /wait, which runs the scheduler's jobs itself; the real-time ticks stay idle.
        timer_tick_seconds=7 * 86400,
    )
    bot = BouncebackBot(settings, clock=clock)
    session = Session(emu, bot, clock, guild.id, members, storage.session_dir / "files", errors, out)
    session.task = task = asyncio.create_task(bot.start(emu.token), name="sandbox-bot")
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({ready, task}, timeout=READY_SECONDS, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task in done:
            task.result()  # raises what stopped start-up
        raise RuntimeError(f"the bot was not ready after {READY_SECONDS:.0f} s")
    bot.scheduler.pause()
    before, requests = set(asyncio.all_tasks()), emu.stats.total_requests
    await members["sam"].slash("setup wins-channel", options={"channel": wins.id}, timeout=INTERACTION_SECONDS)
    await session.settle(before, requests)
    session.mark_all_seen()
    # Catch up once, as a restart would: a kept database may hold timers that fell due while it was closed.
    before, requests = set(asyncio.all_tasks()), emu.stats.total_requests
    await session.run_scheduled(clock.now(), clock.now())
    await session.settle(before, requests)
    return session


async def stop_world(session: Session) -> None:
    """Close the bot, then the emulator."""
    await session.bot.close()
    if session.task is not None:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(session.task, timeout=10)
    await session.emu.stop()


async def run_lines(session: Session, lines: LineSource) -> int:
    """Read and run lines until /quit or the end; return the exit code."""
    while True:
        line = await lines.read(f"{session.current.name}> ")
        if line is None:
            if lines.interactive:
                session.out("\nBye.")
            return EXIT_OK
        errors_before = len(session.errors.records)
        try:
            keep_going = await run_line(session, line.strip(), lines)
        except SandboxError as error:
            if not lines.interactive:
                print(f"sandbox: {lines.where()} failed: {error}", file=sys.stderr)
                return EXIT_FAILED
            session.out(f"{INDENT}! {error}")
            keep_going = True
        new_errors = session.errors.records[errors_before:]
        if new_errors:
            first = new_errors[0]
            problem = f"the bot logged an error ({first.name}: {first.getMessage()})"
            if not lines.interactive:
                print(f"sandbox: {lines.where()} failed: {problem}", file=sys.stderr)
                return EXIT_FAILED
            session.out(f"{INDENT}! {problem}; details in the log")
        if not keep_going:
            if lines.interactive:
                session.out("Bye.")
            return EXIT_OK
        session.out("")


async def run_line(session: Session, line: str, lines: LineSource) -> bool:
    """Run one line; False means quit."""
    if not line:
        return True
    word, _, rest = line.partition(" ")
    command = word.lower()
    if command in ("?", "/help-sandbox"):
        session.out(SANDBOX_HELP)
    elif command in ("/quit", "/exit"):
        return False
    elif command == "/as":
        await session.switch(rest)
    elif command == "/wait":
        if not rest.strip():
            raise SandboxError("How long? e.g. /wait 1d (also 2h, 30m, 1w).")
        await session.fast_forward(parse_duration(rest))
    elif command == "/time":
        session.out(f"It's {format_timestamp(session.clock.now(), 'F', session.clock.now())} in the sandbox.")
    elif line.startswith("/"):
        await session.slash(line, lines)
    else:
        await session.press(line, lines)
    return True


def banner(session: Session, storage: Storage, seconds: float) -> list[str]:
    """What the sandbox says when it is ready."""
    now = session.clock.now()
    data = ("a throwaway database (deleted when you quit)" if storage.throwaway
            else f"{storage.database} (key: {storage.key_path.name} next to it)")
    return [
        f"Bounceback sandbox: the real bot on a pretend Discord, ready in {seconds:.1f} s.",
        f"Server “{DEMO_GUILD}”: #general and #{WINS_CHANNEL} (sam, an admin, chose it with /setup wins-channel).",
        f"Members: {', '.join(session.members)}. You are {session.current.name}. "
        f"Sandbox time: {format_timestamp(now, 'F', now)}.",
        f"Data: {data}.",
        "Type a /command (try /rejected company:Acme stage:onsite), a number to press a button, ? for help.",
        "",
    ]


async def main_async(script_text: str | None, storage: Storage, errors: ErrorCounter, started: float) -> int:
    """Start everything, run the lines, and stop cleanly."""

    def out(text: str) -> None:
        print(text, flush=True)

    try:
        session = await start_world(storage, errors, out)
    except Exception as error:  # start-up problems are reported in one line, details in the log
        log.exception("the sandbox could not start")
        print(f"sandbox: could not start the bot: {error}", file=sys.stderr)
        return EXIT_FAILED
    try:
        for line in banner(session, storage, time.perf_counter() - started):
            out(line)
        if session.show_changes(heading="While the sandbox was closed:"):
            out("")
        lines: LineSource = ScriptLines(script_text, out) if script_text is not None else TerminalLines()
        if lines.interactive:
            session.width = min(max(shutil.get_terminal_size((SCRIPT_WIDTH, 24)).columns - 1, 60), 140)
        return await run_lines(session, lines)
    finally:
        storage.remember_time(session.clock.now())
        await stop_world(session)


def run_sandbox(script: str | None, database: str | None) -> int:
    """Entry point for `python -m bot --sandbox [--script FILE] [--database PATH]`; returns the exit code."""
    started = time.perf_counter()
    script_text: str | None = None
    if script is not None:
        try:
            script_text = Path(script).read_text(encoding="utf-8")
        except OSError as error:
            print(f"sandbox: can't read the script {script}: {error.strerror}", file=sys.stderr)
            return EXIT_USAGE
    storage = prepare_storage(database)
    log_path = storage.session_dir / "sandbox.log"
    errors = quiet_logging(log_path)
    code = EXIT_FAILED
    try:
        code = asyncio.run(main_async(script_text, storage, errors, started))
    except KeyboardInterrupt:
        print("\nBye.")
        code = EXIT_OK
    except BrokenPipeError:
        # Whoever read the transcript (e.g. `| head`) stopped reading; leave quietly, as Python's docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_FAILED
    finally:
        logging.shutdown()
        if errors.records:
            print(f"sandbox: the bot logged errors; its log is kept at {log_path}", file=sys.stderr)
        else:
            shutil.rmtree(storage.session_dir, ignore_errors=True)
    return code


__all__ = [
    "ParsedCommand", "SandboxError", "choose_actions", "command_usage", "convert_option", "parse_command",
    "parse_duration", "run_sandbox",
]
