"""Safe by default for an operator: the key, file modes, rotation, backups, secure deletion, logs, proxies."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import stat
import threading
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.clock import ManualClock, to_iso
from bot.config import Settings, cleartext_endpoints
from bot.crypto import EncryptionKeyError, TextCipher, load_cipher
from bot.logging_setup import configure_logging
from bot.maintenance import backup_database, encrypted_columns, rotate_keys
from bot.retention import purge_expired_vents
from bot.storage import Database
from bot.storage.database import companion_files
from bot.storage.userdata import MemberData

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ALEX, BOB = 381_000_000_000_000_001, 381_000_000_000_000_002


def mode(path: Path) -> int:
    """A file's permission bits."""
    return stat.S_IMODE(path.stat().st_mode)


def on_disk(path: Path) -> bytes:
    """The raw bytes of the database and its -wal and -shm files."""
    return b"".join(file.read_bytes() for file in companion_files(path) if file.exists())


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fully migrated database in a folder the bot creates."""
    database = await Database.open(tmp_path / "state" / "bounceback.sqlite3")
    try:
        yield database
    finally:
        await database.close()


async def add_checkin(db: Database, cipher: TextCipher, user_id: int, vent: str, *, kept: datetime = NOW) -> int:
    """A check-in with a kept vent and a company, both encrypted."""
    return await db.execute(
        "INSERT INTO checkins (user_id, created_at, company_encrypted, feeling, vent_encrypted, vent_kept_at)"
        " VALUES (?, ?, ?, 'sad', ?, ?)",
        (user_id, to_iso(kept), cipher.encrypt(f"{vent} company"), cipher.encrypt(vent), to_iso(kept)),
    )


# 1. A missing key is an error unless development was chosen on purpose.


def test_environment_is_unset_by_default() -> None:
    settings = Settings(_env_file=None, discord_token=SecretStr("a-real-looking-token-123456"))  # type: ignore[call-arg]
    assert settings.environment is None


def test_a_missing_key_without_development_chosen_refuses_and_says_how_to_make_one(tmp_path: Path) -> None:
    key_path = tmp_path / "data" / ".dev-encryption-key"
    with pytest.raises(EncryptionKeyError) as caught:
        load_cipher(None, environment=None, dev_key_path=key_path)
    message = str(caught.value)
    assert "ENCRYPTION_KEY is not set" in message and "Fernet.generate_key()" in message
    assert "ENVIRONMENT=development" in message and "\n" not in message
    assert not key_path.exists() and not key_path.parent.exists()


def test_development_chosen_on_purpose_creates_an_owner_only_key_in_an_owner_only_folder(tmp_path: Path) -> None:
    key_path = tmp_path / "fresh" / ".dev-encryption-key"
    cipher = load_cipher(None, environment="development", dev_key_path=key_path)
    assert mode(key_path) == 0o600 and mode(key_path.parent) == 0o700
    assert load_cipher(None, environment="development", dev_key_path=key_path).decrypt(cipher.encrypt("x")) == "x"


def test_a_key_file_open_to_others_is_warned_about_without_its_contents(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key_path = tmp_path / ".dev-encryption-key"
    key = Fernet.generate_key()
    key_path.write_bytes(key)
    key_path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="bot.crypto"):
        load_cipher(None, environment="development", dev_key_path=key_path)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "chmod 600" in warnings[0] and str(key_path) in warnings[0]
    assert key.decode() not in caplog.text


# 2. File modes.


async def test_the_database_folder_is_0700_and_its_files_0600(tmp_path: Path) -> None:
    path = tmp_path / "new" / "bounceback.sqlite3"
    database = await Database.open(path)
    try:
        await database.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
        assert mode(path.parent) == 0o700
        files = [file for file in companion_files(path) if file.exists()]
        assert len(files) == 3  # the -wal and -shm exist while the bot runs
        assert {file.name: mode(file) for file in files} == {file.name: 0o600 for file in files}
    finally:
        await database.close()


async def test_a_database_open_to_others_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "shared.sqlite3"
    await (await Database.open(path)).close()
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        await (await Database.open(path)).close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "the database" in warnings[0] and "chmod 600" in warnings[0]


# 3. Several keys, and rotation.


def test_several_keys_decrypt_with_any_and_encrypt_with_the_newest() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    stored = TextCipher(old).encrypt("before the rotation")
    both = load_cipher(f"{new.decode()}, {old.decode()}", environment=None, dev_key_path=Path("/nonexistent"))
    assert both.decrypt(stored) == "before the rotation"
    assert Fernet(new).decrypt(both.encrypt("after").encode()) == b"after"
    assert not both.is_current(stored) and both.is_current(both.rotate(stored))


async def test_rotation_finds_every_encrypted_column_and_moves_it_to_the_newest_key(
    db: Database, tmp_path: Path
) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    cipher_old = TextCipher(old)
    # A table no code knows about yet: found by the `_encrypted` naming convention alone.
    await db.execute("CREATE TABLE diary (user_id INTEGER, entry_encrypted TEXT, plain TEXT)")
    await db.execute("INSERT INTO diary VALUES (?, ?, 'left alone')", (ALEX, cipher_old.encrypt("diary text")))
    for number in range(7):
        await add_checkin(db, cipher_old, ALEX, f"vent {number}")
    await db.execute("UPDATE checkins SET vent_encrypted = NULL WHERE id = 3")
    both = TextCipher(new, old)

    with closing(sqlite3.connect(db.path)) as connection:
        columns = encrypted_columns(connection)
    assert columns["diary"] == ["entry_encrypted"]
    assert {"company_encrypted", "role_encrypted", "vent_encrypted"} <= set(columns["checkins"])

    lines: list[str] = []

    def interrupt_after_first_batch(line: str) -> None:
        lines.append(line)
        if len(lines) == 1:
            raise KeyboardInterrupt  # Ctrl-C in the middle of a run

    with pytest.raises(KeyboardInterrupt):
        rotate_keys(db.path, both, batch_size=3, progress=interrupt_after_first_batch)
    report = rotate_keys(db.path, both, batch_size=3, progress=lines.append)
    # The first batch (rows 1-3: three companies, two vents) was committed before the interrupt.
    assert (report.rotated, report.current, report.unreadable) == (7 + 6 - 5 + 1, 5, 0)
    assert any(line.startswith("checkins: ") and line.endswith("/7 rows checked") for line in lines)

    newest_only = TextCipher(new)
    stored = await db.fetchall("SELECT company_encrypted, vent_encrypted FROM checkins ORDER BY id")
    assert [newest_only.decrypt(row[0]) for row in stored] == [f"vent {n} company" for n in range(7)]
    assert [newest_only.decrypt_optional(row[1]) for row in stored][1:4] == ["vent 1", None, "vent 3"]
    assert newest_only.decrypt(await db.fetchval("SELECT entry_encrypted FROM diary")) == "diary text"
    assert await db.fetchval("SELECT plain FROM diary") == "left alone"

    again = rotate_keys(db.path, both, progress=lines.append)
    assert (again.rotated, again.current, again.unreadable) == (0, 14, 0)


async def test_rotation_leaves_values_no_key_can_read_and_counts_them(db: Database) -> None:
    await add_checkin(db, TextCipher(Fernet.generate_key()), ALEX, "lost key")
    report = rotate_keys(db.path, TextCipher(Fernet.generate_key()), progress=lambda _: None)
    assert (report.rotated, report.unreadable) == (0, 2)


# 4. Backups while a writer is active, and restoring one.


async def test_backup_while_writing_is_consistent_private_and_restores(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "live.sqlite3")
    cipher = TextCipher(Fernet.generate_key())
    await add_checkin(db, cipher, ALEX, "written before the backup")
    stop, busy = threading.Event(), threading.Event()
    written: list[int] = []

    def writer() -> None:
        # Another connection keeps committing while the copy is taken, as the running bot would.
        with closing(sqlite3.connect(db.path, timeout=10, isolation_level=None)) as connection:
            while not stop.is_set():
                connection.execute("INSERT INTO meta (key, value) VALUES (?, 'x')", (f"k{len(written)}",))
                written.append(1)
                if len(written) == 20:
                    busy.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert await asyncio.to_thread(busy.wait, 10)
        target = tmp_path / "backups" / "copy.sqlite3"
        target.parent.mkdir()
        backup_database(db.path, target)
        backup_database(db.path, target)  # replaces the earlier copy
    finally:
        stop.set()
        thread.join()
    assert mode(target) == 0o600
    assert not list(target.parent.glob(".*partial*")) and not target.with_name(target.name + "-wal").exists()
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = copy.execute("SELECT COUNT(*) FROM meta").fetchone()[0]
    assert 0 < copied <= len(written)

    # Restore as the README says: stop, copy over the database, remove stale -wal/-shm, start.
    await db.close()
    shutil.copyfile(target, db.path)
    for stale in companion_files(db.path)[1:]:
        stale.unlink(missing_ok=True)
    restored = await Database.open(db.path)
    try:
        assert await restored.fetchval("SELECT COUNT(*) FROM meta") == copied
        vent = await restored.fetchval("SELECT vent_encrypted FROM checkins")
        assert cipher.decrypt(vent) == "written before the backup"
    finally:
        await restored.close()


def test_backup_of_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    from bot.storage import StorageError

    with pytest.raises(StorageError, match="does not exist"):
        backup_database(tmp_path / "nothing.sqlite3", tmp_path / "copy.sqlite3")
    assert not (tmp_path / "nothing.sqlite3").exists()


# 5. Deleted words leave no copy in any database file.


async def test_deleting_a_member_leaves_their_ciphertext_in_no_database_file(db: Database) -> None:
    cipher = TextCipher(Fernet.generate_key())
    for number in range(5):
        await add_checkin(db, cipher, ALEX, f"alex's private words {number} " + "x" * 200)
    await add_checkin(db, cipher, BOB, "bob stays")
    rows = await db.fetchall("SELECT vent_encrypted FROM checkins WHERE user_id = ?", (ALEX,))
    alex_tokens = [row[0] for row in rows]
    assert all(token.encode() in on_disk(db.path) for token in alex_tokens)  # the scan sees live data

    # Many SQLite builds (Debian's among them) already default to it; others, e.g. python.org's, do not.
    assert await db.fetchval("PRAGMA secure_delete") == 1
    await MemberData(db, cipher, ManualClock(NOW)).delete(ALEX)

    raw = on_disk(db.path)
    for token in alex_tokens:
        assert token.encode() not in raw
        assert token.encode()[:40] not in raw  # not even a fragment of a page
    bob = await db.fetchval("SELECT vent_encrypted FROM checkins WHERE user_id = ?", (BOB,))
    assert bob.encode() in raw


async def test_purged_vents_leave_no_copy_in_any_database_file(db: Database) -> None:
    cipher = TextCipher(Fernet.generate_key())
    await add_checkin(db, cipher, ALEX, "an old vent " + "y" * 200, kept=NOW - timedelta(days=40))
    token = await db.fetchval("SELECT vent_encrypted FROM checkins")
    assert await purge_expired_vents(db, NOW, 30) == 1
    assert token.encode()[:40] not in on_disk(db.path)


# 6. DEBUG logging never carries bound SQL parameters or message bodies.


async def test_debug_logging_keeps_library_loggers_that_print_data_quiet(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("DEBUG")
    try:
        for name in ("aiosqlite", "discord.http", "discord.gateway", "asyncio"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        assert logging.getLogger("bot.anything").isEnabledFor(logging.DEBUG)
        with caplog.at_level(logging.DEBUG):
            caplog.handler.setLevel(logging.DEBUG)
            await db.execute("INSERT INTO meta (key, value) VALUES ('k', 'a member wrote this')")
            await db.fetchall("SELECT * FROM meta WHERE value = ?", ("a member wrote this",))
        assert "a member wrote this" not in caplog.text
    finally:
        configure_logging("INFO")


# 7. A proxy reached in clear text over a network is warned about.


def endpoint_settings(api: str | None, gateway: str | None) -> Settings:
    """Settings with only the proxy URLs of interest."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        discord_token=SecretStr("a-real-looking-token-123456"),
        discord_api_base=api,
        discord_gateway_url=gateway,
    )


def test_cleartext_proxies_off_this_machine_are_warned_about() -> None:
    warnings = cleartext_endpoints(endpoint_settings("http://proxy.example:8080/api/v10", "ws://10.0.0.5:9000"))
    assert len(warnings) == 2
    assert warnings[0].startswith("DISCORD_API_BASE uses http:// to proxy.example") and "unencrypted" in warnings[0]
    assert warnings[1].startswith("DISCORD_GATEWAY_URL uses ws:// to 10.0.0.5")


@pytest.mark.parametrize(
    ("api", "gateway"),
    [
        ("http://127.0.0.1:8080/api/v10", "ws://localhost:9000"),
        ("http://[::1]:8080", "ws://127.8.0.1"),
        ("https://proxy.example/api/v10", "wss://proxy.example"),
        (None, None),
    ],
)
def test_loopback_or_encrypted_proxies_are_not_warned_about(api: str | None, gateway: str | None) -> None:
    assert cleartext_endpoints(endpoint_settings(api, gateway)) == []
