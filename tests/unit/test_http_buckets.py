"""The amortised idle-bucket scan on a real discord.py HTTPClient."""

from __future__ import annotations

import asyncio

import discord

from bot.http_buckets import FLOOR, AmortisedPrune, prune_buckets_amortised


async def test_new_buckets_cost_a_scan_only_when_their_count_doubles() -> None:
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    pruner = prune_buckets_amortised(http)
    assert isinstance(pruner, AmortisedPrune)
    for channel in range(5_000):  # one bucket per DM channel, as a nudge round makes them
        http.get_ratelimit(f"POST /channels/{{channel_id}}/messages:{channel}")
    assert len(http._buckets) == 5_000  # all fresh: nothing is idle, nothing dropped
    # 256, 512, 1024, 2048, 4096: five scans, where discord.py's own would have made 4,745.
    assert pruner.scans == 5
    await http.close()


async def test_idle_buckets_are_still_dropped_and_busy_ones_kept() -> None:
    loop = asyncio.get_running_loop()
    http = discord.http.HTTPClient(loop)
    pruner = prune_buckets_amortised(http)
    assert pruner is not None
    for channel in range(FLOOR - 1):
        http.get_ratelimit(f"idle:{channel}")._last_request = loop.time() - 301  # idle five minutes
    busy = http.get_ratelimit("busy:1")  # the 256th bucket: the first scan drops every idle one
    assert list(http._buckets) == ["busy:1"] and http._buckets["busy:1"] is busy
    assert pruner.scans == 1 and pruner.next_at == FLOOR
    await http.close()


def test_a_client_without_the_scan_is_left_alone() -> None:
    class Elsewhere:
        def __init__(self) -> None:
            self._buckets: dict[str, object] = {}

    assert prune_buckets_amortised(Elsewhere()) is None  # type: ignore[arg-type]
