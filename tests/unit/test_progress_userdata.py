"""Generic export and deletion over the live schema, and the guard against tables that escape it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.clock import ManualClock, to_iso
from bot.crypto import TextCipher
from bot.storage import Database
from bot.storage.userdata import (
    NON_PERSONAL_TABLES,
    UNDECRYPTABLE,
    ForeignKey,
    MemberData,
    TableInfo,
    classify,
    deletion_order,
    erase_member,
    export_value,
)

ALEX, BOB = 381_000_000_000_000_001, 381_000_000_000_000_002
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CIPHER = TextCipher(Fernet.generate_key())


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fully migrated database (every feature's tables as they exist in the tree)."""
    database = await Database.open(tmp_path / "u.sqlite3")
    try:
        yield database
    finally:
        await database.close()


def service(db: Database) -> MemberData:
    """The export/deletion service on a test database."""
    return MemberData(db, CIPHER, ManualClock(NOW))


async def test_every_table_of_the_real_schema_is_covered(db: Database) -> None:
    coverage = await service(db).coverage()
    assert coverage.uncovered == ()
    assert {"checkins", "users", "timers", "wording_history", "mood_fillins"} <= set(coverage.personal)
    assert set(coverage.non_personal) <= NON_PERSONAL_TABLES


async def test_a_new_table_without_user_id_is_caught(db: Database) -> None:
    await db.execute("CREATE TABLE journal_entries (id INTEGER PRIMARY KEY, owner INTEGER, text TEXT)")
    coverage = await service(db).coverage()
    assert coverage.uncovered == ("journal_entries",)


async def test_a_cascade_child_is_covered_exported_and_deleted(db: Database) -> None:
    await db.execute("CREATE TABLE diary (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, created_at TEXT NOT NULL)")
    # The parent's key is implicit (no column named in REFERENCES): the export must find it anyway.
    await db.execute(
        "CREATE TABLE diary_tags (diary_id INTEGER NOT NULL REFERENCES diary ON DELETE CASCADE, tag TEXT NOT NULL)"
    )
    await db.execute("CREATE TABLE diary_notes (tag_rowid INTEGER, note TEXT)")
    data = service(db)
    assert (await data.coverage()).uncovered == ("diary_notes",)
    await db.execute("DROP TABLE diary_notes")
    coverage = await data.coverage()
    assert "diary_tags" in coverage.children and coverage.uncovered == ()

    for user, tag in ((ALEX, "alex-tag"), (BOB, "bob-tag")):
        diary_id = await db.execute("INSERT INTO diary (user_id, created_at) VALUES (?, ?)", (user, to_iso(NOW)))
        await db.execute("INSERT INTO diary_tags (diary_id, tag) VALUES (?, ?)", (diary_id, tag))
    exported = await data.export(ALEX, {}, "rows from {table}")
    assert [r["tag"] for r in exported["sections"]["diary_tags"]["records"]] == ["alex-tag"]
    assert exported["sections"]["diary_tags"]["about"] == "rows from diary_tags"

    await data.delete(ALEX)
    assert [row[0] for row in await db.fetchall("SELECT tag FROM diary_tags")] == ["bob-tag"]


async def test_a_non_cascading_child_is_not_covered() -> None:
    parent = TableInfo("parent", ("id", "user_id"), ("id",))
    nulling = ForeignKey("parent", ("parent_id",), ("id",), "SET NULL")
    child = TableInfo("child", ("id", "parent_id"), ("id",), (nulling,))
    assert classify([parent, child]).uncovered == ("child",)


def test_deletion_order_puts_children_first() -> None:
    a = TableInfo("a", ("id", "user_id"), ("id",))
    b = TableInfo("b", ("id", "user_id", "a_id"), ("id",), (ForeignKey("a", ("a_id",), ("id",), "NO ACTION"),))
    c = TableInfo("c", ("id", "user_id", "b_id"), ("id",), (ForeignKey("b", ("b_id",), ("id",), "CASCADE"),))
    order = deletion_order([a, b, c])
    assert order.index("c") < order.index("b") < order.index("a")


async def test_delete_removes_every_row_about_one_member_and_nothing_else(db: Database) -> None:
    for user in (ALEX, BOB):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO users (user_id, created_at) VALUES (?, ?)", (user, to_iso(NOW)))
            checkin = await tx.execute(
                "INSERT INTO checkins (user_id, created_at, vent_encrypted, vent_kept_at) VALUES (?, ?, ?, ?)",
                (user, to_iso(NOW), CIPHER.encrypt(f"vent of {user}"), to_iso(NOW)),
            )
            await tx.execute(
                "INSERT INTO reflections (user_id, checkin_id, created_at, went_well_encrypted) VALUES (?, ?, ?, ?)",
                (user, checkin, to_iso(NOW), CIPHER.encrypt("I stayed calm")),
            )
            await tx.execute(
                "INSERT INTO timers (kind, user_id, due_at, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                ("test", user, to_iso(NOW), json.dumps({"checkin_id": checkin}), to_iso(NOW), to_iso(NOW)),
            )
    data = service(db)
    before_bob = await data.export(BOB, {}, "{table}")
    deleted = await data.delete(ALEX)
    assert deleted == {"checkins": 1, "reflections": 1, "timers": 1, "users": 1}
    assert await data.counts(ALEX) == {}
    assert await data.export(BOB, {}, "{table}") == before_bob


async def test_erase_runs_hooks_first_and_survives_a_failing_one(db: Database) -> None:
    await db.execute("INSERT INTO users (user_id, created_at) VALUES (?, ?)", (ALEX, to_iso(NOW)))
    seen: list[tuple[str, int, int]] = []

    async def counting_hook(user_id: int) -> None:
        rows = int(await db.fetchval("SELECT COUNT(*) FROM users WHERE user_id = ?", (user_id,)))
        seen.append(("hook", user_id, rows))

    async def broken_hook(user_id: int) -> None:
        raise RuntimeError("the channel is gone")

    forgotten: list[int] = []
    report = await erase_member(service(db), ALEX, {"count": counting_hook, "broken": broken_hook}, forgotten.append)
    assert seen == [("hook", ALEX, 1)]  # the hook still saw the member's rows
    assert report.failed_hooks == ["broken"]
    assert report.deleted == {"users": 1}
    assert forgotten == [ALEX]


def test_export_values_are_readable() -> None:
    token = CIPHER.encrypt("private words")
    assert export_value("vent_encrypted", token, CIPHER) == ("vent", "private words")
    assert export_value("vent_encrypted", None, CIPHER) == ("vent", None)
    other = TextCipher(Fernet.generate_key()).encrypt("x")
    assert export_value("note_encrypted", other, CIPHER) == ("note", UNDECRYPTABLE)
    assert export_value("created_at", "2026-11-26T09:00:00.000000Z", CIPHER) == ("created_at", "2026-11-26T09:00:00Z")
    assert export_value("local_date", "2026-11-26", CIPHER) == ("local_date", "2026-11-26")
    assert export_value("sent_at", 1_795_000_000, CIPHER)[1].startswith("2026-")
    assert export_value("user_id", ALEX, CIPHER) == ("user_id", str(ALEX))
    assert export_value("intensity", 4, CIPHER) == ("intensity", 4)
    assert export_value("payload", '{"a": 1}', CIPHER) == ("payload", {"a": 1})
    assert export_value("blob", b"\x00\x01", CIPHER) == ("blob", {"base64": "AAE="})
