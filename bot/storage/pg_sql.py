"""The PostgreSQL side of the work functions: the few sqlite3 calls they make, answered through asyncpg.

Work functions (every store's `*_in(connection, ...)`) are synchronous and written against a small subset of
sqlite3: `execute`/`executemany`, `fetchone`/`fetchall`, rows by index and by name, `lastrowid`, `rowcount`,
savepoints, `in_transaction`. `PgConnection` offers exactly that over one asyncpg connection, running each
statement on an event loop owned by the database thread (`loop.run_until_complete`: the loop runs only while a
statement is on the wire). Only what must be is translated (`translate`): `?` and `:name` placeholders become
`$n`, `INSERT OR IGNORE` becomes `ON CONFLICT DO NOTHING`, an INSERT into a table with an identity `id` gets
`RETURNING id` for `lastrowid`, SQLite's `BEGIN IMMEDIATE` and `defer_foreign_keys` their PostgreSQL twins,
`group_concat` its `string_agg`. Values are always bound, never formatted into the SQL.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Coroutine, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")

_WORD = re.compile(r"[A-Za-z_]\w*")
_INSERT_INTO = re.compile(r"^\s*INSERT\s+(OR\s+(\w+)\s+)?INTO\s+\"?(\w+)\"?", re.IGNORECASE)
_ROWS_FIRST = {"SELECT", "WITH", "VALUES", "SHOW", "EXPLAIN", "TABLE"}
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*BEGIN\s+(?:IMMEDIATE|DEFERRED|EXCLUSIVE)\s*$", re.IGNORECASE), "BEGIN"),
    (
        re.compile(r"^\s*PRAGMA\s+defer_foreign_keys\s*=\s*(?:ON|1|TRUE)\s*$", re.IGNORECASE),
        "SET CONSTRAINTS ALL DEFERRED",
    ),
)
_DDL = re.compile(r"^\s*(?:CREATE|ALTER|DROP)\s+TABLE\b", re.IGNORECASE)
ID_TABLES = (
    "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema()"
    " AND column_name = 'id' AND is_identity = 'YES'"
)
_GROUP_CONCAT = re.compile(r"\bgroup_concat\s*\(", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


class PgIntegrityError(sqlite3.IntegrityError):
    """A constraint said no (unique, foreign key, check, not null): what sqlite3 calls an IntegrityError."""


class PgOperationalError(sqlite3.OperationalError):
    """PostgreSQL could not run the statement (or the connection is gone): sqlite3's OperationalError."""


class PgProgrammingError(sqlite3.ProgrammingError):
    """The statement or its values are wrong for PostgreSQL (a bug to fix in the SQL, not a runtime state)."""


@dataclass(frozen=True)
class Translated:
    """One statement in PostgreSQL's dialect, and how to bind and run it."""

    sql: str
    names: tuple[str, ...] | None  # named placeholders in $n order; None when they were `?`
    positional: int  # how many `?` there were
    returns_rows: bool  # run with fetch (a query, or DML with RETURNING)
    query: bool  # SELECT, WITH, VALUES...: rows but no rowcount
    added_returning: bool  # `RETURNING id` was added only to learn lastrowid: its rows are not the caller's


def _segments(sql: str) -> Iterator[tuple[bool, str]]:
    """Split SQL into (is_code, text): code, or a quoted string, quoted identifier or comment kept as it is."""
    start = index = 0
    length = len(sql)
    while index < length:
        char = sql[index]
        end = -1
        if char in "'\"":
            end = index + 1
            while end < length:
                if sql[end] == char:
                    if end + 1 < length and sql[end + 1] == char:  # a doubled quote is one quote character
                        end += 2
                        continue
                    break
                end += 1
            end = min(end + 1, length)
        elif sql.startswith("--", index):
            newline = sql.find("\n", index)
            end = length if newline < 0 else newline
        elif sql.startswith("/*", index):
            close = sql.find("*/", index + 2)
            end = length if close < 0 else close + 2
        if end < 0:
            index += 1
            continue
        if index > start:
            yield True, sql[start:index]
        yield False, sql[index:end]
        start = index = end
    if start < length:
        yield True, sql[start:]


