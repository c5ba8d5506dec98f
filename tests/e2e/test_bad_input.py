"""Property tests: hostile text in every command option and every form field the bot opens.

Targets come from the running bot: the options from the commands it registered with the emulator, the forms from
a crawl of every command, button and select (tests/e2e/interaction_crawler.py). For every example: the
interaction is answered (the emulator raises InteractionNotAnswered otherwise), nothing is logged at ERROR by the
bot, discord.py or asyncio, and no message the bot put in a shared channel pings anyone. Hypothesis examples run
one after another against one bot per test function (fresh members keep them apart).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import EmulatedMessage, InteractionResult, ModalPrompt, SimulatedMember
from emulator.state import ChannelRecord
from tests.e2e.interaction_crawler import Action, Crawler, Outcome, Survey, benign_fields
from tests.e2e.wins_helpers import set_up_wins_channel
from tests.harness import Harness

WATCHED_LOGGERS = ("bot", "cogs", "discord", "asyncio", "emulator")
EXPECTED_MODALS = {
    "checkin:ventmodal",
    "reflect:modal",
    "feedback:options",
    "feedback:note",
    "win:modal",
    "practice:modal",
    "nudge:startmodal",
    "progress:fillmodal",
}
PIECES = [
    "@everyone",
    "@here",
    "<@123>",
    "<@!123>",
    "<@&456>",
    "<#789>",
    "<@&{role}>",
    "<@{user}>",
    "discord.gg/bounceback",
    "https://discord.gg/abcDEF",
    "https://example.com/a?b=c&d=<e>",
    "www.example.org",
    "**bold**",
    "__under__",
    "~~strike~~",
    "||spoiler||",
    "> quoted",
    "# Heading",
    "-# small",
    "1. list",
    "```py\nprint('hi')\n```",
    "```",
    "`tick`",
    "\\",
    "*",
    "_",
    "[link](https://example.com)",
    "\x00",
    "\x07",
    "\x1b[31mred",
    "\r\n",
    "\t",
    "\u200b",
    "\u2028",
    "\ufeff",
    "\u202eevil\u202c",
    "\u200f",
    "שלום",
    "مرحبا بك",
    "e\u0301\u0301\u0301",
    "Z\u0335\u0321\u0322a\u0337lgo",
    "🎉",
    "👩🏽‍💻",
    "🏳️‍🌈",
    "%s %d {0} {name}",
    "'; DROP TABLE checkins; --",
    "null",
    "None",
    "0",
    "-1",
    "99999999999999999999999",
    "25:00",
    "Europe/Atlantis",
    "  ",
    "kill myself",  # crisis words must get help
]
EMPTY_QUOTE = re.compile("“[\\s\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]*”")  # words quoted back, but none show
EXAMPLES = settings(
    max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "20")),
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def hostile_text(min_size: int = 0, max_size: int = 4000) -> st.SearchStrategy[str]:
    """Empty, whitespace, the longest allowed, control and bidi characters, combining marks, markdown, code,
    mentions, invites and URLs — alone, mixed, or repeated up to the limit."""
    max_size = max(max_size, min_size, 1)
    any_unicode = st.text(st.characters(exclude_categories=["Cs"]), max_size=min(max_size, 200))
    mixed = st.lists(st.sampled_from(PIECES) | any_unicode, max_size=8).map("".join)
    whitespace = st.text(st.sampled_from(" \t\n\u00a0\u2003\u3000"), max_size=min(max_size, 50))
    longest = st.sampled_from([*PIECES, "a", "é", "🎉", " "]).map(lambda piece: (piece * max_size)[:max_size])
    return (mixed | whitespace | longest | any_unicode).map(lambda text: fit(text, min_size, max_size))


def fit(text: str, min_size: int, max_size: int) -> str:
    """Clip to the field's limit; pad to its minimum (as a member would have to, to be allowed to submit)."""
    text = text[:max_size]
    return text + "x" * (min_size - len(text)) if len(text) < min_size else text


