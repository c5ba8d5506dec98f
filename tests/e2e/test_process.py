"""`python -m bot` as a person runs it: clear exits for bad configuration, clean shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from tests.harness import Harness, kill_hard, plaintext


def run_bot(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot` to completion (it should exit by itself) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def bare_environment(harness: Harness) -> dict[str, str]:
    """The harness environment without a token."""
    env = harness.environment()
    env.pop("DISCORD_TOKEN")
    return env


async def test_no_token_exits_2_with_one_clear_line(harness: Harness, tmp_path: Path) -> None:
    result = await asyncio.to_thread(run_bot, bare_environment(harness), tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DISCORD_TOKEN" in lines[0] and ".env" in lines[0] and "--sandbox" in lines[0]
    assert "Traceback" not in result.stderr


async def test_bad_setting_exits_2_naming_it(harness: Harness, tmp_path: Path) -> None:
    result = await asyncio.to_thread(run_bot, harness.environment(LOG_LEVEL="LOUD", TIMER_TICK_SECONDS="-1"), tmp_path)
    assert result.returncode == 2
    assert "LOG_LEVEL" in result.stderr and "TIMER_TICK_SECONDS" in result.stderr
    assert "Traceback" not in result.stderr


async def test_invalid_token_exits_2_and_is_never_logged(harness: Harness, tmp_path: Path) -> None:
    secret = "not-the-emulator-token-abcdef123456"
    result = await asyncio.to_thread(run_bot, harness.environment(DISCORD_TOKEN=secret), tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr
    assert secret not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.sqlite_only
async def test_corrupt_database_exits_2_with_a_clear_line(harness: Harness, tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"definitely not sqlite" * 200)
    result = await asyncio.to_thread(run_bot, harness.environment(DATABASE_PATH=str(broken)), tmp_path)
    assert result.returncode == 2
    assert "DATABASE_PATH" in result.stderr and "corrupt" in result.stderr
    assert "Traceback" not in result.stderr


async def test_unreachable_postgresql_exits_2_with_a_clear_line(harness: Harness, tmp_path: Path) -> None:
    url = f"postgresql://bounceback:{'s3cret'}@/bounceback?host={tmp_path / 'no-server-here'}"
    result = await asyncio.to_thread(run_bot, harness.environment(DATABASE_URL=url), tmp_path)
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr and "cannot connect" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


async def test_sigterm_shuts_down_cleanly(harness: Harness, tmp_path: Path) -> None:
    await harness.stop()
    log_path = tmp_path / "bot.log"
    process = harness.spawn(log_path)
    try:
        await harness.emulator.wait_for_connection(timeout=30)
        alex = harness.member("alex")
        result = await alex.slash("rejected", company="Acme")
        assert result.ephemeral
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 20)
    except BaseException:
        kill_hard(process)
        raise
    output = log_path.read_text()
    assert code == 0, output
    assert "stopped cleanly" in output
    assert "Traceback" not in output
    assert harness.emulator.token not in output
    assert harness.integrity() == "ok"
    stored = harness.rows("SELECT company_encrypted FROM checkins")
    assert [plaintext(row[0]) for row in stored] == ["Acme"]
