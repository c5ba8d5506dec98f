"""discord.py's rate-limit buckets, pruned in amortised time.

discord.py 2.7 keeps one rate-limit bucket per route and major parameter, so one per DM channel. Once it knows 256
buckets, every request that meets a new bucket scans all of them for those idle five minutes
(`HTTPClient._try_clear_expired_ratelimits`). A nudge round reaches thousands of new DM channels within five
minutes, so each nudge paid a scan as long as the round so far: measured with benchmarks/bench_cluster.py (50,000
due), 60-70 % of the bot's CPU went there, 7-9 ms a nudge and event-loop stalls of 0.7-2 s. Here the same scan
runs only when the bucket count has doubled since the last one: the same buckets are dropped (idle ones, never a
busy one), at most twice the live buckets are kept, and each request pays amortised O(1).
"""

from __future__ import annotations

import logging
from typing import Any

import discord

log = logging.getLogger(__name__)

# discord.py's own threshold: below it, nothing is pruned.
FLOOR = 256
_PRUNE = "_try_clear_expired_ratelimits"


class AmortisedPrune:
    """The idle-bucket scan, run when the bucket count has doubled since the last one."""

    def __init__(self, buckets: dict[str, Any]) -> None:
        self._buckets = buckets
        self.next_at = FLOOR
        self.scans = 0

    def __call__(self) -> None:
        """Called by discord.py each time it creates a bucket."""
        if len(self._buckets) < self.next_at:
            return
        self.scans += 1
        for key in [key for key, bucket in self._buckets.items() if bucket.is_inactive()]:
            del self._buckets[key]
        self.next_at = max(FLOOR, 2 * len(self._buckets))


def prune_buckets_amortised(http: discord.http.HTTPClient) -> AmortisedPrune | None:
    """Give this client the amortised scan (on the instance: the library's class is untouched). None, with a
    warning, when this discord.py has no such scan to replace."""
    buckets = getattr(http, "_buckets", None)
    if not isinstance(buckets, dict) or not callable(getattr(http, _PRUNE, None)):
        log.warning("this discord.py keeps its rate-limit buckets differently; leaving them as they are")
        return None
    pruner = AmortisedPrune(buckets)
    setattr(http, _PRUNE, pruner)
    return pruner
