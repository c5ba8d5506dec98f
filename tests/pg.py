"""A real PostgreSQL server for the tests: one migrated template, and a fresh database per test copied from it.

`scripts/test` starts a throwaway server and exports BOUNCEBACK_TEST_DATABASE_URL (a URL of its `postgres`
database, as a superuser); `pytest --postgresql` then runs the storage of every harness on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.database import Database
from bot.storage.pg_sql import PgRow, bind, rows_of, translate
from bot.storage.postgres import PostgresDatabase

URL_VARIABLE = "BOUNCEBACK_TEST_DATABASE_URL"
_counter = itertools.count(1)


def server_url() -> str:
    """The test server's admin URL; a clear error when there is none (a PostgreSQL test is never skipped)."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if not url:
        raise RuntimeError(f"--postgresql needs {URL_VARIABLE} (scripts/test starts a server and sets it)")
    return url


def with_database(url: str, name: str) -> str:
    """The same server URL, pointing at database `name`."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _in_thread(coroutine_factory: Any) -> Any:
    """Run a coroutine to completion on a thread of its own (callable from sync code inside a running loop)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine_factory())
        except BaseException as error:  # handed back to the caller
            outcome["error"] = error

    thread = threading.Thread(target=target, name="test-postgresql")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class Databases:
    """Creates a migrated template once, then one database per test from it; drops them all at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"bb_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self.created: list[str] = []
        self._ready = False

    async def _admin(self, *statements: str) -> None:
        connection = await asyncpg.connect(self.url)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    async def create(self) -> str:
        """A fresh, migrated database; returns its URL."""
        if not self._ready:
            await self._admin(f'DROP DATABASE IF EXISTS "{self.template}"', f'CREATE DATABASE "{self.template}"')
            database = await PostgresDatabase.connect(with_database(self.url, self.template))
            await database.close()
            self._ready = True
        name = f"{self.prefix}_{next(_counter)}"
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return with_database(self.url, name)

    async def drop(self, url: str) -> None:
        """Drop one test's database (its connections are closed by then)."""
        name = urlsplit(url).path.lstrip("/")
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    async def drop_all(self) -> None:
        """Drop what is left, and the template."""
        names = [*self.created, self.template] if self._ready else list(self.created)
        await self._admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))
        self.created.clear()


async def open_test_database(path: Path, url: str | None) -> Database:
    """The run's backend: PostgreSQL at `url` when given (pytest --postgresql), else SQLite at `path`."""
    if url:
        return await PostgresDatabase.connect(url)
    return await Database.open(path)


def query(url: str, sql: str, params: Sequence[Any] = ()) -> list[PgRow]:
    """Run one SQLite-flavoured statement on PostgreSQL from synchronous test code; rows like sqlite3's."""
    statement = translate(sql)

    async def run() -> list[PgRow]:
        connection = await asyncpg.connect(url)
        try:
            arguments = bind(statement, params)
            if statement.returns_rows:
                return rows_of(await connection.fetch(statement.sql, *arguments))
            await connection.execute(statement.sql, *arguments)
            return []
        finally:
            await connection.close()

    rows: list[PgRow] = _in_thread(run)
    return rows


def dump_text(url: str) -> bytes:
    """Every row of every table as text: what a file dump would show, to look for plaintext in."""

    async def run() -> bytes:
        connection = await asyncpg.connect(url)
        try:
            tables = await connection.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )
            parts = []
            for (table,) in tables:
                for record in await connection.fetch(f'SELECT t::text FROM "{table}" t'):  # noqa: S608
                    parts.append(record[0])
            return "\n".join(parts).encode()
        finally:
            await connection.close()

    dumped: bytes = _in_thread(run)
    return dumped