def translate(sql: str, id_tables: frozenset[str] = frozenset()) -> Translated:
    """Rewrite one SQLite-flavoured statement for PostgreSQL; `id_tables` have an identity `id` column."""
    for pattern, replacement in _REWRITES:
        if pattern.match(sql):
            return Translated(replacement, None, 0, False, False, False)
    insert = _INSERT_INTO.match(sql)
    conflict = ""
    if insert and insert.group(1):
        if insert.group(2).upper() != "IGNORE":
            raise PgProgrammingError(f"INSERT OR {insert.group(2)} has no PostgreSQL twin; use ON CONFLICT ... DO")
        sql = sql[: insert.start(1)] + sql[insert.end(1) :]
        conflict = " ON CONFLICT DO NOTHING"
    out: list[str] = []
    names: list[str] = []
    positional = 0
    returning = False
    for is_code, text in _segments(sql):
        if not is_code:
            out.append(text)
            continue
        text = _GROUP_CONCAT.sub("string_agg(", text)
        returning = returning or bool(_RETURNING.search(text))
        piece: list[str] = []
        index = 0
        while index < len(text):
            char = text[index]
            if char == "?":
                positional += 1
                piece.append(f"${positional}")
                index += 1
                continue
            if char == ":" and index + 1 < len(text) and text[index + 1] == ":":
                piece.append("::")  # a PostgreSQL cast, not a placeholder
                index += 2
                continue
            if char == ":" and (word := _WORD.match(text, index + 1)):
                name = word.group(0)
                if name not in names:
                    names.append(name)
                piece.append(f"${names.index(name) + 1}")
                index = word.end()
                continue
            piece.append(char)
            index += 1
        out.append("".join(piece))
    if positional and names:
        raise PgProgrammingError("a statement mixes ? and :name placeholders")
    translated = "".join(out).rstrip().rstrip(";").rstrip()
    if conflict:
        translated = _before_returning(translated, conflict)
    added = False
    if insert and not returning and insert.group(3).lower() in id_tables:
        translated += " RETURNING id"
        added = returning = True
    first = _WORD.search(translated)
    queries = first is not None and first.group(0).upper() in _ROWS_FIRST
    return Translated(translated, tuple(names) if names else None, positional, queries or returning, queries, added)


def _before_returning(sql: str, clause: str) -> str:
    match = None
    for found in _RETURNING.finditer(sql):
        match = found
    return sql + clause if match is None else sql[: match.start()].rstrip() + clause + " " + sql[match.start() :]


def adapt(value: Any) -> Any:
    """A Python value as sqlite3 would have stored it: booleans as 0/1, dates and datetimes as ISO text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def bind(statement: Translated, parameters: Sequence[Any] | Mapping[str, Any]) -> list[Any]:
    """The arguments for $1..$n, in order, from `?` values or `:name` values."""
    if statement.names is not None:
        if not isinstance(parameters, Mapping):
            raise PgProgrammingError("named placeholders need a mapping of values")
        try:
            return [adapt(parameters[name]) for name in statement.names]
        except KeyError as error:
            raise PgProgrammingError(f"no value for :{error.args[0]}") from error
    if isinstance(parameters, Mapping):
        if statement.positional:
            raise PgProgrammingError("? placeholders need a sequence of values")
        return []
    if len(parameters) != statement.positional:
        raise PgProgrammingError(
            f"the statement has {statement.positional} placeholders but {len(parameters)} values were given"
        )
    return [adapt(value) for value in parameters]


def plain_number(value: Any) -> Any:
    """PostgreSQL sums integers to NUMERIC; SQLite gives an int. Whole decimals come back as ints."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class PgRow(tuple[Any, ...]):
    """A row like sqlite3.Row: by index, by column name, sliced, iterated; `keys()` lists the columns."""

    _columns: dict[str, int]

    def __new__(cls, values: Iterable[Any], columns: dict[str, int]) -> PgRow:
        """A row of `values` whose names are `columns` (name to index)."""
        row = super().__new__(cls, values)
        row._columns = columns
        return row

    def __getitem__(self, key: Any) -> Any:
        """By index or slice as a tuple, or by column name."""
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self._columns[key])
            except KeyError:
                raise IndexError(f"no such column: {key}") from None
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        """The column names, in order."""
        return list(self._columns)


def rows_of(records: list[asyncpg.Record]) -> list[PgRow]:
    """asyncpg records as rows like sqlite3.Row (sums of integers as ints, as SQLite gives them)."""
    if not records:
        return []
    columns = {name: index for index, name in enumerate(records[0].keys())}
    return [PgRow(map(plain_number, record.values()), columns) for record in records]


