"""Due-time arithmetic of feedback requests: reminder, follow-up schedule, ghosting cut-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from bot.config import DAY
from cogs.feedback.logic import FeedbackSchedule

SENT = datetime(2026, 3, 27, 18, 30, tzinfo=UTC)  # just before Europe's DST change: UTC arithmetic must not care
RULES = FeedbackSchedule(
    remind_delay=timedelta(days=2), followup_delay=timedelta(days=7), ghosted_after=timedelta(days=21)
)


def test_defaults_come_from_settings() -> None:
    settings = SimpleNamespace(
        feedback_remind_delay_seconds=2 * DAY,
        feedback_followup_delay_seconds=7 * DAY,
        feedback_ghosted_after_seconds=21 * DAY,
    )
    assert FeedbackSchedule.from_settings(settings) == RULES


def test_remind_is_two_days_after_the_click() -> None:
    assert RULES.remind_at(SENT) == datetime(2026, 3, 29, 18, 30, tzinfo=UTC)


def test_follow_up_schedule_when_the_member_keeps_saying_not_yet() -> None:
    first = RULES.first_followup_at(SENT)
    assert first == SENT + timedelta(days=7)
    second = RULES.next_followup_at(SENT, first)
    assert second == SENT + timedelta(days=14)
    third = RULES.next_followup_at(SENT, second)
    # The third "ask" lands exactly on the cut-off, where it becomes the gentle close instead.
    assert third == RULES.ghosted_at(SENT) == SENT + timedelta(days=21)
    assert RULES.is_ghosted(SENT, third)
    assert not RULES.is_ghosted(SENT, second)


def test_a_late_not_yet_never_pushes_past_the_cut_off() -> None:
    clicked = SENT + timedelta(days=19, hours=5)
    assert RULES.next_followup_at(SENT, clicked) == SENT + timedelta(days=21)


def test_ghosting_boundary_is_inclusive() -> None:
    cutoff = RULES.ghosted_at(SENT)
    assert not RULES.is_ghosted(SENT, cutoff - timedelta(microseconds=1))
    assert RULES.is_ghosted(SENT, cutoff)
    assert RULES.is_ghosted(SENT, cutoff + timedelta(days=30))


def test_first_follow_up_never_later_than_a_short_cut_off() -> None:
    rules = FeedbackSchedule(timedelta(seconds=1), timedelta(days=7), timedelta(days=3))
    assert rules.first_followup_at(SENT) == SENT + timedelta(days=3)


def test_results_are_aware_utc() -> None:
    for moment in (RULES.remind_at(SENT), RULES.first_followup_at(SENT), RULES.next_followup_at(SENT, SENT)):
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
