"""Forged and replayed interactions: someone else pressing your buttons (in DMs and ephemeral messages),
tampered custom ids (another member's id, rows that don't exist, malformed ids), buttons of deleted data, forms
submitted by someone else or twice. All refused or handled once, politely, without leaking anyone's words.

The buttons and forms come from a crawl of the running bot (tests/e2e/interaction_crawler.py), so a new feature's
components are covered without editing this file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.fallback import ALREADY_DONE
from emulator import InteractionResult, SimulatedMember
from tests.e2e.interaction_crawler import (
    SEED_COMPANY,
    Crawler,
    Outcome,
    Sighting,
    Survey,
    benign_fields,
    shape,
)
from tests.e2e.wins_helpers import set_up_wins_channel
from tests.harness import Harness, message_of

WATCHED_LOGGERS = ("bot", "cogs", "discord", "asyncio", "emulator")
# Words only the crawl's members wrote (see interaction_crawler): none may reach another member.
SECRETS = (SEED_COMPANY, "Some honest words for", "Notes about")
# Components meant for everyone who can see them: cheering a posted win, a moderator taking one down.
PUBLIC = (re.compile(r"win:cheer:.*"), re.compile(r"win:remove:.*"))
NO_SUCH_ROW = "987654321"


@dataclass
class World:
    """The crawled bot, a stranger with their own data, and log capture."""

    harness: Harness
    crawler: Crawler
    survey: Survey
    stranger: SimulatedMember
    caplog: pytest.LogCaptureFixture
    seen_records: int = 0

    def errors(self) -> list[str]:
        """ERROR records since the last call."""
        records = self.caplog.records[self.seen_records :]
        self.seen_records = len(self.caplog.records)
        return [
            f"{r.name}: {r.getMessage()}"
            for r in records
            if r.levelno >= logging.ERROR and r.name.split(".")[0] in WATCHED_LOGGERS
        ]

    def owned(self) -> list[Sighting]:
        """Every private component the crawl saw, with the member it belongs to."""
        return [
            s
            for s in self.survey.components.values()
            if s.owner is not None and not any(p.fullmatch(s.custom_id) for p in PUBLIC)
        ]


@pytest.fixture
async def world(harness: Harness, caplog: pytest.LogCaptureFixture) -> AsyncIterator[World]:
    """Crawl the bot once; a stranger with a check-in of their own."""
    caplog.set_level(logging.INFO)
    crawler = Crawler(harness, await set_up_wins_channel(harness))
    survey = await crawler.survey()
    stranger = harness.member("stranger")
    await stranger.slash("rejected", company="Stranger Things Inc")
    setup = World(harness, crawler, survey, stranger, caplog)
    assert not setup.errors(), "the crawl itself logged errors"
    assert len(setup.owned()) >= 30, "the crawl found too few components to say anything"
    yield setup


def member_rows(harness: Harness, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row holding a member's id (the data-rights convention: a `user_id` column)."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    for table, columns in harness.table_columns().items():
        if "user_id" in columns:
            query = f'SELECT * FROM "{table}" WHERE user_id = ? ORDER BY 1'  # noqa: S608 - names from the catalogue
            # Sorted whole: rows tied on the first column come back in storage order, which PostgreSQL changes
            # whenever a row is rewritten, even to the same values.
            snapshot[table] = sorted((tuple(row) for row in harness.rows(query, (user_id,))), key=repr)
    return snapshot


def visible_reply(result: InteractionResult) -> str:
    """Everything the presser saw: the reply, its follow-ups, a form's title and prefilled values."""
    parts = [result.text(), *(m.text() for m in result.followups())]
    if result.modal is not None:
        parts.append(result.modal.title)
        parts.extend(f.value or "" for f in result.modal.fields)
    return "\n".join(parts)


def assert_refused_quietly(world: World, result: InteractionResult, what: str) -> None:
    """Answered privately, nothing about anyone else in it, nothing logged at ERROR."""
    assert result.type is not None, f"{what}: not answered"
    assert result.modal is None, f"{what}: a form opened for someone it doesn't belong to"
    assert result.type in (4, 5), f"{what}: answered by changing the message (type {result.type})"
    seen = visible_reply(result)
    leaked = [secret for secret in SECRETS if secret in seen]
    assert not leaked, f"{what}: the reply shows someone else's words {leaked}: {seen!r}"
    assert result.message is None or result.message.ephemeral, f"{what}: the refusal was public"
    errors = world.errors()
    assert not errors, f"{what}: errors logged: {errors}"


