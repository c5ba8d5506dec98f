"""When the check-in the member asked for goes out: 10:00 in their zone, never sooner than 12 hours, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.care.service import sensible_checkin_time

LONDON = ZoneInfo("Europe/London")


def test_next_morning_when_asked_in_the_evening() -> None:
    asked = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # 20:00 in London
    assert sensible_checkin_time(asked, LONDON) == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_asked_after_midnight_it_waits_for_the_following_morning() -> None:
    asked = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 01:00: 10:00 today is only 9 hours away
    assert sensible_checkin_time(asked, LONDON) == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def test_across_the_spring_forward_night_it_is_still_10_local() -> None:
    asked = datetime(2026, 3, 28, 18, 0, tzinfo=UTC)  # Saturday; clocks go forward that night
    due = sensible_checkin_time(asked, LONDON)
    assert due.astimezone(LONDON).hour == 10 and due == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)


# hypothesis takes naive bounds and attaches the zone itself.
EARLIEST, LATEST = datetime(2025, 1, 1), datetime(2030, 1, 1)  # noqa: DTZ001


@given(
    st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)),
    st.sampled_from(["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", "Pacific/Auckland"]),
)
def test_always_10_local_between_12_and_36_hours_away(asked: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    due = sensible_checkin_time(asked, zone)
    local = due.astimezone(zone)
    assert (local.hour, local.minute) == (10, 0)
    assert timedelta(hours=12) <= due - asked <= timedelta(hours=37)
