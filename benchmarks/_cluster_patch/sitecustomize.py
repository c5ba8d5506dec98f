"""An experiment for bench_cluster.py (`--amortised-bucket-prune`), never loaded by the bot itself.

discord.py 2.7's `HTTPClient.get_ratelimit` scans every rate-limit bucket it knows each time it meets a new one
(once it knows 256), to drop those idle for 5 minutes. Each DM channel is its own bucket, so a nudge round that
reaches N members in 5 minutes pays O(N) per nudge, O(N^2) in all. This replaces the scan with the same scan
done only when the bucket count has doubled since the last one (amortised O(1) a request; at most twice the live
buckets kept), to measure what the bot would gain. Loaded through PYTHONPATH as `sitecustomize`.
"""

from __future__ import annotations

from typing import Any

import discord.http

FLOOR = 256


def _try_clear_expired_ratelimits(self: Any) -> None:
    if len(self._buckets) < getattr(self, "_bench_prune_at", FLOOR):
        return
    for key in [key for key, bucket in self._buckets.items() if bucket.is_inactive()]:
        del self._buckets[key]
    self._bench_prune_at = max(FLOOR, 2 * len(self._buckets))


discord.http.HTTPClient._try_clear_expired_ratelimits = _try_clear_expired_ratelimits  # type: ignore[method-assign]