class PgCursor:
    """The outcome of one statement: its rows, the id it inserted, how many rows it changed."""

    def __init__(self, rows: list[PgRow], rowcount: int, lastrowid: int | None) -> None:
        self.rows_of = rows
        self._next = 0
        self._rowcount = rowcount
        self._lastrowid = lastrowid

    @property
    def lastrowid(self) -> int | None:
        """The id the INSERT gave its row (tables with an identity `id`), else None."""
        return self._lastrowid

    @property
    def rowcount(self) -> int:
        """Rows inserted, changed or deleted; -1 for a query, as in sqlite3."""
        return self._rowcount

    def fetchone(self) -> PgRow | None:
        """The next row, or None."""
        if self._next >= len(self.rows_of):
            return None
        self._next += 1
        return self.rows_of[self._next - 1]

    def fetchall(self) -> list[PgRow]:
        """The remaining rows."""
        rest, self._next = self.rows_of[self._next :], len(self.rows_of)
        return rest

    def close(self) -> None:
        """Nothing to release: the rows were read whole."""

    def __iter__(self) -> Iterator[PgRow]:
        """The remaining rows, one by one."""
        return iter(self.fetchall())


class PgConnection:
    """sqlite3.Connection's subset that work functions use, over one asyncpg connection on this thread's loop."""

    def __init__(self, raw: asyncpg.Connection, loop: asyncio.AbstractEventLoop, id_tables: frozenset[str]) -> None:
        self.raw = raw
        self._loop = loop
        self._id_tables = id_tables
        self._translated: dict[str, Translated] = {}

    @property
    def id_tables(self) -> frozenset[str]:
        """Tables whose INSERTs report `lastrowid` (they have an identity `id` column)."""
        return self._id_tables

    @id_tables.setter
    def id_tables(self, tables: frozenset[str]) -> None:
        self._id_tables = tables
        self._translated.clear()

    def refresh_id_tables(self) -> None:
        """Read from the catalogue which tables have an identity `id` (after migrations, or a table made later)."""
        self.id_tables = frozenset(row[0] for row in self.run(self.raw.fetch(ID_TABLES)))

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (it may have failed and be waiting for ROLLBACK)."""
        return bool(self.raw.is_in_transaction())

    def translate(self, sql: str) -> Translated:
        """`translate`, remembered per statement text."""
        found = self._translated.get(sql)
        if found is None:
            found = self._translated[sql] = translate(sql, self._id_tables)
        return found

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run one asyncpg call to completion on this thread's loop, with its errors in sqlite3's terms."""
        try:
            return self._loop.run_until_complete(coroutine)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise PgIntegrityError(str(error)) from error
        except (asyncpg.DataError, asyncpg.SyntaxOrAccessError, asyncpg.InterfaceError) as error:
            if isinstance(error, asyncpg.InterfaceError) and not isinstance(error, asyncpg.DataError):
                raise PgOperationalError(str(error)) from error
            raise PgProgrammingError(str(error)) from error
        except (TimeoutError, asyncpg.PostgresError, OSError) as error:
            raise PgOperationalError(str(error) or type(error).__name__) from error

    def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = (), /) -> PgCursor:
        """Run one statement; rows, lastrowid and rowcount are ready on the cursor."""
        statement = self.translate(sql)
        arguments = bind(statement, parameters)
        try:
            cursor = self._execute(statement, arguments)
            if _DDL.match(statement.sql):
                self.refresh_id_tables()
            return cursor
        except PgProgrammingError as error:
            # The statement is the code's, never a member's words (values are bound): name it, to fix it.
            raise PgProgrammingError(f"{error} in: {statement.sql}") from error.__cause__

    def _execute(self, statement: Translated, arguments: list[Any]) -> PgCursor:
        if statement.returns_rows:
            rows = rows_of(self.run(self.raw.fetch(statement.sql, *arguments)))
            if statement.added_returning:
                return PgCursor([], len(rows), rows[0][0] if rows else None)
            # DML with RETURNING gives one row per row it changed; a query's rowcount is -1, as in sqlite3.
            return PgCursor(rows, -1 if statement.query else len(rows), None)
        status = self.run(self.raw.execute(statement.sql, *arguments))
        return PgCursor([], _count(status), None)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any] | Mapping[str, Any]], /) -> PgCursor:
        """Run one statement for each set of values, in one round trip."""
        statement = self.translate(sql)
        if statement.added_returning:
            statement = translate(sql)  # ids are not asked for here; executemany returns no rows
        arguments = [bind(statement, values) for values in parameters]
        if arguments:
            self.run(self.raw.executemany(statement.sql, arguments))
        return PgCursor([], -1, None)


def _is_dml(status: str) -> bool:
    return status.split(" ", 1)[0] in {"INSERT", "UPDATE", "DELETE", "MERGE"}


def _count(status: str) -> int:
    """Rows changed, from a command tag such as 'UPDATE 3' or 'INSERT 0 1'; -1 when the tag has none."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() and _is_dml(status) else -1