@dataclass(repr=False)
class Rig:
    """One bot, a wins channel, and the crawl of everything it offers."""

    harness: Harness
    crawler: Crawler
    survey: Survey
    wins_channel: ChannelRecord
    caplog: pytest.LogCaptureFixture
    seen_records: int = 0
    last_message_id: int = 0

    def __repr__(self) -> str:
        return f"<Rig: {len(self.survey.commands)} commands, {len(self.survey.modals)} forms>"

    def personalise(self, text: str, member: SimulatedMember) -> str:
        """Fill the mention placeholders with real ids from this server."""
        return text.replace("{user}", str(member.user_id)).replace("{role}", str(self.harness.guild_id))

    def new_errors(self) -> list[str]:
        """ERROR records from the bot, discord.py, asyncio or the emulator since the last call."""
        records = self.caplog.records[self.seen_records :]
        self.seen_records = len(self.caplog.records)
        return [
            f"{r.name}: {r.getMessage()}" + (f"\n{r.exc_text or ''}" if r.exc_info else "")
            for r in records
            if r.levelno >= logging.ERROR and r.name.split(".")[0] in WATCHED_LOGGERS
        ]

    def pings(self) -> list[EmulatedMessage]:
        """Bot messages in shared (server) channels that would notify someone."""
        emulator = self.harness.emulator
        found = []
        for channel in list(emulator.state.channels.values()):
            if channel.guild_id is None:
                continue
            for message in emulator.channel_messages(channel.id):
                if message.author_id != emulator.bot_user_id:
                    continue
                if message.mentions or message.mention_roles or message.mention_everyone:
                    found.append(message)
        return found

    def check(self, what: str) -> None:
        """Nothing logged at ERROR, nobody pinged, no reply quoting an empty answer back."""
        errors = self.new_errors()
        assert not errors, f"{what}: the bot logged errors:\n" + "\n".join(errors)
        pinged = self.pings()
        assert not pinged, f"{what}: these shared messages ping someone: {pinged}"
        emulator = self.harness.emulator
        fresh = [m for m in emulator.state.messages.values() if m.id > self.last_message_id]
        self.last_message_id = max((m.id for m in fresh), default=self.last_message_id)
        hollow = [m for m in fresh if m.author_id == emulator.bot_user_id and EMPTY_QUOTE.search(m.text())]
        assert not hollow, f"{what}: the bot quoted an empty answer back: {[m.text() for m in hollow]}"


@pytest.fixture
async def rig(harness: Harness, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Rig]:
    """The bot, crawled once (one harness per test function; hypothesis examples share it)."""
    caplog.set_level(logging.INFO)
    wins_channel = await set_up_wins_channel(harness)
    crawler = Crawler(harness, wins_channel)
    survey = await crawler.survey()
    found = {key.split(r":\d+")[0] for key in survey.modals}
    assert found >= EXPECTED_MODALS, f"the crawl missed forms: {EXPECTED_MODALS - found}"
    setup = Rig(harness, crawler, survey, wins_channel, caplog)
    setup.check("the crawl itself")
    yield setup


async def settle(rig: Rig, member: SimulatedMember, result: InteractionResult) -> Outcome:
    """Wait for deferred answers and edits."""
    return await rig.crawler.settle(member, result, None, {m.id for m in member.dms()})


async def push_to_shared_channel(rig: Rig, member: SimulatedMember, messages: list[EmulatedMessage]) -> None:
    """Follow 'Share as a win' and 'Post' wherever offered, so hostile words reach the wins channel if they can."""
    for _ in range(3):
        target = next(
            (
                (m, b.custom_id)
                for m in messages
                for b in m.buttons()
                if b.label in ("Share as a win", "Post") and b.custom_id and not b.disabled
            ),
            None,
        )
        if target is None:
            return
        result = await member.click(target[0], target[1])
        outcome = await settle(rig, member, result)
        messages = outcome.messages


