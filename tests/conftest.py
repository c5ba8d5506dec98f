"""Fixtures: a started emulator with a demo server, and a harness running the real bot against it.

`pytest --postgresql` runs every harness on PostgreSQL (a fresh database per test, from BOUNCEBACK_TEST_DATABASE_URL's
server), and the tests marked `postgresql`; it leaves out the tests marked `sqlite_only` (about the SQLite file
itself) and those that never start the bot. scripts/test runs the suite once each way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from emulator import DiscordEmulator
from tests.harness import DEFAULT_START, Harness


def pytest_addoption(parser: pytest.Parser) -> None:
    """--postgresql: the bot under test stores in PostgreSQL."""
    parser.addoption(
        "--postgresql",
        action="store_true",
        help="run the harness on PostgreSQL (needs BOUNCEBACK_TEST_DATABASE_URL; scripts/test provides a server)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, and refuse --postgresql without a server rather than skip its tests."""
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself; left out of --postgresql runs")
    config.addinivalue_line("markers", "postgresql: needs the PostgreSQL server; runs only with --postgresql")
    config.addinivalue_line("markers", "both_backends: runs on SQLite, and again with --postgresql")
    if config.getoption("--postgresql"):
        from tests.pg import server_url

        try:
            server_url()
        except RuntimeError as error:
            raise pytest.UsageError(str(error)) from None


def _on_postgresql(item: pytest.Item) -> bool:
    """Whether a test belongs in a PostgreSQL run: it needs the server, or runs the bot (the harness) and is not
    about the SQLite file."""
    if item.get_closest_marker("postgresql") is not None or item.get_closest_marker("both_backends") is not None:
        return True
    return "harness" in getattr(item, "fixturenames", ()) and item.get_closest_marker("sqlite_only") is None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (never skip) what does not belong in this run: on SQLite, the tests that need a PostgreSQL server;
    on PostgreSQL, the tests that store nothing, or only in a SQLite file."""
    if config.getoption("--postgresql"):
        kept = [item for item in items if _on_postgresql(item)]
    else:
        kept = [item for item in items if item.get_closest_marker("postgresql") is None]
    chosen = {id(item) for item in kept}
    left_out = [item for item in items if id(item) not in chosen]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(scope="session")
def postgresql_databases(request: pytest.FixtureRequest) -> Iterator[object | None]:
    """The PostgreSQL test databases of this run (None when the run is on SQLite)."""
    if not request.config.getoption("--postgresql"):
        yield None
        return
    import asyncio

    from tests.pg import Databases, server_url

    databases = Databases(server_url())
    yield databases
    asyncio.run(databases.drop_all())


@pytest.fixture
async def database_url(postgresql_databases: object | None) -> AsyncIterator[str | None]:
    """A fresh migrated PostgreSQL database for this test, or None on SQLite."""
    if postgresql_databases is None:
        yield None
        return
    from tests.pg import Databases

    assert isinstance(postgresql_databases, Databases)
    url = await postgresql_databases.create()
    yield url
    await postgresql_databases.drop(url)


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    """A fresh local Discord for one test."""
    emu = DiscordEmulator()
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def harness(emulator: DiscordEmulator, tmp_path: Path, database_url: str | None) -> AsyncIterator[Harness]:
    """The bot, started and ready, in a demo server called Job Seekers."""
    guild = emulator.create_guild(name="Job Seekers")
    rig = Harness(
        emulator=emulator,
        guild_id=guild.id,
        database_path=tmp_path / "bounceback.sqlite3",
        database_url=database_url,
        clock=ManualClock(DEFAULT_START),
    )
    await rig.start()
    try:
        yield rig
    finally:
        await rig.stop()
