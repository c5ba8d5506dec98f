"""Start-up time to ready, and time from `/rejected` to the first reply, against the local emulator.

Run: .venv/bin/python benchmarks/bench_startup.py [--rounds 5] [--checkins 50]
Prints medians and writes bench-results/startup.json. Figures are medians over rounds: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import ManualClock
from emulator import DiscordEmulator
from tests.harness import DEFAULT_START, Harness

RESULTS = Path(__file__).resolve().parent.parent / "bench-results"


async def one_round(checkins: int, guild_ready_timeout: float) -> dict[str, Any]:
    """Start the bot on a fresh database, restart it, and time a series of /rejected."""
    async with DiscordEmulator() as emu:
        guild = emu.create_guild("Job Seekers")
        with tempfile.TemporaryDirectory() as folder:
            harness = Harness(
                emulator=emu,
                guild_id=guild.id,
                database_path=Path(folder) / "bench.sqlite3",
                clock=ManualClock(DEFAULT_START),
                overrides={"guild_ready_timeout": guild_ready_timeout, "log_level": "WARNING"},
            )
            started = time.perf_counter()
            await harness.start()
            cold = time.perf_counter() - started
            await harness.stop()
            started = time.perf_counter()
            await harness.start()
            warm = time.perf_counter() - started
            member = harness.member("alex")
            latencies: list[float] = []
            walls: list[float] = []
            for number in range(checkins):
                before = time.perf_counter()
                result = await member.slash("rejected", company=f"Company {number}", stage="onsite")
                walls.append(time.perf_counter() - before)
                assert result.latency is not None, result
                latencies.append(result.latency)
            await harness.stop()
    return {
        "cold_start_s": cold,
        "restart_s": warm,
        "rejected_latency_median_s": statistics.median(latencies),
        "rejected_latency_max_s": max(latencies),
        "rejected_round_trip_median_s": statistics.median(walls),
    }


async def main() -> None:
    """Run the rounds and report medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--checkins", type=int, default=50)
    parser.add_argument(
        "--guild-ready-timeout",
        type=float,
        default=2.0,
        help="discord.py waits this long after the last server arrives (its default is 2 s)",
    )
    args = parser.parse_args()
    rounds = [await one_round(args.checkins, args.guild_ready_timeout) for _ in range(args.rounds)]
    summary = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    summary["guild_ready_timeout_s"] = args.guild_ready_timeout
    summary["rounds"] = args.rounds
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=2))
    for key, value in summary.items():
        print(f"{key:32} {value:.4f}" if isinstance(value, float) else f"{key:32} {value}")


if __name__ == "__main__":
    asyncio.run(main())
