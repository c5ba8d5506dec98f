"""One source of time, injected so tests and the sandbox can move it forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that can say what time it is, as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current time, aware, in UTC."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """Return the current time, aware, in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; used by tests and the sandbox."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the frozen current time."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move time forward and return the new now."""
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to an aware moment."""
        if moment.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = moment.astimezone(UTC)


def to_iso(moment: datetime) -> str:
    """Store datetimes as ISO 8601 UTC text that sorts correctly."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> datetime:
    """Parse what `to_iso` wrote back into an aware UTC datetime."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def discord_timestamp(moment: datetime, style: str = "F") -> str:
    """Format a moment as a Discord timestamp tag that each reader sees in their own zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


__all__ = ["Clock", "ManualClock", "SystemClock", "discord_timestamp", "from_iso", "timedelta", "to_iso"]
