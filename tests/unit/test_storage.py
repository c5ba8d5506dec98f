"""Storage: migrations, pragmas, clear errors for unusable paths, encryption, wording variety."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from bot.content import WordingPicker
from bot.crypto import EncryptionKeyError, TextCipher, load_cipher
from bot.storage import Database, StorageError
from bot.storage.database import load_migrations


async def test_open_applies_migrations_once_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    db = await Database.open(path)
    assert await db.fetchval("PRAGMA journal_mode") == "wal"
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    versions = [row[0] for row in await db.fetchall("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [version for version, _, _ in load_migrations(Path("bot/storage/migrations"))]
    await db.close()
    again = await Database.open(path)
    assert [row[0] for row in await again.fetchall("SELECT version FROM schema_migrations")] == versions
    await again.close()


async def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError, match="not a readable SQLite database"):
        await Database.open(path)


async def test_folder_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="cannot create the folder for DATABASE_PATH"):
        await Database.open(blocker / "sub" / "db.sqlite3")


async def test_path_that_is_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="DATABASE_PATH"):
        await Database.open(tmp_path)


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "t.sqlite3")
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')")
            raise RuntimeError("abort")
    assert await db.fetchval("SELECT COUNT(*) FROM meta") == 0
    await db.close()


def test_cipher_round_trip_and_wrong_key(tmp_path: Path) -> None:
    cipher = load_cipher(None, environment="development", dev_key_path=tmp_path / "key")
    token = cipher.encrypt("I am gutted")
    assert "gutted" not in token
    assert cipher.decrypt(token) == "I am gutted"
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    same = load_cipher(None, environment="development", dev_key_path=tmp_path / "key")
    assert same.decrypt(token) == "I am gutted"
    other = TextCipher(b"A" * 43 + b"=")
    with pytest.raises(ValueError, match="cannot be decrypted"):
        other.decrypt(token)


def test_production_needs_a_key(tmp_path: Path) -> None:
    with pytest.raises(EncryptionKeyError, match="ENCRYPTION_KEY is not set"):
        load_cipher(None, environment="production", dev_key_path=tmp_path / "key")
    with pytest.raises(EncryptionKeyError, match="not a valid Fernet key"):
        load_cipher("short", environment="production", dev_key_path=tmp_path / "key")


async def test_wording_never_repeats_twice_in_a_row(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "w.sqlite3")
    picker = WordingPicker(db, random.Random(4))
    variants = ["a", "b", "c"]
    picks = [await picker.pick(1, "topic", variants) for _ in range(40)]
    assert all(first != second for first, second in itertools.pairwise(picks))
    assert set(picks) == set(variants)
    assert await picker.pick(2, "solo", ["only"]) == "only"
    await db.close()