async def press(presser: SimulatedMember, sighting: Sighting, custom_id: str) -> InteractionResult:
    """Press a component (with any custom id) on the message the owner got it on."""
    if sighting.kind == "select":
        return await presser.click_custom_id(sighting.message, custom_id, component_type=3, values=sighting.options[:1])
    return await presser.click_custom_id(sighting.message, custom_id)


async def final(world: World, presser: SimulatedMember, result: InteractionResult) -> InteractionResult:
    """Wait for a deferred answer to arrive."""
    await world.crawler.settle(presser, result, None, {m.id for m in presser.dms()})
    return result


async def test_someone_else_pressing_your_buttons_and_selects_is_refused(world: World) -> None:
    owners = {s.owner.user_id: s.owner for s in world.owned() if s.owner is not None}
    before = {user_id: member_rows(world.harness, user_id) for user_id in owners}
    messages_before = {
        id(s.message): (s.message.content, repr(s.message.embeds), repr(s.message.components)) for s in world.owned()
    }
    for sighting in world.owned():
        result = await final(world, world.stranger, await press(world.stranger, sighting, sighting.custom_id))
        assert_refused_quietly(world, result, f"stranger pressing {sighting.custom_id} [{sighting.label}]")
    for sighting in world.owned():  # the owners' messages were not edited by someone else's press
        assert messages_before[id(sighting.message)] == (
            sighting.message.content,
            repr(sighting.message.embeds),
            repr(sighting.message.components),
        ), sighting.custom_id
    assert {user_id: member_rows(world.harness, user_id) for user_id in owners} == before


def tampered_ids(sighting: Sighting, stranger_id: int) -> list[tuple[str, str]]:
    """Variants of a real custom id, each with what it tries."""
    real = sighting.custom_id
    owner_id = str(sighting.owner.user_id) if sighting.owner else ""
    variants = []
    if owner_id and owner_id in real:
        variants.append(("owner swapped for the presser", real.replace(owner_id, str(stranger_id))))
        rows_gone = re.sub(r"(?<![\d])(\d{1,12})(?![\d])", NO_SUCH_ROW, real.replace(owner_id, "OWNER"))
        variants.append(("rows that don't exist", rows_gone.replace("OWNER", str(stranger_id))))
    variants += [
        ("digits replaced by letters", re.sub(r"\d+", "abc", real)),
        ("a huge number", re.sub(r"\d+", "9" * 40, real, count=1)),
        ("a negative number", re.sub(r"(\d+)", r"-\1", real, count=1)),
        ("an extra part", real + ":1"),
        ("only the prefix", real.split(":")[0] + ":"),
        ("nothing at all", ""),
        ("another area's prefix", "nudge:" + real),
    ]
    return variants


async def test_tampered_custom_ids_are_refused_without_leaking(world: World) -> None:
    owners = {s.owner.user_id: s.owner for s in world.owned() if s.owner is not None}
    before = {user_id: member_rows(world.harness, user_id) for user_id in owners}
    shapes_done: set[str] = set()
    for sighting in world.owned():
        if shape(sighting.custom_id) in shapes_done:
            continue
        shapes_done.add(shape(sighting.custom_id))
        for what, custom_id in tampered_ids(sighting, world.stranger.user_id):
            result = await final(world, world.stranger, await press(world.stranger, sighting, custom_id))
            assert_refused_or_harmless(world, result, f"{what}: {custom_id!r}")
    assert {user_id: member_rows(world.harness, user_id) for user_id in owners} == before


def assert_refused_or_harmless(world: World, result: InteractionResult, what: str) -> None:
    """A tampered id that names the presser themselves may do what it says for *their own* data; it must still
    be answered, show nobody else's words, and log no error."""
    assert result.type is not None, f"{what}: not answered"
    seen = visible_reply(result)
    leaked = [secret for secret in SECRETS if secret in seen]
    assert not leaked, f"{what}: the reply shows someone else's words {leaked}: {seen!r}"
    errors = world.errors()
    assert not errors, f"{what}: errors logged: {errors}"


