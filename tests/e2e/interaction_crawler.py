"""Walks every command and every button, select and form the bot offers, the way a curious member would.

The bad-input and forged-interaction tests use it to find their targets from the running bot rather than from a
hand-kept list: every modal is reached by a recorded route (replayable for a fresh member), and every component
the bot showed is kept with the message it was on.
"""

from __future__ import annotations

import contextlib
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from emulator import EmulatedMessage, InteractionNotAnswered, InteractionResult, ModalPrompt, SimulatedMember
from emulator.state import ChannelRecord
from tests.harness import Harness

MAX_DEPTH = 8
MAX_NODES = 250
LATER = timedelta(days=8)  # past every reminder and follow-up the bot schedules
REQUIRED_ONLY = "required options only"
SEED_COMPANY = "Seedling Analytics"
READABLE_TEXT = {"time": "09:00", "timezone": "Europe/London", "country": "United Kingdom"}

FieldValues = Callable[[ModalPrompt], dict[str, Any]]


def shape(custom_id: str) -> str:
    """A custom id as a pattern: every run of digits may be any number (ids differ from member to member)."""
    return "".join(r"\d+" if part.isdigit() else re.escape(part) for part in re.split(r"(\d+)", custom_id))


@dataclass(frozen=True)
class Action:
    """One thing a member does: a slash command, a click, a select choice, or a form submitted."""

    kind: str  # "slash" | "click" | "select" | "submit" | "advance"
    target: str  # the command path, a custom id shape, or seconds to move the clock on
    label: str | None = None
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind} {self.target}" + (f" [{self.label}]" if self.label else "")


@dataclass
class Outcome:
    """What an action led to: a form, and the messages now carrying components."""

    result: InteractionResult | None
    modal: ModalPrompt | None
    messages: list[EmulatedMessage]


@dataclass
class Sighting:
    """A component the bot showed a member, and where."""

    custom_id: str
    kind: str  # "button" | "select"
    label: str | None
    message: EmulatedMessage
    owner: SimulatedMember | None = None
    options: list[str] = field(default_factory=list)


@dataclass
class Survey:
    """Everything the crawl reached."""

    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    modals: dict[str, list[Action]] = field(default_factory=dict)
    components: dict[tuple[str, str | None], Sighting] = field(default_factory=dict)
    members: list[SimulatedMember] = field(default_factory=list)


def leaf_commands(harness: Harness) -> dict[str, list[dict[str, Any]]]:
    """Every runnable slash command path ('nudges start') and its option definitions."""
    found: dict[str, list[dict[str, Any]]] = {}

    def walk(options: list[dict[str, Any]], path: list[str]) -> None:
        subs = [o for o in options if o.get("type") in (1, 2)]
        if not subs:
            found[" ".join(path)] = options
        for sub in subs:
            walk(list(sub.get("options") or []), [*path, sub["name"]])

    for command in harness.emulator.commands():
        if int(command.get("type", 1)) == 1:
            walk(list(command.get("options") or []), [command["name"]])
    return found


