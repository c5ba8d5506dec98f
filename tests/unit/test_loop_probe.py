"""The opt-in loop stall probe (LOOP_PROBE_FILE): it sees a blocked loop, and reads back by window."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.loop_probe import LoopProbe, read_probe


async def test_a_blocked_loop_shows_up_as_a_stall_at_least_as_long(tmp_path: Path) -> None:
    path = tmp_path / "probe.txt"
    probe = LoopProbe(path)
    began = time.time()
    probe.start()
    await asyncio.sleep(0.05)
    time.sleep(0.08)  # noqa: ASYNC251  # the stall under test
    stalled_in = int(time.time())
    await asyncio.sleep(stalled_in + 1 - time.time() + 0.1)  # the probe writes that second once the next begins
    await probe.stop()
    assert probe.longest >= 0.07
    recorded = read_probe(path, began, time.time())
    assert recorded is not None and recorded >= 70.0
    assert read_probe(path, began - 100, began - 50) is None


def test_reading_a_missing_file_gives_none(tmp_path: Path) -> None:
    assert read_probe(tmp_path / "absent.txt", 0, time.time()) is None
