"""Counters the emulator keeps so tests can measure the bot's behaviour."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass
class EmulatorStats:
    """Request, rate-limit, gateway and interaction counters (timestamps are ``time.monotonic()``)."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    total_requests: int = 0
    request_times: list[float] = field(default_factory=list)
    bot_request_times: list[float] = field(default_factory=list)
    rate_limited_global: int = 0
    rate_limited_route: int = 0
    faults_injected: int = 0
    identifies: int = 0
    resumes: int = 0
    failed_resumes: int = 0
    heartbeats: int = 0
    connections: int = 0
    dispatches: int = 0
    reconnects_requested: int = 0
    sessions_invalidated: int = 0
    interaction_latencies: list[float] = field(default_factory=list)
    late_interaction_callbacks: int = 0

    @property
    def rate_limited(self) -> int:
        """Total 429s sent (global + per-route; not counting injected faults)."""
        return self.rate_limited_global + self.rate_limited_route

    def count(self, method: str, route: str) -> int:
        """Requests seen for a method and route template, e.g. ``("POST", "/channels/{channel_id}/messages")``."""
        return self.requests[(method.upper(), route)]

    def max_in_window(self, window: float = 1.0, *, bot_only: bool = True) -> int:
        """Largest number of requests that arrived within any ``window``-second span."""
        times = sorted(self.bot_request_times if bot_only else self.request_times)
        best = 0
        start = 0
        for end, t in enumerate(times):
            while t - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def reset(self) -> None:
        """Zero every counter."""
        fresh = EmulatorStats()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))
