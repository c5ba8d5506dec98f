"""Variety across days, simulated over months: no add-on kind on more than a third of the days in any month,
no idea twice in 14 days, and the kinds taking turns rather than one crowding out the rest."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import date, timedelta

import pytest

from cogs.nudges.compose import nudge_ideas, nudge_table
from cogs.nudges.logic import pool_position
from cogs.nudges.variety import (
    IDEA_DAYS,
    Ideas,
    Sent,
    choose_addon,
    choose_nudge,
    recent_ideas,
)

START = date(2026, 11, 26)
POOL = list(nudge_table())
IDEAS = nudge_ideas()
EVERY_KIND = ["follow_up", "long_gap", "hard_question"]


def simulate(user_id: int, days: int, available: list[str] | None = None, *, seed: int = 0) -> list[Sent]:
    """A member's nudges day by day, deciding only from the history so far (as the bot does after restarts)."""
    rng = random.Random(seed)
    history: list[Sent] = []
    sequence = 0
    for day in range(days):
        today = START + timedelta(days=day)
        candidates = [POOL[pool_position(user_id, sequence + step, len(POOL))] for step in range(12)]
        offset = choose_nudge(candidates, history, IDEAS, today)
        sequence += offset + 1
        options = available if available is not None else [k for k in [*EVERY_KIND, "fresh"] if rng.random() < 0.7]
        addon = choose_addon(options, history, IDEAS, today, candidates[offset])
        history.append(Sent(today, candidates[offset], addon))
    return history


def assert_varied(history: list[Sent]) -> None:
    for start in range(len(history) - 29):
        month = history[start : start + 30]
        counts = Counter(sent.addon for sent in month if sent.addon)
        assert all(count <= 10 for count in counts.values()), counts  # a third of 30 days
    for index, sent in enumerate(history):
        window = [s for s in history[:index] if (sent.local_date - s.local_date).days < IDEA_DAYS]
        earlier = {idea for s in window for idea in IDEAS.of(s)}
        assert not IDEAS.of(sent) & earlier, (sent, IDEAS.of(sent) & earlier)
    for before, after in itertools.pairwise(history):
        assert before.addon is None or before.addon != after.addon, "the same add-on two days running"


@pytest.mark.parametrize("user_id", [1, 42, 123456789012345678, 987654321098765432])
def test_a_member_with_everything_saved_gets_varied_add_ons_for_three_months(user_id: int) -> None:
    history = simulate(user_id, 92, EVERY_KIND)
    assert_varied(history)
    counts = Counter(sent.addon for sent in history)
    # The kinds take turns: each gets its third, and no day is left bare while a kind is free.
    assert all(counts[kind] >= 28 for kind in EVERY_KIND), counts


@pytest.mark.parametrize("seed", range(20))
def test_rules_hold_whatever_is_known_from_day_to_day(seed: int) -> None:
    assert_varied(simulate(1000 + seed, 45, seed=seed))


def test_one_kind_alone_appears_every_third_day_at_most() -> None:
    history = simulate(7, 31, ["hard_question"])
    days = [sent.local_date for sent in history if sent.addon == "hard_question"]
    assert len(days) <= 11 and all((b - a).days >= 3 for a, b in itertools.pairwise(days))
    assert_varied(history)


def test_an_actionable_add_on_comes_first_when_allowed() -> None:
    assert choose_addon(["follow_up", "long_gap"], [], IDEAS, START, "rest-01") == "follow_up"
    yesterday = [Sent(START - timedelta(days=1), "rest-02", "follow_up")]
    assert choose_addon(["follow_up", "long_gap"], yesterday, IDEAS, START, "rest-01") == "long_gap"


def test_the_friend_idea_is_not_repeated_by_a_nudge_or_an_add_on() -> None:
    friend_nudges = [nudge for nudge, ideas in IDEAS.nudges.items() if "kind-to-self" in ideas]
    assert len(friend_nudges) >= 2 and "kind-to-self" in IDEAS.addons["fresh"]
    met = [Sent(START - timedelta(days=5), friend_nudges[0])]
    # The add-on with the same idea waits, and so does the other nudge with it.
    assert choose_addon(["fresh"], met, IDEAS, START, "rest-01") is None
    assert choose_nudge([friend_nudges[1], "rest-01"], met, IDEAS, START) == 1
    # Fourteen days on, the idea is free again.
    later = START + timedelta(days=IDEA_DAYS - 5)
    assert choose_addon(["fresh"], met, IDEAS, later, "rest-01") == "fresh"
    assert "kind-to-self" in recent_ideas(met, IDEAS, later - timedelta(days=1))


def test_a_nudge_whose_own_idea_clashes_with_todays_add_on_is_kept_plain() -> None:
    friend = next(nudge for nudge, ideas in IDEAS.nudges.items() if "kind-to-self" in ideas)
    assert choose_addon(["fresh"], [], IDEAS, START, friend) is None
    assert choose_addon(["fresh", "long_gap"], [], IDEAS, START, friend) == "long_gap"


def test_no_ideas_means_the_members_own_order() -> None:
    assert choose_nudge(["a", "b"], [Sent(START, "a")], Ideas(), START) == 0


def test_every_tagged_idea_names_real_nudges_and_is_shared() -> None:
    shared = Counter(idea for ideas in IDEAS.nudges.values() for idea in ideas)
    shared.update(idea for ideas in IDEAS.addons.values() for idea in ideas)
    assert set(IDEAS.nudges) <= set(POOL)
    assert all(count >= 2 for count in shared.values()), shared  # an idea only one text has needs no tag