class Crawler:
    """Drives members through the bot, records routes to forms and every component seen."""

    def __init__(self, harness: Harness, wins_channel: ChannelRecord) -> None:
        self.harness = harness
        self.wins_channel = wins_channel
        self._count = 0

    def fresh_member(self, prefix: str = "crawler") -> SimulatedMember:
        """A new server admin (so /setup is reachable too) with nothing stored yet."""
        self._count += 1
        return self.harness.member(f"{prefix}{self._count}", admin=True)

    async def seeded_member(self, prefix: str = "crawler") -> SimulatedMember:
        """A fresh member with one rejection logged, so /reflect and /feedback have something to work with."""
        member = self.fresh_member(prefix)
        await member.slash("rejected", company=SEED_COMPANY)
        return member

    async def benign_options(
        self,
        member: SimulatedMember,
        path: str,
        definitions: list[dict[str, Any]],
        text: Callable[[dict[str, Any]], str] | None = None,
    ) -> dict[str, Any] | None:
        """Valid values for a command's options (required ones always, optional strings too); None if impossible."""
        options: dict[str, Any] = {}
        for definition in definitions:
            name, kind = definition["name"], int(definition["type"])
            choices = definition.get("choices") or []
            if choices:
                options[name] = choices[0]["value"]
            elif kind == 3 and definition.get("autocomplete") and name not in READABLE_TEXT:
                offered = await member.autocomplete(path, name, "", **options)
                if offered:
                    options[name] = offered[0]["value"]
                elif definition.get("required"):
                    return None
            elif kind == 3:
                options[name] = text(definition) if text else READABLE_TEXT.get(name, f"Notes about {name}")
            elif kind in (4, 10):
                options[name] = definition.get("min_value", 1)
            elif kind == 5:
                options[name] = False
            elif kind == 7:
                options[name] = self.wins_channel
            elif definition.get("required"):
                return None
        return options

    async def act(
        self,
        member: SimulatedMember,
        action: Action,
        messages: list[EmulatedMessage],
        modal: ModalPrompt | None,
        field_values: FieldValues | None = None,
    ) -> Outcome:
        """Do one action for a member (finding the component by its shape among the current messages)."""
        dms_before = {m.id for m in member.dms()}
        source: EmulatedMessage | None = None
        if action.kind == "advance":
            await self.harness.advance(timedelta(seconds=float(action.target)))
            return await self.settle(member, None, None, dms_before)
        if action.kind == "slash":
            definitions = leaf_commands(self.harness)[action.target]
            if action.label == REQUIRED_ONLY:
                definitions = [d for d in definitions if d.get("required")]
            options = await self.benign_options(member, action.target, definitions)
            assert options is not None, f"cannot run /{action.target}"
            result = await member.slash(action.target, **options)
        elif action.kind == "submit":
            assert modal is not None, "no form is open"
            values = (field_values or benign_fields)(modal)
            result = await member.submit_modal(modal, values)
        else:
            source, custom_id = find_component(messages, action)
            if action.kind == "click":
                result = await member.click(source, custom_id)
            else:
                result = await member.select(source, custom_id, list(action.values))
        return await self.settle(member, result, source, dms_before)

    async def settle(
        self,
        member: SimulatedMember,
        result: InteractionResult | None,
        source: EmulatedMessage | None,
        dms_before: set[int],
    ) -> Outcome:
        """Wait for what the bot does after answering (deferred replies, edits), then list the messages."""
        if result is None:  # time passed: whatever the bot sent by DM
            return Outcome(result=None, modal=None, messages=[m for m in member.dms() if m.id not in dms_before])
        if result.type == 5:
            await result.wait_final(timeout=10)
        elif result.type == 6:
            with contextlib.suppress(InteractionNotAnswered):  # not every deferred update is followed by an edit
                await result.followup(timeout=3)
        found: list[EmulatedMessage] = []
        emulator = self.harness.emulator
        for message_id in [result.pending.original_message_id, *result.pending.followup_ids]:
            if message_id is not None:
                found.append(emulator.message(message_id))
        if source is not None and result.modal is None:
            found.append(source)
        found.extend(m for m in member.dms() if m.id not in dms_before)
        live = [m for m in dict.fromkeys(found) if not m.deleted]
        return Outcome(result=result, modal=result.modal, messages=live)

    async def replay(
        self, member: SimulatedMember, route: list[Action], last_fields: FieldValues | None = None
    ) -> Outcome:
        """Follow a recorded route for a (seeded) member; `last_fields` fills the route's last form, if it ends in
        a submit."""
        messages: list[EmulatedMessage] = []
        modal: ModalPrompt | None = None
        outcome: Outcome | None = None
        for index, action in enumerate(route):
            fields = last_fields if index == len(route) - 1 else None
            outcome = await self.act(member, action, messages, modal, fields)
            messages, modal = outcome.messages or messages, outcome.modal
        assert outcome is not None
        return outcome

    async def survey(self, skip: Callable[[str], bool] = lambda path: False) -> Survey:
        """Breadth first over every command (with and without its optional options), component and form.

        Each node is reached by replaying its route for a fresh member, so every route is as short as possible
        and works from a clean start (a Post explored earlier can't spoil the Edit next to it).
        """
        survey = Survey(commands=leaf_commands(self.harness))
        queue: deque[list[Action]] = deque()
        for path in sorted(survey.commands):
            if skip(path):
                continue
            queue.append([Action("slash", path)])
            if any(not d.get("required") and int(d["type"]) == 3 for d in survey.commands[path]):
                queue.append([Action("slash", path, label=REQUIRED_ONLY)])
        seen: set[tuple[str, str, str | None]] = set()
        while queue and len(seen) < MAX_NODES:
            route = queue.popleft()
            member = await self.seeded_member()
            survey.members.append(member)
            timers_before = self._pending_timers(member)
            try:
                outcome = await self.replay(member, route)
            except LookupError:
                continue  # a component that only some states show (e.g. after a cooldown)
            children: list[Action] = []
            if outcome.modal is not None:
                key = shape(outcome.modal.custom_id)
                survey.modals.setdefault(key, route)
                children.append(Action("submit", key))
            if route[-1].kind != "advance" and self._pending_timers(member) > timers_before and len(route) < MAX_DEPTH:
                children.append(Action("advance", str(LATER.total_seconds())))
            for message in outcome.messages:
                for action, sighting in actions_on(message, member):
                    survey.components.setdefault((sighting.custom_id, sighting.label), sighting)
                    children.append(action)
            for action in children:
                node = (action.kind, action.target, action.label)
                if node not in seen and len(route) < MAX_DEPTH:
                    seen.add(node)
                    queue.append([*route, action])
        return survey

    def _pending_timers(self, member: SimulatedMember) -> int:
        query = "SELECT COUNT(*) FROM timers WHERE user_id = ? AND state = 'pending'"
        return int(self.harness.rows(query, (member.user_id,))[0][0])


