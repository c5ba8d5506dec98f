"""Feedback becomes learning: which lines of an interviewer's reply become plan items, and which never do."""

from __future__ import annotations

import pytest

from cogs.plan.logic import MAX_FROM_NOTE, actionable_lines, clean_text, is_full


def labels(note: str) -> list[str]:
    return [item.text for item in actionable_lines(note)]


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("We would have liked to see more depth on system design.", ["System design"]),
        ("We were looking for someone with stronger SQL skills.", ["SQL"]),
        ("We'd have liked more depth in your architecture answers.", ["System design"]),
        ("Your answers lacked structure.", ["Structured answers"]),
        ("You could improve your communication.", ["Communication"]),
        ("Communication could be clearer.", ["Communication"]),
        ("The panel felt stakeholder management was a weak spot.", ["Stakeholder management"]),
        ("You struggled a bit with the live coding exercise.", ["Coding and algorithms"]),
        ("We were hoping for more concrete examples.", ["Concrete examples and impact"]),
        ("Your system design answer felt a bit surface-level.", ["System design"]),
        ("SQL needs work.", ["SQL"]),
        ("There were some gaps in your statistics knowledge.", ["Data analysis and statistics"]),
        ("You didn't really demonstrate leadership.", ["Leadership"]),
        ("You would benefit from more practice with case studies.", ["Presenting and case studies"]),
        ("Your CV could be stronger on impact.", ["Concrete examples and impact", "Your CV and portfolio"]),
        ("An area for development is stakeholder management.", ["Stakeholder management"]),
        ("We’d have liked to see more depth on system design and SQL.", ["System design", "SQL"]),
    ],
)
def test_an_area_named_where_something_fell_short_becomes_that_area(note: str, expected: list[str]) -> None:
    assert sorted(labels(note)) == sorted(expected)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("We were looking for more depth on caching strategies.", "Caching strategies"),
        ("We would have liked to see more detail about trade-offs, given the scale we run at.", "Trade-offs"),
        ("We were looking for someone with more experience in payments.", "Payments"),
        ("More depth around Kubernetes would have helped.", "Kubernetes"),
        ("You could work on how you talk about trade-offs.", "Talk about trade-offs"),
    ],
)
def test_without_a_named_area_the_cue_names_what_was_missing(note: str, expected: str) -> None:
    assert labels(note) == [expected]


@pytest.mark.parametrize(
    "note",
    [
        "Thank you for your time. We went with another candidate.",
        "Unfortunately we have decided to move forward with other candidates whose experience more closely matches.",
        "We were looking for someone with more experience.",
        "We were looking for a more senior candidate at this point.",
        "You were a really close second and we'd love to hear from you again in the future.",
        "We would like to thank you for your interest in the role.",
        "Best of luck looking for your next role!",
        "Your communication was excellent and your SQL was strong.",
        "The team loved your system design answer.",
        "No concerns at all about your coding.",
        "Your stakeholder management wasn't a concern.",
        "We don't have any detailed feedback to share.",
        "",
    ],
)
def test_praise_thanks_and_the_decision_itself_become_nothing(note: str) -> None:
    assert labels(note) == []


def test_a_reply_with_praise_and_two_critiques_gives_two_items_in_order() -> None:
    note = (
        "Thanks again for interviewing with us. Your communication was great and the team enjoyed talking to you. "
        "However, we would have liked to see more depth on system design. "
        "We were also looking for more experience with stakeholder management."
    )
    items = actionable_lines(note)
    assert [item.text for item in items] == ["System design", "Stakeholder management"]
    assert [item.action for item in items] == ["practise", "story"]
    assert [item.area for item in items] == ["system_design", "stakeholders"]


def test_praise_and_critique_in_one_sentence_are_told_apart() -> None:
    assert labels("Your SQL was strong, but your communication was unclear at times.") == ["Communication"]


def test_an_area_named_twice_is_one_item() -> None:
    assert labels("SQL was weak. We wanted stronger SQL.") == ["SQL"]


def test_a_line_about_experience_or_the_cv_suggests_a_story_or_the_cv() -> None:
    (experience,) = actionable_lines("We were looking for more experience with Kafka.")
    assert (experience.text, experience.action) == ("Kafka", "story")
    (cv,) = actionable_lines("Your CV could be stronger.")
    assert cv.action == "cv"


def test_no_more_than_five_items_from_one_reply() -> None:
    note = "Weak on SQL. Weak on coding. Weak on testing. Weak on leadership. Weak on statistics. Weak on CV."
    assert len(actionable_lines(note)) == MAX_FROM_NOTE


def test_a_long_cue_object_is_cut_to_a_label() -> None:
    (item,) = actionable_lines("We were looking for more depth on " + "very long words " * 20)
    assert len(item.text) <= 80 and item.text.endswith("…")


def test_bullets_are_lines_of_their_own() -> None:
    assert labels("Feedback:\n- lacked structure\n- great energy\n- needs more SQL practice") == [
        "Structured answers",
        "SQL",
    ]


def test_the_plan_is_full_at_ten_open_items() -> None:
    assert not is_full(9) and is_full(10)


def test_clean_text_flattens_and_cuts_at_a_word() -> None:
    assert clean_text("  a\n b  ") == "a b"
    assert clean_text("one two three", limit=9) == "one two…"
