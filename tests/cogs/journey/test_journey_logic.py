"""Pure rules of /log and /goal: what a typed name must be, and how the reply reads."""

from __future__ import annotations

from cogs.journey.logic import MAX_NAME, clean, count_line, problem, where


def test_a_name_is_kept_as_it_reads() -> None:
    assert clean("  Acme \u200b  Corp\n") == "Acme Corp"
    assert clean("\u200b\u200b") is None and clean(None) is None and clean("   ") is None


def test_too_long_and_invisible_text_get_a_clear_reason() -> None:
    assert problem("company", "A" * MAX_NAME, MAX_NAME) is None
    assert problem("company", None, MAX_NAME) is None
    long = problem("company", "A" * (MAX_NAME + 1), MAX_NAME)
    assert long is not None and "company name" in long and f"{MAX_NAME} characters" in long and "Nothing" in long
    assert "1 character at most" in (problem("role", "ab", 1) or "")
    blank = problem("role", "\u200b \u2800", MAX_NAME)
    assert blank is not None and "role" in blank and "nothing was saved" in blank


def test_where_names_what_was_given() -> None:
    assert where("Acme", "Designer") == " for Designer at Acme"
    assert where("Acme", None) == " at Acme"
    assert where(None, "Designer") == " for Designer"
    assert where(None, None) == ""


def test_counts_read_in_plural_forms_and_an_offer_has_none() -> None:
    assert count_line("applied", 1) == "That's the first application you've logged here."
    assert count_line("applied", 3) == "That's 3 applications logged so far."
    assert count_line("interview", 2) == "That's 2 interviews logged so far."
    assert count_line("offer", 1) == ""
