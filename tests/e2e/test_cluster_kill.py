"""Three real bot processes, one emulator, one PostgreSQL: kill -9 a random process every few seconds while 20,000
daily nudges and 1,000 feedback follow-ups (durable timers) fall due, and start it again. Every nudge reaches its
member exactly once for the day, every follow-up exactly once, none is lost, and the three stay inside the token's
one global rate limit together (the emulator answers 429 past it and counts them).

The data is written straight into the database (COPY), as the processes would find it on a busy day: schedules due
over the first minute, each member's DM channel known. Counted in the emulator, not in the bot's own tables: the
messages in each member's DM channel that carry a nudge's (or a follow-up's) buttons.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cryptography.fernet import Fernet

from bot.clock import ManualClock, to_iso
from cogs.feedback.flow import FOLLOWUP_KIND
from emulator import DiscordEmulator
from tests.harness import DEFAULT_START, TEST_KEY, Harness, kill_hard

pytestmark = pytest.mark.postgresql
log = logging.getLogger(__name__)

PROCESSES = 3
NUDGES = 20_000
FOLLOWUPS = 1_000
DUE_OVER = timedelta(seconds=60)  # schedules and timers fall due over this first minute
GLOBAL_LIMIT = 400  # the emulator's requests/s for the token, across every process
# The bot's budget, split three ways; each process may burst a tenth over its share, and start-up requests (login,
# gateway) are outside the budget: 352/s at most from the budget, the rest is margin under the limit.
BOT_RATE = 320
KILL_EVERY = (4.0, 7.0)  # seconds between kills, drawn at random
DEADLINE = 480.0  # seconds for everything to arrive: 137 s with the machine's two cores busy, 244 s at load 10
NUDGE_MARK, FOLLOWUP_MARK = "nudge:helpful:", "feedback:replied:"


def marked(emulator: DiscordEmulator, channel_id: int, mark: str) -> int:
    """Messages in a DM channel carrying a button whose custom id starts with `mark`."""
    return sum(
        1
        for message in emulator.channel_messages(channel_id)
        if any((button.custom_id or "").startswith(mark) for button in message.buttons())
    )


async def seed(url: str, nudged: list[tuple[int, int]], followed: list[tuple[int, int]], start: datetime) -> None:
    """Members with known DM channels, 20,000 daily schedules and 1,000 follow-up timers due over DUE_OVER."""
    fernet = Fernet(TEST_KEY.encode())
    subject, body = fernet.encrypt(b"Feedback on my interview").decode(), fernet.encrypt(b"Hello, thanks").decode()
    stamp = to_iso(start)
    connection = await asyncpg.connect(url)
    try:
        users = [(user_id, stamp, channel_id) for user_id, channel_id in [*nudged, *followed]]
        await connection.copy_records_to_table(
            "users", records=users, columns=["user_id", "created_at", "dm_channel_id"]
        )
        schedules = []
        for index, (user_id, _) in enumerate(nudged):
            due = start + DUE_OVER * index / len(nudged)
            schedules.append(
                (
                    user_id,
                    f"{due:%H:%M}",
                    "UTC",
                    None,
                    0,
                    0,
                    "active",
                    to_iso(due),
                    due.date().isoformat(),
                    stamp,
                    stamp,
                )
            )
        await connection.copy_records_to_table(
            "nudge_subscriptions",
            records=schedules,
            columns=[
                "user_id", "local_time", "timezone", "days_total", "days_sent", "sequence", "state", "next_due_at",
                "next_local_date", "created_at", "updated_at",
            ],
        )  # fmt: skip
        sent_at = to_iso(start - timedelta(days=8))  # a week after the request went out: the first follow-up
        requests = [
            (index + 1, user_id, "sent", "brief", subject, body, stamp, stamp, sent_at, 0)
            for index, (user_id, _) in enumerate(followed)
        ]
        await connection.copy_records_to_table(
            "feedback_requests",
            records=requests,
            columns=[
                "id", "user_id", "state", "tone", "subject_encrypted", "body_encrypted", "created_at", "updated_at",
                "sent_at", "asks",
            ],
        )  # fmt: skip
        await connection.execute("SELECT setval(pg_get_serial_sequence('feedback_requests', 'id'), $1)", len(followed))
        timers = [
            (
                FOLLOWUP_KIND,
                user_id,
                to_iso(start + DUE_OVER * index / len(followed)),
                json.dumps({"request_id": index + 1}),
                "pending",
                0,
                stamp,
                stamp,
            )
            for index, (user_id, _) in enumerate(followed)
        ]
        await connection.copy_records_to_table(
            "timers",
            records=timers,
            columns=["kind", "user_id", "due_at", "payload", "state", "attempts", "created_at", "updated_at"],
        )
    finally:
        await connection.close()


async def progress(url: str) -> tuple[int, int]:
    """Nudges recorded as sent, and first follow-ups recorded as done."""
    connection = await asyncpg.connect(url)
    try:
        sent = await connection.fetchval("SELECT COUNT(*) FROM nudge_ledger WHERE status = 'sent'")
        done = await connection.fetchval(
            "SELECT COUNT(*) FROM feedback_requests WHERE last_ask_timer_id IS NOT NULL AND asks = 1"
        )
        return int(sent), int(done)
    finally:
        await connection.close()


@pytest.mark.timeout(DEADLINE + 120)
async def test_three_processes_killed_at_random_deliver_every_nudge_and_follow_up_once(
    tmp_path: Path, database_url: str | None
) -> None:
    assert database_url is not None, "this test runs on PostgreSQL only (pytest --postgresql)"
    emulator = DiscordEmulator(global_rate_limit=GLOBAL_LIMIT)
    await emulator.start()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        guild = emulator.create_guild("Cluster", on_shard=(0, PROCESSES))
        people = [emulator.state.create_user(f"m{n}").id for n in range(NUDGES + FOLLOWUPS)]
        for user_id in people:  # members of a server the bot is in, so it may DM them
            emulator.state.add_member(guild.id, user_id)
        channels = [(user_id, emulator.dm_channel_id(user_id)) for user_id in people]
        nudged, followed = channels[:NUDGES], channels[NUDGES:]
        start = datetime.now(UTC) + timedelta(seconds=5)  # the processes are up by then
        await seed(database_url, nudged, followed, start)

        rig = Harness(emulator, guild.id, tmp_path / "unused.sqlite3", ManualClock(DEFAULT_START), database_url)
        settings = {
            "SHARD_COUNT": str(PROCESSES),
            "TIMER_TICK_SECONDS": "1",
            "NUDGE_RATE_PER_SECOND": str(BOT_RATE),
            "NUDGE_CONCURRENCY": "20",
            "LOG_LEVEL": "WARNING",
            # Compiled modules kept, as on any deployed machine: a restart then costs start-up, not compilation.
            "PYTHONDONTWRITEBYTECODE": "",
        }

        def spawn(shard: int) -> subprocess.Popen[bytes]:
            return rig.spawn(tmp_path / f"shard{shard}.log", SHARD_IDS=str(shard), **settings)

        processes.extend(spawn(shard) for shard in range(PROCESSES))
        began = time.monotonic()
        killed = 0
        chooser = random.Random(18)
        while True:
            await asyncio.sleep(chooser.uniform(*KILL_EVERY))
            sent, done = await progress(database_url)
            print(f"{time.monotonic() - began:6.1f} s: {sent} nudges, {done} follow-ups, {killed} killed")
            if sent >= NUDGES and done >= FOLLOWUPS:
                break
            assert time.monotonic() - began < DEADLINE, f"after {DEADLINE:.0f} s: {sent} nudges, {done} follow-ups"
            shard = chooser.randrange(PROCESSES)
            kill_hard(processes[shard])
            killed += 1
            processes[shard] = spawn(shard)
        elapsed = time.monotonic() - began
        await asyncio.sleep(2)  # anything still in flight (there should be nothing) would arrive now
        for process in processes:
            kill_hard(process)

        nudges = Counter(marked(emulator, channel, NUDGE_MARK) for _, channel in nudged)
        followups = Counter(marked(emulator, channel, FOLLOWUP_MARK) for _, channel in followed)
        busiest = emulator.stats.max_in_window(1.0)
        figures: dict[str, Any] = {
            "killed": killed,
            "seconds": round(elapsed, 1),
            "nudges": dict(nudges),
            "followups": dict(followups),
            "429s": emulator.stats.rate_limited_global,
            "busiest_second": busiest,
            "limit": GLOBAL_LIMIT,
            "requests": emulator.stats.total_requests,
        }
        print(f"cluster kill test: {figures}")  # the figures the closing note quotes
        (tmp_path / "figures.json").write_text(json.dumps(figures))
        logs = "".join((tmp_path / f"shard{shard}.log").read_text(errors="replace") for shard in range(PROCESSES))
        assert killed >= 5, figures
        assert nudges == Counter({1: NUDGES}), figures  # exactly once each: no duplicate, none lost
        assert followups == Counter({1: FOLLOWUPS}), figures
        assert emulator.stats.rate_limited_global == 0, figures
        connection = await asyncpg.connect(database_url)
        try:
            ledger = await connection.fetch("SELECT user_id, local_date, status FROM nudge_ledger")
        finally:
            await connection.close()
        assert len(ledger) == len({(row["user_id"], row["local_date"]) for row in ledger}) == NUDGES
        assert {row["status"] for row in ledger} == {"sent"}
        # Claimers never trip over each other's rows (before SKIP LOCKED, the second INSERT of a ledger row failed).
        assert "duplicate key" not in logs and "UniqueViolation" not in logs, logs[-3000:]
    finally:
        for process in processes:
            if process.poll() is None:
                kill_hard(process)
        await emulator.stop()
