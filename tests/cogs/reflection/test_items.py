"""Splitting a "hardest questions" answer into items, and picking the words reflected back."""

from __future__ import annotations

from cogs.reflection.logic import MAX_ITEMS, first_point, parse_where, plain, split_items


def test_one_item_per_line_with_bullets_and_numbers_removed() -> None:
    text = (
        "- Tell me about a conflict\n* Why this company?\n• Salary expectations\n1. A system design one\n2) Weaknesses"
    )
    assert split_items(text) == [
        "Tell me about a conflict",
        "Why this company?",
        "Salary expectations",
        "A system design one",
        "Weaknesses",
    ]


def test_several_questions_on_one_line_become_separate_items() -> None:
    text = "Why do you want to leave? What's your biggest weakness? And the live coding."
    assert split_items(text) == ["Why do you want to leave?", "What's your biggest weakness?", "And the live coding"]


def test_semicolons_split_and_blank_lines_and_nothing_answers_are_dropped() -> None:
    assert split_items("salary; notice period\n\n   \nn/a\nNone\n-") == ["salary", "notice period"]
    assert split_items("") == []
    assert split_items(None) == []
    assert split_items("nothing really") == ["nothing really"]  # only exact "nothing" answers are dropped


def test_duplicates_ignore_case_and_punctuation() -> None:
    assert split_items("Why us?\nwhy us\nWHY US?") == ["Why us?"]


def test_items_are_capped_in_number_and_length() -> None:
    many = "\n".join(f"Question number {n}?" for n in range(40))
    assert len(split_items(many)) == MAX_ITEMS
    long = "x" * 1000 + "?"
    assert len(split_items(long)[0]) == 300


def test_a_single_plain_sentence_is_one_item() -> None:
    assert split_items("The behavioural round about leading a team.") == ["The behavioural round about leading a team"]


def test_first_point_takes_the_first_item_and_trims_long_ones() -> None:
    assert first_point("- My project story landed\n- I stayed calm") == "My project story landed"
    long = "I explained the migration project clearly. " + "They asked a lot of follow-up questions " * 10
    assert first_point(long) == "I explained the migration project clearly"
    words = "word " * 100
    trimmed = first_point(words)
    assert trimmed is not None and trimmed.endswith("…") and len(trimmed) <= 160
    assert first_point("   ") is None
    assert first_point("Hmm. I think my intro went fine. Rest was meh.") == "I think my intro went fine"


def test_parse_where_understands_common_shapes() -> None:
    assert parse_where("Acme, Data Analyst") == ("Acme", "Data Analyst")
    assert parse_where("Data Analyst at Acme") == ("Acme", "Data Analyst")
    assert parse_where("Acme - Data Analyst") == ("Acme", "Data Analyst")
    assert parse_where("Initech") == ("Initech", None)
    assert parse_where("  ") == (None, None)
    assert parse_where(None) == (None, None)


def test_plain_undoes_markdown_escaping() -> None:
    assert plain(r"Data\_Analyst \*senior\*") == "Data_Analyst *senior*"
