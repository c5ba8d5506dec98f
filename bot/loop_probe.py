"""An opt-in event-loop stall probe, for benchmarks: off unless LOOP_PROBE_FILE names a file.

A task sleeps `INTERVAL` again and again and measures how much later than asked it woke up: that oversleep is how
long the loop could not run anything (a blocking call, a long stretch of Python, the garbage collector, or waiting
for a CPU other programs had). Once a second it appends one line to the file, `<unix second> <longest oversleep in
that second, ms>`, so a benchmark can read the longest stall inside the window it measures (for instance while a
nudge round runs) from outside the process. A stall is seen to within `INTERVAL` (it may have begun during a
sleep); the probe itself costs about a hundred wake-ups a second, which is why it is off by default.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)

INTERVAL = 0.01  # seconds between wake-ups: stalls shorter than this are not told apart from none


class LoopProbe:
    """Writes the longest event-loop stall of each second to a file while it runs."""

    def __init__(self, path: Path, interval: float = INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self.longest = 0.0  # seconds, since start
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin sampling on the running loop."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-probe")
        log.info("loop probe writing the longest stall of each second to %s", self.path)

    async def _run(self) -> None:
        second, worst = int(time.time()), 0.0
        with self.path.open("a", encoding="utf-8") as out:
            while True:
                before = time.perf_counter()
                await asyncio.sleep(self.interval)
                lag = max(0.0, time.perf_counter() - before - self.interval)
                now = int(time.time())
                if now != second:
                    out.write(f"{second} {worst * 1000:.1f}\n")
                    out.flush()
                    second, worst = now, 0.0
                worst = max(worst, lag)
                self.longest = max(self.longest, lag)

    async def stop(self) -> None:
        """Stop sampling (the file keeps every full second written so far)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def read_probe(path: Path, since: float, until: float) -> float | None:
    """The longest stall (ms) a probe file records for the seconds overlapping [since, until], or None if none."""
    if not path.exists():
        return None
    found: list[float] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and int(since) <= int(parts[0]) <= until:
            found.append(float(parts[1]))
    return max(found) if found else None
