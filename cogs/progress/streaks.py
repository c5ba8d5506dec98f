"""The forgiving check-in streak: one missed day is forgiven, two in a row end the run."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

GRACE_DAYS = 1
FILL_WINDOW_DAYS = 2


@dataclass(frozen=True)
class Streak:
    """The current run of check-ins, as seen on `today` (local date)."""

    days: int
    graces_used: int
    checked_in_today: bool
    at_risk: bool
    fillable_day: date | None

    @property
    def active(self) -> bool:
        """True while there is a run to speak of."""
        return self.days > 0


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date of an aware moment in the member's time zone."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(zone).date()


def current_streak(
    days: Iterable[date], today: date, *, grace_days: int = GRACE_DAYS, fill_window: int = FILL_WINDOW_DAYS
) -> Streak:
    """Count the days checked in during the current run; up to `grace_days` missed days in a row are forgiven.

    Today does not count as missed until it is over. `at_risk` means the grace is already spent at the
    run's end (yesterday was missed and today has no check-in yet). `fillable_day` is the most recent
    missed day within `fill_window` days that a member could still fill in afterwards.
    """
    checked = {day for day in days if day <= today}
    checked_in_today = today in checked
    recent = (today - timedelta(days=back) for back in range(1, fill_window + 1))
    fillable = next((day for day in recent if day not in checked), None)
    if not checked:
        return Streak(0, 0, False, False, fillable)
    earliest = min(checked)
    cursor = today if checked_in_today else today - timedelta(days=1)
    count = graces = missed_in_a_row = 0
    while cursor >= earliest:
        if cursor in checked:
            if missed_in_a_row:
                graces += 1
            count += 1
            missed_in_a_row = 0
        else:
            missed_in_a_row += 1
            if missed_in_a_row > grace_days:
                break
        cursor -= timedelta(days=1)
    yesterday_missed = today - timedelta(days=1) not in checked
    at_risk = count > 0 and not checked_in_today and yesterday_missed
    return Streak(count, graces, checked_in_today, at_risk, fillable)
