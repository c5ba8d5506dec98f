"""Composing a nudge: the one personal line, the footer, the buttons, and how retries are spaced."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cogs.nudges.compose import nudge_table, theme_titles
from cogs.nudges.logic import ClaimedNudge, Personal, footer_text, personal_line, retry_delay
from cogs.nudges.views import nudge_view

OWNER = 123456789012345678


def claimed(**overrides: object) -> ClaimedNudge:
    values: dict[str, object] = {
        "ledger_id": 7, "user_id": OWNER, "kind": "daily", "local_date": date(2026, 11, 26),
        "due_at": datetime(2026, 11, 26, 9, tzinfo=UTC), "nudge_id": "feelings-01", "nonce": "n1", "run_day": 3,
        "run_days": 14, "last_of_run": False, "attempts": 1, "recovered": False, "channel_id": None,
    }
    values.update(overrides)
    return ClaimedNudge(**values)  # type: ignore[arg-type]


def test_nothing_personal_means_no_extra_line() -> None:
    assert personal_line(Personal(), 0) is None
    assert personal_line(Personal(days_since_checkin=3, shots=2), 0) is None


def test_a_due_feedback_follow_up_comes_first() -> None:
    personal = Personal(days_since_checkin=10, feedback="follow_up", hard_question="Why us?")
    for pick in range(4):
        line = personal_line(personal, pick)
        assert line is not None and "/feedback" in line


def test_an_unsent_draft_is_mentioned_every_other_day() -> None:
    personal = Personal(feedback="unsent")
    lines = [personal_line(personal, pick) for pick in range(4)]
    assert [line is not None and "drafted" in line for line in lines] == [True, False, True, False]


def test_own_hard_question_and_days_since_check_in_take_turns() -> None:
    personal = Personal(days_since_checkin=9, hard_question="Tell me about a conflict")
    lines = {personal_line(personal, pick) for pick in range(2)}
    assert any(line and "Tell me about a conflict" in line and "/practice" in line for line in lines)
    assert any(line and "9 days since your last check-in" in line for line in lines)


def test_a_fresh_rejection_gets_a_gentle_line() -> None:
    line = personal_line(Personal(days_since_checkin=0), 0)
    assert line is not None and "gentle" in line


def test_footer_shows_the_run_and_shots_taken() -> None:
    assert footer_text(Personal(shots=5), claimed()) == "Day 3 of 14 · Shots taken so far: 5"
    assert footer_text(Personal(), claimed(run_days=None)) == "Day 3"
    assert "preview" in footer_text(Personal(shots=1), claimed(kind="preview", run_day=None)).lower()


def test_buttons_carry_the_ledger_row_and_the_owner() -> None:
    view = nudge_view(7, OWNER)
    ids = [item.custom_id for item in view.children]  # type: ignore[attr-defined]
    assert ids == [f"nudge:{action}:7:{OWNER}" for action in ("helpful", "mood", "snooze", "stop")]
    assert not view.is_dispatchable()  # never kept in discord.py's per-message view store
    last = nudge_view(7, OWNER, last_of_run=True)
    assert [item.custom_id for item in last.children][-1] == f"nudge:more:7:{OWNER}"  # type: ignore[attr-defined]
    assert all(len(str(item.custom_id)) <= 100 for item in last.children)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (5, 480), (6, 900), (20, 900)])
def test_retries_back_off_and_are_capped(attempts: int, seconds: int) -> None:
    assert retry_delay(attempts) == timedelta(seconds=seconds)


def test_every_theme_has_a_title_and_the_pool_is_big_enough() -> None:
    table = nudge_table()
    assert len(table) >= 60
    assert {nudge["theme"] for nudge in table.values()} <= set(theme_titles())
