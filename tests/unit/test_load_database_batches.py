"""`Database.run`: work queued at once goes to the database thread in few trips, each unit its own transaction."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Database
from bot.storage import database as database_module
from bot.storage.database import Connection


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database with one scratch table."""
    db = await Database.open(tmp_path / "batches.sqlite3")
    await db.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE)")
    try:
        yield db
    finally:
        await db.close()


def count_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count hand-offs to the database thread."""
    trips: list[int] = []
    real = database_module._on_thread

    async def counting(connection: Any, work: Any) -> Any:
        trips.append(1)
        return await real(connection, work)

    monkeypatch.setattr(database_module, "_on_thread", counting)
    return trips


async def test_a_crowd_of_writes_takes_a_few_trips_and_each_gets_its_own_row_id(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = count_trips(monkeypatch)
    ids = await asyncio.gather(
        *(database.execute("INSERT INTO scratch (value) VALUES (?)", (f"v{index}",)) for index in range(500))
    )
    assert len(set(ids)) == 500
    assert len(trips) <= 2 + 500 // database_module.BATCH_LIMIT  # batches, not one trip per statement
    stored = await database.fetchall("SELECT id, value FROM scratch ORDER BY id")
    assert [row["value"] for row in stored] == [f"v{index}" for index in range(500)]  # in the order queued
    assert [row["id"] for row in stored] == sorted(ids)


async def test_a_failing_unit_rolls_back_alone(database: Database) -> None:
    def insert_twice(connection: Connection) -> None:
        connection.execute("INSERT INTO scratch (value) VALUES ('half')")
        connection.execute("INSERT INTO scratch (value) VALUES ('dup')")
        connection.execute("INSERT INTO scratch (value) VALUES ('dup')")  # UNIQUE fails: the whole unit goes

    results = await asyncio.gather(
        database.execute("INSERT INTO scratch (value) VALUES ('before')"),
        database.run(insert_twice),
        database.execute("INSERT INTO scratch (value) VALUES ('after')"),
        return_exceptions=True,
    )
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert not isinstance(results[0], BaseException) and not isinstance(results[2], BaseException)
    values = [row["value"] for row in await database.fetchall("SELECT value FROM scratch ORDER BY id")]
    assert values == ["before", "after"]


async def test_reads_see_earlier_writes_and_transactions_still_interleave_safely(database: Database) -> None:
    async def in_transaction() -> int:
        async with database.transaction() as tx:
            await tx.execute("INSERT INTO scratch (value) VALUES ('tx-1')")
            await asyncio.sleep(0)  # let queued work try to get in between
            return await tx.execute("INSERT INTO scratch (value) VALUES ('tx-2')")

    write = asyncio.ensure_future(database.execute("INSERT INTO scratch (value) VALUES ('plain')"))
    tx_id, _ = await asyncio.gather(in_transaction(), write)
    count = await database.fetchval("SELECT COUNT(*) FROM scratch")
    row = await database.fetchone("SELECT value FROM scratch WHERE id = ?", (tx_id,))
    assert count == 3 and row is not None and row["value"] == "tx-2"
    assert await database.integrity_check() == "ok"


async def test_work_after_close_fails_plainly(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "closed.sqlite3")
    await db.close()
    with pytest.raises(ValueError):  # aiosqlite: no active connection
        await db.fetchval("SELECT 1")


async def test_what_callers_are_told_matches_what_was_stored_when_the_disk_fills(database: Database) -> None:
    pages = await database.fetchval("PRAGMA page_count")
    await database.fetchval(f"PRAGMA max_page_count = {int(pages) + 2}")
    values = [f"small-{index}" if index % 3 else f"big-{index}-" + "x" * 20_000 for index in range(30)]
    results = await asyncio.gather(
        *(database.execute("INSERT INTO scratch (value) VALUES (?)", (value,)) for value in values),
        return_exceptions=True,
    )
    told_stored = {value for value, result in zip(values, results, strict=True) if isinstance(result, int)}
    assert any(isinstance(result, sqlite3.OperationalError) for result in results)  # the disk did fill up
    stored = {row["value"] for row in await database.fetchall("SELECT value FROM scratch")}
    assert stored == told_stored
    assert await database.integrity_check() == "ok"


async def test_a_read_queued_after_writes_sees_them(database: Database) -> None:
    writes = [database.execute("INSERT INTO scratch (value) VALUES (?)", (f"w{index}",)) for index in range(20)]
    *_, count = await asyncio.gather(*writes, database.fetchval("SELECT COUNT(*) FROM scratch"))
    assert count == 20
