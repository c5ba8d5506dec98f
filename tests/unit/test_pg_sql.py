"""The translation of the stores' SQLite-flavoured SQL for PostgreSQL, and the binding of values (no server needed)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.storage.pg_sql import PgProgrammingError, PgRow, adapt, bind, plain_number, translate


def test_question_marks_become_numbered_placeholders() -> None:
    statement = translate("SELECT * FROM checkins WHERE user_id = ? AND created_at >= ? LIMIT ?")
    assert statement.sql == "SELECT * FROM checkins WHERE user_id = $1 AND created_at >= $2 LIMIT $3"
    assert statement.positional == 3 and statement.names is None
    assert statement.returns_rows and statement.query


def test_placeholders_inside_strings_identifiers_and_comments_are_left_alone() -> None:
    sql = "SELECT '?', \"odd?name\", 'it''s ?' FROM t -- why?\nWHERE a = ? /* and ? */ AND b = ':x'"
    statement = translate(sql)
    assert statement.sql == (
        "SELECT '?', \"odd?name\", 'it''s ?' FROM t -- why?\nWHERE a = $1 /* and ? */ AND b = ':x'"
    )
    assert statement.positional == 1


def test_named_placeholders_are_numbered_once_per_name() -> None:
    statement = translate("SELECT COUNT(*) FROM wins WHERE user_id = :user_id OR author = :user_id OR g = :guild")
    assert statement.sql == "SELECT COUNT(*) FROM wins WHERE user_id = $1 OR author = $1 OR g = $2"
    assert statement.names == ("user_id", "guild")
    assert bind(statement, {"user_id": 7, "guild": 9}) == [7, 9]


def test_a_postgresql_cast_is_not_a_placeholder() -> None:
    assert translate("SELECT x::text FROM t WHERE y = ?").sql == "SELECT x::text FROM t WHERE y = $1"


def test_insert_or_ignore_becomes_on_conflict_do_nothing_before_returning() -> None:
    assert translate("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)").sql == (
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    )
    assert translate("insert or ignore into win_cheers (win_id, user_id) values (?, ?) returning win_id;").sql == (
        "insert into win_cheers (win_id, user_id) values ($1, $2) ON CONFLICT DO NOTHING returning win_id"
    )


def test_insert_or_replace_is_refused_with_what_to_write_instead() -> None:
    with pytest.raises(PgProgrammingError, match="ON CONFLICT"):
        translate("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")


def test_an_insert_into_a_table_with_an_identity_id_returns_it_for_lastrowid() -> None:
    statement = translate("INSERT INTO checkins (user_id) VALUES (?)", frozenset({"checkins"}))
    assert statement.sql == "INSERT INTO checkins (user_id) VALUES ($1) RETURNING id"
    assert statement.added_returning and statement.returns_rows and not statement.query
    # Tables without one, and statements with their own RETURNING, are left as they are.
    assert not translate("INSERT INTO users (user_id) VALUES (?)", frozenset({"checkins"})).added_returning
    own = translate("INSERT INTO checkins (user_id) VALUES (?) RETURNING user_id", frozenset({"checkins"}))
    assert own.sql.endswith("RETURNING user_id") and not own.added_returning


def test_sqlite_only_statements_get_their_postgresql_twins() -> None:
    assert translate("BEGIN IMMEDIATE").sql == "BEGIN"
    assert translate("PRAGMA defer_foreign_keys = ON").sql == "SET CONSTRAINTS ALL DEFERRED"
    assert translate("SELECT group_concat(q.text, ' ') FROM q").sql == "SELECT string_agg(q.text, ' ') FROM q"


def test_dml_without_returning_is_executed_not_fetched() -> None:
    statement = translate("UPDATE timers SET state = 'done' WHERE id = ?")
    assert not statement.returns_rows and not statement.query


def test_values_are_bound_as_sqlite_stores_them() -> None:
    assert adapt(True) == 1 and adapt(False) == 0
    assert adapt(date(2026, 11, 26)) == "2026-11-26"
    assert adapt(datetime(2026, 11, 26, 9, 0, tzinfo=UTC)) == "2026-11-26 09:00:00+00:00"
    assert adapt(None) is None and adapt("x") == "x" and adapt(2**62) == 2**62


def test_binding_checks_the_number_and_kind_of_values() -> None:
    with pytest.raises(PgProgrammingError, match="2 placeholders but 1"):
        bind(translate("SELECT ? + ?"), (1,))
    with pytest.raises(PgProgrammingError, match="no value for :guild"):
        bind(translate("SELECT :user_id, :guild"), {"user_id": 1})
    with pytest.raises(PgProgrammingError, match="mixes"):
        translate("SELECT ?, :name")


def test_the_errors_are_sqlite3s_so_the_bots_fault_handling_applies() -> None:
    assert issubclass(PgProgrammingError, sqlite3.DatabaseError)


def test_a_row_reads_like_sqlite3_row() -> None:
    row = PgRow([1, "a", None], {"id": 0, "name": 1, "gone": 2})
    assert row[0] == 1 and row["name"] == "a" and row[1:] == ("a", None)
    assert row.keys() == ["id", "name", "gone"]
    assert dict(row) == {"id": 1, "name": "a", "gone": None}
    assert tuple(row) == (1, "a", None)
    with pytest.raises(IndexError, match="no such column"):
        row["missing"]


def test_whole_numeric_sums_come_back_as_ints() -> None:
    assert plain_number(Decimal(12)) == 12 and isinstance(plain_number(Decimal(12)), int)
    assert plain_number(Decimal("1.5")) == 1.5
