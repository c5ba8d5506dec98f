"""Typed and scripted input: lines from a file or the terminal, slash commands with their options, and picks.

Parsing is pure (it resolves names through a `Resolver`), so it is unit-tested without the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import re
import shlex
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sandbox.common import (
    DURATION_PART,
    DURATION_UNITS,
    FALSE_WORDS,
    MAX_WAIT,
    NUMBERS,
    TRUE_WORDS,
    TYPE_NAMES,
    SandboxError,
)
from sandbox.render import Action, counted

if TYPE_CHECKING:
    from emulator import ModalField


# ---------------------------------------------------------------------------------------------- parsing

CLOCK_TIME = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})")


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


def parse_wait(text: str, now: datetime) -> timedelta:
    """A /wait argument: a duration ('1d'), or 'until 09:30' (the next time the UTC clock shows it)."""
    words = text.split()
    if len(words) != 2 or words[0].casefold() != "until":
        return parse_duration(text)
    match = CLOCK_TIME.fullmatch(words[1])
    if match is None or int(match["hour"]) > 23 or int(match["minute"]) > 59:
        raise SandboxError(f"'{words[1]}' isn't a time of day. Try /wait until 09:30 (UTC, 24-hour clock).")
    target = now.replace(hour=int(match["hour"]), minute=int(match["minute"]), second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return target - now


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
    # Options with autocomplete, still as typed: the session asks the bot's autocomplete what they stand for.
    typed: tuple[str, ...] = ()


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
        if option.get("autocomplete"):
            kind += "|? to list"
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
        usages = "; ".join(
            command_usage(" ".join([*path, s["name"]]), s.get("options") or []) for s in subs if s.get("type") == 1
        )
        if not rest or ":" in rest[0]:
            raise SandboxError(f"/{' '.join(path)} needs one of: {', '.join(s['name'] for s in subs)}. Usage: {usages}")
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
        if is_autocomplete(definition):
            options[definition["name"]] = raw  # settled later, by asking the bot as Discord's picker does
        else:
            options[definition["name"]] = convert_option(definition, raw, resolver)
    missing = [name for name, option in by_name.items() if option.get("required") and name not in options]
    if missing:
        hint = "".join(f" ({name}:? lists the bot's suggestions)" for name in missing if is_autocomplete(by_name[name]))
        raise SandboxError(
            f"/{' '.join(path)} needs {', '.join(f'{name}:…' for name in missing)}{hint}. Usage: {usage}"
        )
    typed = tuple(name for name in options if is_autocomplete(by_name[name]))
    return ParsedCommand(" ".join(path), options, typed)


def is_autocomplete(option: dict[str, Any]) -> bool:
    """Whether the bot suggests values for this text option as it is typed."""
    return bool(option.get("autocomplete")) and int(option.get("type", 3)) == 3


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
        listed = ", ".join(
            str(c["name"]) if str(c["name"]) == str(c["value"]) else f"{c['name']} ({c['value']})" for c in choices
        )
        raise SandboxError(f"{name} can be: {listed}.")
    if kind == 3:
        low, high = option.get("min_length"), option.get("max_length")
        if (low is not None and len(raw) < low) or (high is not None and len(raw) > high):
            raise SandboxError(
                f"{name} takes {low or 0} to {counted(high or 6000, 'character', 'characters')}; that's {len(raw)}."
            )
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
        raise SandboxError(
            "There's nothing to press right now. Type a /command, #3 Post to press a button on "
            "message #3, or ? for help."
        )
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
            raise SandboxError(f"That menu takes at most {counted(chosen[0].max_values, 'choice', 'choices')}.")
    return chosen


def field_value(modal_field: ModalField, answer: str) -> Any:
    """The value to submit for one form field from what was typed (empty keeps the default)."""
    text = answer.strip()
    label = modal_field.label or modal_field.custom_id
    if modal_field.type == 4:
        value = text or (modal_field.value or "")
        if modal_field.required and not value:
            raise SandboxError(f"“{label}” is required.")
        if value and modal_field.min_length and len(value) < modal_field.min_length:
            least = counted(modal_field.min_length, "character", "characters")
            raise SandboxError(f"“{label}” needs at least {least}.")
        if modal_field.max_length and len(value) > modal_field.max_length:
            most = counted(modal_field.max_length, "character", "characters")
            raise SandboxError(f"“{label}” takes at most {most}.")
        return value
    options = modal_field.options
    if not text:
        chosen = [str(o["value"]) for o in options if o.get("default")]
    else:
        actions = [
            Action(n, "option", str(o.get("label", "")), modal_field.custom_id, str(o["value"]), modal_field.max_values)
            for n, o in enumerate(options, start=1)
        ]
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
            parts.append(counted(count, name, name + "s"))
    return " ".join(parts) or "0 seconds"


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


def is_comment(line: str) -> bool:
    """`# a comment`; but `#3 Post` presses a button on message 3."""
    text = line.lstrip()
    return text.startswith("#") and not text[1:2].isdigit()


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
            if is_comment(line) or (not line.strip() and not blank_ok):
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
