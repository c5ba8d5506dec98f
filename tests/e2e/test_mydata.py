"""`/mydata` end to end: the export's contents, and deletion that leaves nothing about the member anywhere."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from bot.storage.userdata import MemberData
from emulator import EmulatedMessage, SimulatedMember
from tests.e2e.mydata_helpers import (
    DAY,
    Marker,
    fill_in_yesterday,
    finish_feedback,
    loaded,
    log_rejection,
    rows,
    seed_member,
    set_up_wins_channel,
)
from tests.harness import Harness, message_of

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def rows_mentioning(harness: Harness, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row, in every table, with the member's id in a user_id column or anywhere in any column's text."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table, columns in harness.table_columns().items():
        checks = [f'CAST("{column}" AS TEXT) LIKE ?' for column in columns]
        params: list[str | int] = [f"%{user_id}%"] * len(columns)
        if "user_id" in columns:
            checks.append('"user_id" = ?')
            params.append(user_id)
        hits = harness.rows(f'SELECT * FROM "{table}" WHERE {" OR ".join(checks)}', params)  # noqa: S608
        if hits:
            found[table] = [dict(row) for row in hits]
    return found


def snapshot(harness: Harness, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The member's rows in every table that has a user_id column."""
    return {
        table: sorted(tuple(row) for row in harness.rows(f'SELECT * FROM "{table}" WHERE user_id = ?', (user_id,)))  # noqa: S608
        for table, columns in harness.table_columns().items()
        if "user_id" in columns
    }


async def export_of(member: SimulatedMember) -> tuple[EmulatedMessage, dict[str, Any]]:
    """Run /mydata export; return the reply and the parsed JSON file."""
    result = await member.slash("mydata export")
    message = await result.wait_final()
    assert message.ephemeral
    [attachment] = message.attachments
    assert attachment.filename.startswith("bounceback-data-") and attachment.filename.endswith(".json")
    return message, json.loads(attachment.data.decode("utf-8"))