async def test_buttons_of_deleted_data_answer_politely(world: World) -> None:
    by_owner: dict[int, list[Sighting]] = {}
    for sighting in world.owned():
        assert sighting.owner is not None
        by_owner.setdefault(sighting.owner.user_id, []).append(sighting)
    pressed = 0
    for sightings in by_owner.values():
        owner = sightings[0].owner
        assert owner is not None
        asked = await owner.slash("mydata delete")
        confirmed = await final(world, owner, await owner.click(message_of(asked), "Delete everything"))
        assert "deleted" in visible_reply(confirmed).lower(), visible_reply(confirmed)
        for sighting in sightings:
            pressed += 1
            if sighting.message.deleted:
                # A DM carrying their words was deleted with their data: its buttons went with it.
                assert sighting.message.channel_id == owner.dm_channel_id, sighting.custom_id
                continue
            result = await final(world, owner, await press(owner, sighting, sighting.custom_id))
            assert_refused_or_harmless(world, result, f"{sighting.custom_id} after deleting everything")
        assert_nothing_stored_but_the_erasure(world, owner)
    assert pressed == len(world.owned())


def assert_nothing_stored_but_the_erasure(world: World, owner: SimulatedMember) -> None:
    """Pressing old buttons must not quietly bring a member's data back after they deleted it."""
    left = {table: rows for table, rows in member_rows(world.harness, owner.user_id).items() if rows}
    # Opening a fresh form or preview may start new rows (a new draft), but nothing with the old words.
    dump = repr(left)
    assert SEED_COMPANY not in dump and "Some honest words" not in dump, left


# ---------------------------------------------------------------------------------------------- forms


async def open_form(world: World, key: str, member: SimulatedMember) -> Outcome:
    """Replay the crawl's route to a form for a fresh member; returns the outcome holding the open form."""
    outcome = await world.crawler.replay(member, world.survey.modals[key])
    assert outcome.modal is not None, key
    return outcome


async def test_a_form_submitted_twice_is_handled_once(world: World) -> None:
    for key in sorted(world.survey.modals):
        member = await world.crawler.seeded_member("twice")
        opened = await open_form(world, key, member)
        assert opened.modal is not None
        values = benign_fields(opened.modal)
        first = await final(world, member, await member.submit_modal(opened.modal, values))
        assert first.type is not None
        stored = member_rows(world.harness, member.user_id)
        second = await final(world, member, await member.submit_modal(opened.modal, values))
        assert second.type is not None, f"{key}: the second submission was not answered"
        assert member_rows(world.harness, member.user_id) == stored, f"{key}: the second submission changed data"
        assert not world.errors(), key
        assert "already" in visible_reply(second), f"{key}: {visible_reply(second)!r}"


async def test_someone_elses_form_submitted_by_a_stranger_changes_nothing(world: World) -> None:
    for key in sorted(world.survey.modals):
        owner = await world.crawler.seeded_member("formowner")
        opened = await open_form(world, key, owner)  # open, so discord.py has it waiting for the owner
        assert opened.modal is not None
        before = member_rows(world.harness, owner.user_id)
        values = {f.custom_id: "A stranger's words" for f in opened.modal.fields if f.type == 4}
        result = await final(
            world,
            world.stranger,
            await world.stranger.submit_custom_modal(
                opened.modal.custom_id,
                values,
                channel_id=opened.modal.source.channel_id if opened.modal.source else None,
            ),
        )
        assert_refused_or_harmless(world, result, f"stranger submitting {key}")
        assert member_rows(world.harness, owner.user_id) == before, f"{key}: a stranger's form changed the owner's data"
        # The owner's own form still works afterwards.
        done = await final(world, owner, await owner.submit_modal(opened.modal, benign_fields(opened.modal)))
        assert done.type is not None and ALREADY_DONE not in visible_reply(done), key


async def test_a_form_from_before_a_restart_is_answered_and_the_words_shown_back(world: World) -> None:
    member = await world.crawler.seeded_member("restart")
    key = next(k for k in world.survey.modals if k.startswith("checkin:ventmodal"))
    opened = await open_form(world, key, member)
    assert opened.modal is not None
    await world.harness.restart()
    result = await member.submit_modal(
        opened.modal, {"vent": "Typed while you were away. <@123> @everyone", "keep": ["yes"]}
    )
    text = visible_reply(result)
    assert "open it again" in text and "Typed while you were away." in text
    assert result.message is not None and result.message.ephemeral
    assert result.message.mentions == [] and not result.message.mention_everyone
    crisis = await member.submit_modal(opened.modal, {"vent": "I want to kill myself", "keep": ["no"]})
    assert crisis.message is not None and crisis.message.embeds  # help comes first, even for a lost form
