"""Autocomplete in the sandbox: ask the bot for suggestions as Discord's picker does, settle what was typed, or
show the suggestions numbered and let the member pick one (`/feedback draft rejection:?`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.common import INTERACTION_SECONDS, SandboxError
from sandbox.render import INDENT, Action
from sandbox.script import LineSource, ParsedCommand, choose_actions

if TYPE_CHECKING:
    from emulator import SimulatedMember

ASK = "?"
# Text no suggestion can contain: what the bot still offers for it, it offers whatever is typed ("A new one").
NOTHING_MATCHES = "\u2063nothing-matches\u2063"


@dataclass(frozen=True)
class Suggestion:
    """One autocomplete choice the bot offered: what the member sees, and the value Discord would send."""

    name: str
    value: Any


class Cancelled(Exception):  # the member's choice, not an error
    """The member typed /cancel at the picker: the command is not sent."""


def settle(typed: str, offered: Sequence[Suggestion], always: Sequence[Suggestion]) -> Suggestion | None:
    """The suggestion typed text stands for, as Discord's picker would take it; None when the member must pick.

    A suggestion named (or valued) exactly as typed, in any case, wins; otherwise the one suggestion the bot made
    for this text, leaving out those it makes whatever is typed.
    """
    wanted = typed.strip().casefold()
    if not wanted or wanted == ASK:
        return None
    exact = [s for s in offered if wanted in (s.name.strip().casefold(), str(s.value).strip().casefold())]
    if exact:
        return exact[0]
    matching = [s for s in offered if s not in always]
    return matching[0] if len(matching) == 1 else None


def pick_actions(typed: str, offered: Sequence[Suggestion]) -> list[Action]:
    """The suggestions as numbered actions, then what was typed (Discord sends it as is if nothing is picked)."""
    actions = [Action(number, "option", s.name, "", str(number)) for number, s in enumerate(offered, start=1)]
    text = typed.strip()
    if text and text != ASK:
        actions.append(Action(len(actions) + 1, "option", f"“{text}” as typed", "", "typed"))
    return actions


async def settle_options(
    member: SimulatedMember, parsed: ParsedCommand, lines: LineSource, out: Callable[[str], None]
) -> dict[str, Any]:
    """The command's options with every autocomplete value settled (raises Cancelled on /cancel)."""
    from emulator import EmulatorError

    options = dict(parsed.options)
    for name in parsed.typed:
        others = {key: value for key, value in options.items() if key != name}

        async def complete(text: str, name: str = name, others: dict[str, Any] = others) -> list[Suggestion]:
            try:
                found = await member.autocomplete(parsed.path, name, text, options=others, timeout=INTERACTION_SECONDS)
            except EmulatorError as error:
                raise SandboxError(f"the bot's suggestions for {name} failed: {error}") from error
            return [Suggestion(str(choice["name"]), choice["value"]) for choice in found]

        options[name] = await settle_one(name, str(options[name]), complete, lines, out)
    return options


async def settle_one(
    name: str,
    typed: str,
    complete: Callable[[str], Awaitable[list[Suggestion]]],
    lines: LineSource,
    out: Callable[[str], None],
) -> Any:
    """The value for one autocomplete option: settled from what was typed, or picked by the member."""
    text = typed.strip()
    asked = not text or text == ASK
    offered = await complete("" if asked else text)
    if not offered:
        if asked:
            raise SandboxError(f"The bot has no suggestions for {name} right now; type a value instead of ?.")
        return typed  # nothing suggested: Discord sends what was typed
    heading = f"The bot's suggestions for {name}:"
    if not asked:
        always = await complete(NOTHING_MATCHES)
        found = settle(text, offered, always)
        if found is not None:
            if str(found.value).casefold() != text.casefold():
                out(f"{INDENT}→ {name}: {found.name}")
            return found.value
        some = any(suggestion not in always for suggestion in offered)
        heading = (
            f"“{text}” matches more than one of the bot's suggestions for {name}:"
            if some
            else f"“{text}” matches none of the bot's suggestions for {name}:"
        )
    actions = pick_actions(typed, offered)
    out(f"{INDENT}{heading}")
    for action in actions:
        out(f"{INDENT}[{action.number}] {action.label}")
    out(f"{INDENT}Type a number or a name (/cancel: don't send the command).")
    while True:
        answer = await lines.read(f"{INDENT}> ")
        if answer is None:
            raise SandboxError(f"the input ended while choosing {name}")
        if answer.strip().casefold() == "/cancel":
            raise Cancelled
        try:
            chosen = choose_actions(answer, actions)[0]
            break
        except SandboxError:
            if not lines.interactive:
                raise
            out(f"{INDENT}! Type one of the numbers 1 to {len(actions)}, or /cancel.")
    if chosen.value == "typed":
        return typed
    suggestion = offered[chosen.number - 1]
    out(f"{INDENT}→ {name}: {suggestion.name}")
    return suggestion.value
