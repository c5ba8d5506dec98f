"""Encryption at rest: nothing a member writes is readable in the database files; keys are handled safely."""

from __future__ import annotations

import asyncio
import logging
import subprocess
from pathlib import Path

import pytest

from bot.crypto import EncryptionKeyError, load_cipher
from tests.e2e.mydata_helpers import Marker, finish_feedback, loaded, rows, seed_member, set_up_wins_channel
from tests.harness import Harness, message_of


def database_bytes(harness: Harness) -> bytes:
    """The raw bytes of the SQLite file and its -wal / -shm companions (what a stolen disk would show).

    On PostgreSQL: every row of every table as text, what a stolen dump would show.
    """
    if harness.database_url:
        return harness.stored_bytes()
    path = harness.database_path
    companions = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(file.read_bytes() for file in companions if file.exists())


async def test_free_text_never_reaches_the_database_file_in_plaintext(harness: Harness) -> None:
    await set_up_wins_channel(harness)
    alex = harness.member("alex")
    words = Marker("alex")
    await seed_member(harness, alex, words)
    await finish_feedback(harness, [(alex, words)])

    expected = {"vent"}
    for command, places in (
        ("reflect", {"hard", "well", "practise", "differently"}),
        ("feedback", {"interviewer", "note"}),
        ("win", {"win", "windraft"}),
        ("practice", {"answer"}),
    ):
        if loaded(harness, command):
            expected |= places
    assert expected <= set(words.written)

    # While running (data may still sit in the write-ahead log) and after a clean shutdown (checkpointed).
    for moment in ("running", "stopped"):
        raw = database_bytes(harness)
        assert b"disappointed" in raw, "the scan must see live data (the feeling key is stored as is)"
        assert b"alexCorp" not in raw, f"the company name is readable in the database file ({moment})"
        for place, phrase in words.written.items():
            assert phrase.encode() not in raw, f"{place} text is readable in the database file ({moment})"
            assert b"quokka" not in raw
        if moment == "running":
            await harness.stop()
    await harness.start()

    # The words are all still there for the member, decrypted on the way out.
    vents = rows(harness, "SELECT vent_encrypted FROM checkins WHERE user_id = ?", (alex.user_id,))
    assert harness.running.cipher.decrypt(vents[0][0]) == words.written["vent"]


def test_a_development_key_is_created_once_under_data_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key_path = tmp_path / "data" / ".dev-encryption-key"
    with caplog.at_level(logging.WARNING, logger="bot.crypto"):
        cipher = load_cipher(None, environment="development", dev_key_path=key_path)
    assert key_path.exists() and key_path.stat().st_mode & 0o777 == 0o600
    assert any("created a development key" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    caplog.clear()
    again = load_cipher(None, environment="development", dev_key_path=key_path)
    assert again.decrypt(cipher.encrypt("same key")) == "same key"
    assert not caplog.records  # reused quietly


def test_production_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(EncryptionKeyError, match="ENCRYPTION_KEY is not set"):
        load_cipher(None, environment="production", dev_key_path=tmp_path / "never-made")
    assert not (tmp_path / "never-made").exists()


async def test_the_bot_process_exits_with_a_clear_message_when_production_has_no_key(
    harness: Harness, tmp_path: Path
) -> None:
    log_path = tmp_path / "bot.log"
    process = harness.spawn(
        log_path,
        ENVIRONMENT="production",
        ENCRYPTION_KEY="",
        DATABASE_PATH=str(tmp_path / "prod.sqlite3"),
        ENCRYPTION_KEY_PATH=str(tmp_path / "must-not-exist"),
    )
    try:
        # Waited for in a thread: the emulator the process talks to runs on this test's event loop.
        code = await asyncio.to_thread(process.wait, 30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    output = log_path.read_text(encoding="utf-8")
    assert code == 2, output
    assert "ENCRYPTION_KEY is not set" in output
    assert "Traceback" not in output
    assert not (tmp_path / "must-not-exist").exists()


async def test_a_dev_key_lets_the_bot_run_and_encrypt(harness: Harness, tmp_path: Path) -> None:
    key_path = tmp_path / "fresh" / ".dev-encryption-key"
    await harness.stop()
    harness.database_path = tmp_path / "dev.sqlite3"
    await harness.start(encryption_key=None, encryption_key_path=key_path, environment="development")
    assert key_path.exists()
    alex = harness.member("alex")
    words = Marker("alex")
    start = await alex.slash("rejected")
    picked = await alex.select(message_of(start), "checkin:feeling", ["sad"])
    final = await alex.click(message_of(picked), next(b.custom_id or "" for b in message_of(picked).buttons()))
    opened = await alex.click(message_of(final), "Vent privately")
    assert opened.modal is not None
    await alex.submit_modal(opened.modal, {"vent": words.text("vent", "dev mode"), "keep": ["yes"]})
    assert words.written["vent"].encode() not in database_bytes(harness)