def actions_on(message: EmulatedMessage, owner: SimulatedMember | None = None) -> list[tuple[Action, Sighting]]:
    """What a member could do with a message's components (link and disabled buttons excluded)."""
    found: list[tuple[Action, Sighting]] = []
    for button in message.buttons():
        if button.custom_id is None or button.url or button.disabled:
            continue
        sighting = Sighting(button.custom_id, "button", button.label, message, owner)
        found.append((Action("click", shape(button.custom_id), button.label), sighting))
    for select in message.selects():
        if select.type != 3 or select.disabled or not select.options:
            continue
        values = [str(o["value"]) for o in select.options]
        sighting = Sighting(select.custom_id, "select", select.placeholder, message, owner, values)
        chosen = tuple(values[: max(1, select.min_values)])
        found.append((Action("select", shape(select.custom_id), select.placeholder, chosen), sighting))
    return found


def find_component(messages: list[EmulatedMessage], action: Action) -> tuple[EmulatedMessage, str]:
    """The newest message carrying a component of this shape (and label), and its actual custom id."""
    pattern = re.compile(action.target)
    for message in reversed(messages):
        if message.deleted:
            continue
        if action.kind == "click":
            for button in message.buttons():
                if button.custom_id and pattern.fullmatch(button.custom_id) and button.label == action.label:
                    return message, button.custom_id
        else:
            for select in message.selects():
                if pattern.fullmatch(select.custom_id):
                    return message, select.custom_id
    raise LookupError(f"no component for {action} among {len(messages)} message(s)")


def benign_fields(modal: ModalPrompt) -> dict[str, Any]:
    """Plausible answers for every field of a form: defaults kept, text within its limits, first choices."""
    values: dict[str, Any] = {}
    for item in modal.fields:
        if item.type == 4:
            if item.value:
                values[item.custom_id] = item.value
                continue
            text = f"Some honest words for {item.custom_id}."
            low, high = item.min_length or 0, item.max_length or 4000
            values[item.custom_id] = (text * (low // len(text) + 1))[: max(low, min(high, len(text)))]
        elif item.options:
            values[item.custom_id] = [str(o["value"]) for o in item.options][: max(1, item.min_values)]
    return values
