"""Which errors are outside faults (storage, Discord) and which are bugs that deserve a reference."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiohttp
import pytest

from bot.errors import DISCORD_TEXT, STORAGE_TEXT, Fault, classify, member_text


def real_sqlite_error(tmp_path: Path, setup: str, statement: str) -> sqlite3.OperationalError:
    """Provoke the error from SQLite itself rather than constructing one."""
    connection = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    connection.execute("CREATE TABLE t (x BLOB)")
    connection.execute(setup)
    with pytest.raises(sqlite3.OperationalError) as caught:
        connection.execute(statement)
    connection.close()
    return caught.value


def test_read_only_database_is_a_storage_fault(tmp_path: Path) -> None:
    error = real_sqlite_error(tmp_path, "PRAGMA query_only = ON", "INSERT INTO t VALUES (1)")
    assert classify(error) is Fault.STORAGE_READ_ONLY


def test_full_database_is_a_storage_fault(tmp_path: Path) -> None:
    error = real_sqlite_error(tmp_path, "PRAGMA max_page_count = 2", "INSERT INTO t VALUES (zeroblob(100000))")
    assert classify(error) is Fault.STORAGE_FULL


def test_a_fault_is_found_behind_the_error_it_caused(tmp_path: Path) -> None:
    full = real_sqlite_error(tmp_path, "PRAGMA max_page_count = 2", "INSERT INTO t VALUES (zeroblob(100000))")
    try:
        try:
            raise full
        except sqlite3.OperationalError as inner:
            raise RuntimeError("could not keep the vent") from inner
    except RuntimeError as outer:
        assert classify(outer) is Fault.STORAGE_FULL


def test_other_database_errors_and_bugs_are_not_faults(tmp_path: Path) -> None:
    error = real_sqlite_error(tmp_path, "SELECT 1", "SELECT nope FROM t")
    assert classify(error) is None
    assert classify(KeyError("x")) is None
    assert classify(TimeoutError()) is None  # our own waits timing out are bugs to look up, not Discord's


def test_connection_failures_are_discords_side() -> None:
    assert classify(aiohttp.ServerDisconnectedError()) is Fault.DISCORD_UNAVAILABLE


def test_member_texts_say_what_happened_and_what_to_do() -> None:
    assert member_text(Fault.STORAGE_FULL) == member_text(Fault.STORAGE_READ_ONLY) == STORAGE_TEXT
    assert "not** saved" in STORAGE_TEXT and "try again" in STORAGE_TEXT
    assert member_text(Fault.DISCORD_UNAVAILABLE) == DISCORD_TEXT and "try again" in DISCORD_TEXT
