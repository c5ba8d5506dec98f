"""Global and per-route rate limiting, with the headers discord.py reads."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: Per-route limits used when per-route enforcement is switched on with ``route_rate_limits=True``.
DEFAULT_ROUTE_LIMITS: dict[str, tuple[int, float]] = {
    "POST /channels/{channel_id}/messages": (5, 1.0),
    "PATCH /channels/{channel_id}/messages/{message_id}": (5, 1.0),
    "DELETE /channels/{channel_id}/messages/{message_id}": (5, 1.0),
    "PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me": (1, 0.25),
}
#: Limit advertised (but not enforced) for routes without an explicit limit.
UNENFORCED_LIMIT = (50, 1.0)


def bucket_hash(route_key: str) -> str:
    """A stable opaque bucket id per route template, like Discord's X-RateLimit-Bucket."""
    return hashlib.sha1(route_key.encode(), usedforsecurity=False).hexdigest()[:32]


class GlobalLimiter:
    """Fixed one-second windows over bot-authenticated requests (like Discord's global limit)."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self._window_start = 0.0
        self._count = 0

    def check(self, now: float | None = None) -> float | None:
        """Count a request; return None if allowed, else the seconds until the window resets (not counted)."""
        now = time.monotonic() if now is None else now
        if now - self._window_start >= 1.0:
            self._window_start = now
            self._count = 0
        if self._count >= self.per_second:
            return max(0.001, self._window_start + 1.0 - now)
        self._count += 1
        return None


@dataclass
class _Bucket:
    limit: int
    per: float
    remaining: int
    reset_at: float


@dataclass
class BucketVerdict:
    """The outcome of a per-route check: headers to send and, if limited, the retry delay."""

    headers: dict[str, str]
    retry_after: float | None


class RouteLimiter:
    """Fixed-window buckets per (route template, major parameter)."""

    def __init__(self, limits: dict[str, tuple[int, float]], *, enforce: bool) -> None:
        self.limits = limits
        self.enforce = enforce
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def check(self, route_key: str, major: str) -> BucketVerdict:
        """Consume one request from the bucket and return the headers (and retry delay when exhausted)."""
        now = time.monotonic()
        limit, per = self.limits.get(route_key, UNENFORCED_LIMIT) if self.enforce else UNENFORCED_LIMIT
        enforced = self.enforce and route_key in self.limits
        bucket = self._buckets.get((route_key, major))
        if bucket is None or now >= bucket.reset_at or bucket.limit != limit:
            bucket = _Bucket(limit=limit, per=per, remaining=limit, reset_at=now + per)
            self._buckets[(route_key, major)] = bucket
        reset_after = max(0.0, bucket.reset_at - now)
        retry_after: float | None = None
        if bucket.remaining <= 0:
            if enforced:
                retry_after = max(0.001, reset_after)
            else:
                # Advertised only: start a new window instead of limiting.
                bucket.remaining = bucket.limit
                bucket.reset_at = now + per
                reset_after = per
        if retry_after is None:
            bucket.remaining -= 1
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(0, bucket.remaining)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(route_key),
        }
        return BucketVerdict(headers=headers, retry_after=retry_after)
