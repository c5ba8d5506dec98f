"""Every DM the bot sends on its own lands in the member's daytime: their zone, and the next sensible moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.local_time import DAY_END, DAY_START, sensible_moment, zone_of

TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LONDON = ZoneInfo("Europe/London")
ZONES = [
    "UTC",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/Sao_Paulo",
    "Europe/Berlin",
    "Australia/Lord_Howe",
]


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def test_daytime_is_kept_as_it_is() -> None:
    due = at(TOKYO, 2026, 12, 3, 14, 30)
    assert sensible_moment(due, TOKYO) == due
    assert sensible_moment(at(TOKYO, 2026, 12, 3, 9, 0), TOKYO) == at(TOKYO, 2026, 12, 3, 9, 0)


def test_late_evening_moves_to_nine_the_next_morning() -> None:
    assert sensible_moment(at(TOKYO, 2026, 12, 3, 23, 0), TOKYO) == at(TOKYO, 2026, 12, 4, 9, 0)
    assert sensible_moment(at(TOKYO, 2026, 12, 3, 20, 0), TOKYO) == at(TOKYO, 2026, 12, 4, 9, 0)


def test_small_hours_move_to_nine_the_same_morning() -> None:
    assert sensible_moment(at(LOS_ANGELES, 2026, 12, 3, 6, 0), LOS_ANGELES) == at(LOS_ANGELES, 2026, 12, 3, 9, 0)
    assert sensible_moment(at(LOS_ANGELES, 2026, 12, 3, 0, 0), LOS_ANGELES) == at(LOS_ANGELES, 2026, 12, 3, 9, 0)


def test_the_same_instant_is_daytime_in_one_zone_and_night_in_another() -> None:
    due = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo, 06:00 in Los Angeles, 14:00 in London
    assert sensible_moment(due, LONDON) == due
    assert sensible_moment(due, TOKYO) == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
    assert sensible_moment(due, LOS_ANGELES) == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)


def test_across_daylight_saving_nine_stays_nine_local() -> None:
    # London springs forward on 29 March 2026 and falls back on 25 October 2026.
    assert sensible_moment(at(LONDON, 2026, 3, 28, 22, 0), LONDON) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert sensible_moment(at(LONDON, 2026, 10, 24, 22, 0), LONDON) == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)
    # Los Angeles springs forward on 8 March 2026 (02:00 → 03:00): the night is an hour shorter, still 09:00.
    night = datetime(2026, 3, 8, 9, 30, tzinfo=UTC)  # 01:30 PST
    assert sensible_moment(night, LOS_ANGELES) == datetime(2026, 3, 8, 16, 0, tzinfo=UTC)  # 09:00 PDT


def test_the_zone_is_the_nudge_zone_else_the_locale_s_else_utc() -> None:
    assert zone_of("America/Los_Angeles", "ja") == LOS_ANGELES
    assert zone_of(None, "ja") == TOKYO
    assert zone_of("Not/AZone", "en-GB") == LONDON
    assert zone_of(None, "xx") == ZoneInfo("UTC")
    assert zone_of(None, None) == ZoneInfo("UTC")


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        sensible_moment(datetime(2026, 12, 3, 23, 0), TOKYO)  # noqa: DTZ001


@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),  # noqa: DTZ001
    st.sampled_from(ZONES),
)
def test_always_in_daytime_never_earlier_and_never_more_than_a_night_later(naive: datetime, name: str) -> None:
    zone = ZoneInfo(name)
    after = naive.replace(tzinfo=UTC)
    moment = sensible_moment(after, zone)
    local = moment.astimezone(zone).time()
    assert moment >= after
    assert DAY_START <= local < DAY_END
    assert moment - after <= timedelta(hours=14)
    if DAY_START <= after.astimezone(zone).time() < DAY_END:
        assert moment == after


def test_the_care_check_in_hour_is_inside_local_daytime() -> None:
    from bot.care.service import CHECKIN_HOUR

    assert DAY_START <= CHECKIN_HOUR < DAY_END
