"""The operator's view of `python -m bot`: key checks, unreachable Discord, DEBUG logs, rotate-key and backup."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import PROJECT_ROOT
from bot.storage.database import companion_files
from tests.e2e.mydata_helpers import Marker, keep_vent, log_rejection
from tests.harness import TEST_KEY, Harness, kill_hard


def run_command(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` to completion and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_missing_key_without_development_chosen_exits_2_before_connecting(
    harness: Harness, tmp_path: Path
) -> None:
    key_path = tmp_path / "data" / ".dev-encryption-key"
    env = harness.environment(ENCRYPTION_KEY="", ENCRYPTION_KEY_PATH=str(key_path))
    env.pop("ENVIRONMENT", None)
    connections = harness.emulator.stats.total_requests
    result = await asyncio.to_thread(run_command, env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ENCRYPTION_KEY is not set" in lines[0], result.stderr
    assert "Fernet.generate_key()" in lines[0] and "ENVIRONMENT=development" in lines[0]
    assert not key_path.exists()
    assert harness.emulator.stats.total_requests == connections  # it never logged in


async def test_unreachable_discord_is_one_line_and_exit_3(harness: Harness, tmp_path: Path) -> None:
    port = closed_port()
    env = harness.environment(
        DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}",
        DATABASE_PATH=str(tmp_path / "offline.sqlite3"),
    )
    result = await asyncio.to_thread(run_command, env, cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    # At most discord.py's own "logging in" line before it; the explanation is one line.
    assert len(lines) <= 2 and lines[-1].startswith("bounceback: cannot reach Discord"), result.stderr
    assert f"127.0.0.1:{port}" in lines[-1]
    assert "Traceback" not in result.stderr and harness.emulator.token not in result.stderr


async def test_debug_logging_never_prints_a_members_words(harness: Harness, tmp_path: Path) -> None:
    await harness.stop()
    log_path = tmp_path / "bot.log"
    process = harness.spawn(log_path, LOG_LEVEL="DEBUG")
    try:
        await harness.emulator.wait_for_connection(timeout=30)
        alex = harness.member("alex")
        words = Marker("alex")
        _, message = await log_rejection(alex, "sad", 3, company="Quokkaworks Ltd", role="Wombat wrangler")
        await keep_vent(alex, message, words.text("vent", "nobody read my cover letter, I feel invisible"))
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 20)
    except BaseException:
        kill_hard(process)
        raise
    output = log_path.read_text(encoding="utf-8")
    assert code == 0, output
    assert " DEBUG " in output, "the log must really be at DEBUG for this test to mean anything"
    for secret in ("Quokkaworks", "Wombat wrangler", "quokka", "cover letter", TEST_KEY, harness.emulator.token):
        assert secret not in output, f"{secret!r} appears in the DEBUG log"


@pytest.mark.sqlite_only  # rotate-key works on the SQLite file (PostgreSQL: not yet)
async def test_rotate_key_moves_every_stored_text_to_the_new_key_while_the_bot_runs(
    harness: Harness, tmp_path: Path
) -> None:
    for name in ("alex", "sam"):
        member = harness.member(name)
        _, message = await log_rejection(member, "sad", 2, company=f"{name} Industries")
        await keep_vent(member, message, f"{name} vented here")
    new_key = Fernet.generate_key().decode()
    env = harness.environment(ENCRYPTION_KEY=f"{new_key},{TEST_KEY}")

    result = await asyncio.to_thread(run_command, env, "rotate-key", "--batch-size", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "checkins: 2/2 rows checked" in result.stderr
    assert "4 value(s) re-encrypted" in result.stderr and "can now be removed" in result.stderr
    assert new_key not in result.stderr + result.stdout and TEST_KEY not in result.stderr + result.stdout

    again = await asyncio.to_thread(run_command, env, "rotate-key", cwd=tmp_path)
    assert again.returncode == 0 and "0 value(s) re-encrypted, 4 already on the newest key" in again.stderr

    # The bot, given only the new key, reads everything.
    await harness.restart(encryption_key=new_key)
    rows = await harness.running.database.fetchall("SELECT company_encrypted, vent_encrypted FROM checkins")
    decrypted = sorted((harness.running.cipher.decrypt(c), harness.running.cipher.decrypt(v)) for c, v in rows)
    assert decrypted == [("alex Industries", "alex vented here"), ("sam Industries", "sam vented here")]


async def test_rotate_key_without_a_key_says_what_to_set(harness: Harness, tmp_path: Path) -> None:
    result = await asyncio.to_thread(run_command, harness.environment(ENCRYPTION_KEY=""), "rotate-key", cwd=tmp_path)
    assert result.returncode == 2 and "ENCRYPTION_KEY=NEW_KEY,OLD_KEY" in result.stderr


async def test_file_commands_say_plainly_that_they_do_not_work_on_postgresql(harness: Harness, tmp_path: Path) -> None:
    environment = harness.environment(DATABASE_URL="postgresql://bounceback:pw@/bounceback?host=/nowhere")
    rotated = await asyncio.to_thread(run_command, environment, "rotate-key", cwd=tmp_path)
    assert rotated.returncode == 2 and "SQLite database only" in rotated.stderr
    backed = await asyncio.to_thread(run_command, environment, "backup", str(tmp_path / "copy"), cwd=tmp_path)
    assert backed.returncode == 2 and "pg_dump" in backed.stderr and "pw@" not in backed.stderr
    assert not (tmp_path / "copy").exists()


@pytest.mark.sqlite_only  # PostgreSQL is backed up with pg_dump (README)
async def test_backup_while_the_bot_writes_then_restore_and_start(harness: Harness, tmp_path: Path) -> None:
    alex = harness.member("alex")
    _, message = await log_rejection(alex, "sad", 4, company="Before Backup plc")
    await keep_vent(alex, message, "kept before the backup")
    target = tmp_path / "backups" / "bounceback-backup.sqlite3"
    target.parent.mkdir()

    async def keep_writing() -> int:
        count = 0
        while True:
            await log_rejection(harness.member(f"busy{count}"), "angry", 3, company="During Backup")
            count += 1
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    try:
        await asyncio.sleep(0.3)
        result = await asyncio.to_thread(run_command, harness.environment(), "backup", str(target), cwd=tmp_path)
    finally:
        writer.cancel()
    assert result.returncode == 0, result.stderr
    assert "backed up" in result.stderr and "mode 600" in result.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = copy.execute("SELECT COUNT(*) FROM checkins").fetchone()[0]

    # Restore as the README says: stop the bot, copy the backup over the database, remove stale -wal/-shm, start.
    await harness.stop()
    shutil.copyfile(target, harness.database_path)
    for stale in companion_files(harness.database_path)[1:]:
        stale.unlink(missing_ok=True)
    await harness.start()
    database, cipher = harness.running.database, harness.running.cipher
    assert await database.fetchval("SELECT COUNT(*) FROM checkins") == copied > 1
    first = await database.fetchone("SELECT company_encrypted, vent_encrypted FROM checkins ORDER BY id LIMIT 1")
    assert first is not None
    assert (cipher.decrypt(first[0]), cipher.decrypt(first[1])) == ("Before Backup plc", "kept before the backup")