def hostile_fields(data: st.DataObject, rig: Rig, member: SimulatedMember, modal: ModalPrompt) -> dict[str, Any]:
    """Hostile text in every text field (within its limits), any allowed choice in every select."""
    values: dict[str, Any] = {}
    for item in modal.fields:
        if item.type == 4:
            low = max(item.min_length or 0, 1 if item.required else 0)
            text = data.draw(hostile_text(low, item.max_length or 4000), label=f"field {item.custom_id}")
            values[item.custom_id] = fit(rig.personalise(text, member), low, item.max_length or 4000)
        elif item.options:
            options = [str(o["value"]) for o in item.options]
            count = data.draw(st.integers(max(1, item.min_values), max(1, min(item.max_values, len(options)))))
            values[item.custom_id] = data.draw(st.permutations(options), label=item.custom_id)[:count]
    return values


# ---------------------------------------------------------------------------------------------- command options


@EXAMPLES
@given(data=st.data())
async def test_every_command_option_takes_hostile_text(rig: Rig, data: st.DataObject) -> None:
    commands = {path: defs for path, defs in rig.survey.commands.items() if defs}
    path = data.draw(st.sampled_from(sorted(commands)), label="command")
    member = await rig.crawler.seeded_member("options")
    options: dict[str, Any] = {}
    for definition in commands[path]:
        name, kind = definition["name"], int(definition["type"])
        if not definition.get("required") and not data.draw(st.booleans(), label=f"give {name}"):
            continue
        choices = definition.get("choices") or []
        if choices:
            options[name] = data.draw(st.sampled_from([c["value"] for c in choices]), label=name)
        elif kind == 3:
            low, high = (
                definition.get("min_length", 1 if definition.get("required") else 0),
                definition.get("max_length", 4000),
            )
            text = fit(rig.personalise(data.draw(hostile_text(low, high), label=name), member), low, high)
            if definition.get("autocomplete"):
                offered = await member.autocomplete(path, name, text, **options)
                assert len(offered) <= 25 and all(1 <= len(c["name"]) <= 100 for c in offered), offered
                rig.check(f"autocomplete /{path} {name}={text!r}")
            if low == 0 and not text:
                continue  # Discord sends no value for an empty optional option
            options[name] = text
        elif kind in (4, 10):
            low, high = definition.get("min_value", -(2**31)), definition.get("max_value", 2**31)
            options[name] = data.draw(st.integers(low, high), label=name)
        elif kind == 5:
            options[name] = data.draw(st.booleans(), label=name)
        elif kind == 7:
            options[name] = rig.wins_channel
    result = await member.slash(path, **options)
    outcome = await settle(rig, member, result)
    if outcome.modal is not None:
        submitted = await member.submit_modal(outcome.modal, hostile_fields(data, rig, member, outcome.modal))
        outcome = await settle(rig, member, submitted)
    await push_to_shared_channel(rig, member, outcome.messages)
    rig.check(f"/{path} {options!r}")


# ---------------------------------------------------------------------------------------------- form fields


@EXAMPLES
@given(data=st.data())
async def test_every_form_field_takes_hostile_text(rig: Rig, data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(rig.survey.modals)), label="form")
    route = [*rig.survey.modals[key], Action("submit", key)]
    member = await rig.crawler.seeded_member("forms")
    drawn: dict[str, Any] = {}

    def fields(modal: ModalPrompt) -> dict[str, Any]:
        drawn.update(hostile_fields(data, rig, member, modal))
        return dict(drawn)

    outcome = await rig.crawler.replay(member, route, last_fields=fields)
    assert outcome.result is not None and outcome.result.type is not None
    await push_to_shared_channel(rig, member, outcome.messages)
    rig.check(f"form {key} with {drawn!r}")


async def test_the_benign_route_to_every_form_still_works(rig: Rig) -> None:
    """The targets above stay honest: each form is reachable and takes ordinary answers."""
    for key, route in sorted(rig.survey.modals.items()):
        member = await rig.crawler.seeded_member("plain")
        outcome = await rig.crawler.replay(member, [*route, Action("submit", key)], last_fields=benign_fields)
        assert outcome.result is not None and outcome.result.type in (4, 5, 6, 7), key
        rig.check(f"form {key}")
