"""Composing a nudge: the one personal line, the footer, the buttons, and how retries are spaced."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cogs.nudges.compose import nudge_table, theme_titles
from cogs.nudges.logic import ClaimedNudge, Personal, addon_options, addon_text, as_sentence, footer_text, retry_delay
from cogs.nudges.views import nudge_view

OWNER = 123456789012345678


def claimed(**overrides: object) -> ClaimedNudge:
    values: dict[str, object] = {
        "ledger_id": 7,
        "user_id": OWNER,
        "kind": "daily",
        "local_date": date(2026, 11, 26),
        "due_at": datetime(2026, 11, 26, 9, tzinfo=UTC),
        "nudge_id": "feelings-01",
        "nonce": "n1",
        "run_day": 3,
        "run_days": 14,
        "last_of_run": False,
        "attempts": 1,
        "recovered": False,
        "channel_id": None,
    }
    values.update(overrides)
    return ClaimedNudge(**values)  # type: ignore[arg-type]


def test_nothing_personal_means_no_add_on() -> None:
    assert addon_options(Personal()) == []
    assert addon_options(Personal(days_since_checkin=3, shots=2)) == []


def test_add_ons_that_fit_come_most_actionable_first() -> None:
    personal = Personal(days_since_checkin=10, feedback="follow_up", hard_question="Why us?")
    assert addon_options(personal) == ["follow_up", "long_gap", "hard_question"]
    assert addon_options(Personal(feedback="unsent", days_since_checkin=0)) == ["unsent", "fresh"]


def test_add_on_wording() -> None:
    assert "9 days since your last check-in" in addon_text("long_gap", Personal(days_since_checkin=9))
    assert "gentle" in addon_text("fresh", Personal(days_since_checkin=0))
    line = addon_text("hard_question", Personal(hard_question="Tell me about a conflict"))
    assert "“Tell me about a conflict.” Try answering it" in line and "/practice" in line


def test_an_open_plan_item_goes_before_any_other_question_of_theirs() -> None:
    personal = Personal(hard_question="Why us?", plan_item="Tell me about a time you failed")
    assert addon_options(personal) == ["plan_item"]
    line = addon_text("plan_item", personal)
    assert "From your plan: “Tell me about a time you failed.”" in line and "/plan" in line
    assert addon_options(Personal(hard_question="Why us?")) == ["hard_question"]


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("Tell me about a conflict", "Tell me about a conflict."),
        ("Why us", "Why us?"),
        ("why us?", "why us?"),
        ("What's your weakness", "What's your weakness?"),
        ("Walk me through your CV!", "Walk me through your CV!"),
        ("Describe a failure…", "Describe a failure…"),
        ("Do you manage people ", "Do you manage people?"),
        ("", ""),
    ],
)
def test_an_own_question_always_ends_as_a_sentence(question: str, sentence: str) -> None:
    assert as_sentence(question) == sentence


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