def iso_values(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Every (key, value) whose key looks like a timestamp column, anywhere in the export."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in iso_values(v, k)]
    if isinstance(value, list):
        return [pair for item in value for pair in iso_values(item, key)]
    if key.endswith("_at") and value is not None:
        return [(key, value)]
    return []


async def test_export_holds_everything_readable_and_nothing_of_anyone_else(harness: Harness) -> None:
    await set_up_wins_channel(harness)
    alex, bob = harness.member("alex"), harness.member("bob")
    alex_words, bob_words = Marker("alex"), Marker("bob")
    await seed_member(harness, alex, alex_words)
    await seed_member(harness, bob, bob_words)

    message, export = await export_of(alex)
    assert "JSON file" in message.text()
    assert export["member_id"] == str(alex.user_id)
    assert ISO_UTC.match(export["exported_at"])
    assert "/mydata delete" in export["how_to_delete"] and export["about"]
    sections = export["sections"]
    for name, section in sections.items():
        assert section["about"] and section["count"] == len(section["records"]) > 0, name

    [checkin] = sections["checkins"]["records"]
    assert checkin["vent"] == alex_words.written["vent"]  # decrypted for the member
    assert "vent_encrypted" not in checkin
    assert (checkin["company"], checkin["feeling"], checkin["intensity"]) == ("alexCorp", "disappointed", 4)
    assert checkin["user_id"] == str(alex.user_id)  # Discord ids as text: no precision lost in JavaScript
    assert "Each rejection you logged" in sections["checkins"]["about"]
    assert {"users", "checkins", "wording_history"} <= set(sections)

    flat = json.dumps(export, ensure_ascii=False)
    for place, phrase in alex_words.written.items():
        if place in ("interviewer",):
            continue  # cleaned into the greeting; checked through the draft below
        assert phrase in flat, place
    if loaded(harness, "reflect"):
        assert sections["reflections"]["records"][0]["went_well"] == alex_words.written["well"]
        assert alex_words.written["hard"] in [r["text"] for r in sections["hard_questions"]["records"]]
    if loaded(harness, "feedback"):
        [request] = sections["feedback_requests"]["records"]
        assert request["state"] == "sent" and "Jo" in request["body"]
        timers = sections["timers"]["records"]
        assert any(isinstance(t["payload"], dict) for t in timers)
    if loaded(harness, "win"):
        assert {w["state"] for w in sections["wins"]["records"]} == {"posted", "draft"}

    # Dates are ISO 8601 (UTC, with Z); nothing about Bob is in Alex's file.
    stamps = iso_values(sections)
    assert stamps and all(ISO_UTC.match(value) for _, value in stamps), stamps
    assert str(bob.user_id) not in flat
    assert not any(phrase in flat for phrase in bob_words.written.values())


async def test_export_for_someone_new_is_small_and_still_explains_itself(harness: Harness) -> None:
    alex = harness.member("alex")
    _, export = await export_of(alex)
    assert export["sections"] == {}
    assert export["member_id"] == str(alex.user_id) and export["about"]


async def test_delete_removes_every_row_about_the_member_everywhere(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex, bob = harness.member("alex"), harness.member("bob")
    alex_words, bob_words = Marker("alex"), Marker("bob")
    await seed_member(harness, alex, alex_words)
    await seed_member(harness, bob, bob_words)
    posts = [m for m in harness.emulator.channel_messages(channel.id) if m.author_id == harness.emulator.bot_user_id]
    if loaded(harness, "win"):
        assert len(posts) == 2
        for post in posts:  # each cheers the other's win
            cheerer = bob if alex_words.written["win"] in post.text() else alex
            await cheerer.click(post, "win:cheer:")
    await finish_feedback(harness, [(alex, alex_words), (bob, bob_words)])
    await harness.advance(DAY * 2)
    await log_rejection(alex, "motivated", 2)
    await log_rejection(bob, "relieved", 1)
    await fill_in_yesterday(harness, alex)
    await fill_in_yesterday(harness, bob)

    # The guard: every table either has user_id, hangs off one by cascade, or is declared non-personal.
    coverage = await MemberData(harness.running.database, harness.running.cipher, harness.clock).coverage()
    assert coverage.uncovered == (), f"tables without data-rights support: {coverage.uncovered}"
    seeded = rows_mentioning(harness, alex.user_id)
    expected = {"users", "checkins", "wording_history", "mood_fillins"}
    for command, tables in (
        ("reflect", {"reflections", "hard_questions"}),
        ("feedback", {"feedback_requests", "feedback_notes", "feedback_signatures", "timers"}),
        ("win", {"wins", "win_cheers"}),
        ("practice", {"practice_sessions", "practice_turns", "practice_answers", "practice_reviews"}),
        ("nudges", {"nudge_subscriptions", "nudge_ledger", "mood_logs"}),
    ):
        if loaded(harness, command):
            expected |= tables
    assert expected <= set(seeded), expected - set(seeded)
    bob_before = snapshot(harness, bob.user_id)
    alex_win_ids = {row["id"] for row in rows(harness, "SELECT id FROM wins WHERE user_id = ?", (alex.user_id,))}

    asked = await alex.slash("mydata delete")
    assert asked.ephemeral
    text = message_of(asked).text()
    assert "can't be undone" in text and "taken down from the wins channel" in text
    buttons = {b.label: b for b in message_of(asked).buttons()}
    assert buttons["Delete everything"].style == 4  # red
    assert "Cancel" in buttons

    done = await alex.click(message_of(asked), "Delete everything")
    final = done.message if done.message is not None and not done.deferred else await done.followup()
    assert "Everything is deleted" in final.text()
    assert final.buttons() == []

    assert rows_mentioning(harness, alex.user_id) == {}
    bob_after = snapshot(harness, bob.user_id)
    # Bob keeps everything, except his cheer on Alex's win, which went with that win.
    bob_before["win_cheers"] = [r for r in bob_before.get("win_cheers", []) if r[0] not in alex_win_ids]
    assert bob_after == {table: bob_before.get(table, []) for table in bob_after}
    if loaded(harness, "win"):
        alex_post = next(p for p in posts if alex_words.written["win"] in p.text())
        bob_post = next(p for p in posts if bob_words.written["win"] in p.text())
        assert alex_post.deleted and not bob_post.deleted

    after = await (await alex.slash("progress")).wait_final()
    assert "Nothing here yet" in after.text()
    assert rows_mentioning(harness, alex.user_id) == {}  # looking again stores nothing


async def test_delete_can_be_cancelled_expires_and_is_only_for_its_owner(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    nothing = await alex.slash("mydata delete")
    assert "nothing to delete" in message_of(nothing).text() and message_of(nothing).buttons() == []

    await log_rejection(alex, "sad", 3)
    before = rows_mentioning(harness, alex.user_id)
    asked = await alex.slash("mydata delete")
    refused = await bob.click(message_of(asked), "Delete everything")
    assert refused.ephemeral and "belongs to someone else" in message_of(refused).text()
    cancelled = await alex.click(message_of(asked), "Cancel")
    assert "Nothing was deleted" in message_of(cancelled).text() and message_of(cancelled).buttons() == []
    assert rows_mentioning(harness, alex.user_id) == before

    stale = await alex.slash("mydata delete")
    harness.clock.advance(timedelta(minutes=16))
    expired = await alex.click(message_of(stale), "Delete everything")
    assert "expired" in message_of(expired).text()
    assert rows_mentioning(harness, alex.user_id) == before

    await harness.restart()  # the confirmation's buttons still work after a restart
    fresh = await alex.slash("mydata delete")
    await harness.restart()
    await alex.click(message_of(fresh), "Delete everything")
    await harness.emulator.wait_until(
        lambda: rows_mentioning(harness, alex.user_id) == {} or None, what="alex's rows to be deleted"
    )
