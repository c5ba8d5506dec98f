"""The forgiving check-in streak: one missed day is forgiven, two in a row end the run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.progress.streaks import current_streak, local_day

TODAY = date(2026, 11, 26)


def days_ago(*offsets: int) -> set[date]:
    """Dates `offsets` days before TODAY (0 = today)."""
    return {TODAY - timedelta(days=offset) for offset in offsets}


def test_no_check_ins_is_no_streak() -> None:
    streak = current_streak(set(), TODAY)
    assert (streak.days, streak.graces_used, streak.active, streak.at_risk) == (0, 0, False, False)
    assert streak.fillable_day == TODAY - timedelta(days=1)


def test_consecutive_days_including_today() -> None:
    streak = current_streak(days_ago(0, 1, 2, 3), TODAY)
    assert (streak.days, streak.graces_used, streak.checked_in_today, streak.at_risk) == (4, 0, True, False)
    assert streak.fillable_day is None


def test_today_not_over_yet_does_not_break_the_run() -> None:
    streak = current_streak(days_ago(1, 2, 3), TODAY)
    assert (streak.days, streak.checked_in_today, streak.at_risk) == (3, False, False)


def test_one_missed_day_is_forgiven() -> None:
    streak = current_streak(days_ago(0, 2, 3), TODAY)
    assert (streak.days, streak.graces_used) == (3, 1)
    assert streak.fillable_day == TODAY - timedelta(days=1)


def test_two_missed_days_in_a_row_end_the_run() -> None:
    streak = current_streak(days_ago(0, 3, 4, 5), TODAY)
    assert (streak.days, streak.graces_used) == (1, 0)


def test_several_single_gaps_are_each_forgiven() -> None:
    streak = current_streak(days_ago(0, 2, 4, 5), TODAY)
    assert (streak.days, streak.graces_used) == (4, 2)


def test_yesterday_missed_and_nothing_today_is_at_risk() -> None:
    streak = current_streak(days_ago(2, 3), TODAY)
    assert (streak.days, streak.at_risk, streak.graces_used) == (2, True, 1)
    assert streak.fillable_day == TODAY - timedelta(days=1)


def test_three_days_of_silence_is_no_streak() -> None:
    streak = current_streak(days_ago(3, 4, 5), TODAY)
    assert (streak.days, streak.at_risk) == (0, False)


def test_filling_in_the_missed_day_keeps_the_run_going() -> None:
    before = current_streak(days_ago(2, 3), TODAY)
    after = current_streak(days_ago(1, 2, 3), TODAY)
    assert before.at_risk and not after.at_risk
    assert (after.days, after.graces_used) == (3, 0)
    # With yesterday filled in, the day before is the one left to fill (it isn't: it was checked).
    assert after.fillable_day is None


def test_filling_in_revives_a_run_two_days_silent() -> None:
    broken = current_streak(days_ago(3, 4), TODAY)
    revived = current_streak(days_ago(1, 3, 4), TODAY)
    assert broken.days == 0
    assert (revived.days, revived.graces_used) == (3, 1)


def test_fillable_day_looks_back_two_days_at_most() -> None:
    assert current_streak(days_ago(0, 1), TODAY).fillable_day == TODAY - timedelta(days=2)
    assert current_streak(days_ago(0, 1, 2), TODAY).fillable_day is None


def test_future_days_are_ignored() -> None:
    streak = current_streak(days_ago(0, -1, -2), TODAY)
    assert streak.days == 1


def test_wider_grace_allows_longer_gaps() -> None:
    assert current_streak(days_ago(0, 3), TODAY, grace_days=2).days == 2
    assert current_streak(days_ago(0, 3), TODAY, grace_days=1).days == 1


def test_local_day_uses_the_members_zone_across_midnight_and_dst() -> None:
    # 23:30 UTC on the night US clocks fall back is still the same evening in New York.
    late = datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
    assert local_day(late, ZoneInfo("America/New_York")) == date(2026, 11, 1)
    assert local_day(late, ZoneInfo("Europe/Berlin")) == date(2026, 11, 2)
    assert local_day(late, ZoneInfo("Pacific/Auckland")) == date(2026, 11, 2)
    with pytest.raises(ValueError, match="naive"):
        local_day(datetime(2026, 11, 1, 12), ZoneInfo("UTC"))  # noqa: DTZ001
