"""Clock helpers: aware UTC only, ISO round trips that sort, Discord timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock, discord_timestamp, from_iso, to_iso


def test_iso_round_trip_normalises_to_utc() -> None:
    local = datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/London")).replace(hour=3)
    assert from_iso(to_iso(local)) == local
    assert to_iso(local).endswith("Z")


def test_iso_text_sorts_like_time() -> None:
    moments = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=17 * n) for n in range(50)]
    assert sorted(to_iso(m) for m in reversed(moments)) == [to_iso(m) for m in moments]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_iso(datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2026, 1, 1))  # noqa: DTZ001


def test_manual_clock_moves_forward_only() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.advance(timedelta(days=1)) == datetime(2026, 1, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))


def test_discord_timestamp() -> None:
    assert discord_timestamp(datetime(2026, 1, 1, tzinfo=UTC), "R") == "<t:1767225600:R>"
