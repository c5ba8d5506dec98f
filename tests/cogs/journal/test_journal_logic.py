"""`/journal`'s pure rules: paging, fitting entries into Discord's limits, and reading a delete choice."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.content import load_content
from bot.readmodel import JournalEntry
from cogs.journal.logic import (
    ENTRY_LIMIT,
    NAME_LIMIT,
    OPTION_LIMIT,
    PAGE_SIZE,
    clip,
    entry_body,
    entry_title,
    option_label,
    page_at,
    parse_option,
)

WORDS = load_content("journal")
AT = datetime(2026, 11, 3, 23, 30, tzinfo=UTC)


def test_pages_of_five_with_older_and_newer_where_there_are_some() -> None:
    assert PAGE_SIZE == 5
    first = page_at(0, 12)
    assert (first.offset, first.has_older, first.has_newer, first.older()) == (0, True, False, 5)
    middle = page_at(5, 12)
    assert (middle.has_older, middle.has_newer, middle.newer()) == (True, True, 0)
    last = page_at(10, 12)
    assert (last.has_older, last.has_newer) == (False, True)
    only = page_at(0, 5)
    assert (only.has_older, only.has_newer) == (False, False)


def test_a_page_gone_after_deletions_moves_back_to_the_last_page() -> None:
    assert page_at(10, 9).offset == 5
    assert page_at(10, 0).offset == 0
    assert page_at(-5, 9).offset == 0
    assert page_at(7, 20).offset == 5  # an offset off the grid snaps to its page


def test_clip_cuts_at_a_word_with_an_ellipsis() -> None:
    assert clip("short", 10) == "short"
    text = "word " * 300
    cut = clip(text, 100)
    assert len(cut) <= 100 and cut.endswith("word…")
    assert clip("x" * 200, 50) == "x" * 49 + "…"


def test_an_entry_shows_its_parts_under_labels_and_fits_a_field() -> None:
    reflection = JournalEntry(
        "reflection", 4, AT, (("hard", "System design"), ("went_well", "Stayed calm " * 200)), about="Acme"
    )
    body = entry_body(reflection, WORDS, {})
    assert body.startswith("**Hard:** System design\n**Went well:** Stayed calm")
    assert len(body) <= ENTRY_LIMIT and body.endswith("…")
    title = entry_title(reflection, 2, ZoneInfo("Pacific/Auckland"), WORDS)
    assert title == "2. Reflection · Wed 04 Nov 2026, 12:30 · Acme"  # in the member's zone: the next day already


def test_a_practice_answer_shows_its_question_from_the_bank_or_the_members_own() -> None:
    bank = {"behavioural-01": "Tell me about a disagreement."}
    from_bank = JournalEntry("answer", 1, AT, (("answer", "I listened first."),), question_key="behavioural-01")
    assert entry_body(from_bank, WORDS, bank) == (
        "**Question:** Tell me about a disagreement.\n**Your answer:** I listened first."
    )
    own = JournalEntry(
        "answer", 2, AT, (("answer", "I drew the boxes."),), about="Design Twitter", question_key="hard:9"
    )
    assert entry_body(own, WORDS, bank).startswith("**Question:** Design Twitter\n")
    assert entry_title(own, 1, ZoneInfo("UTC"), WORDS) == "1. Practice answer · Tue 03 Nov 2026, 23:30"


def test_an_entry_whose_words_are_gone_says_so_and_long_names_fit() -> None:
    assert entry_body(JournalEntry("vent", 1, AT, ()), WORDS, {}) == WORDS["unreadable"]
    long_company = JournalEntry("vent", 1, AT, (("vent", "ugh"),), about="A" * 500)
    assert len(entry_title(long_company, 1, ZoneInfo("UTC"), WORDS)) <= NAME_LIMIT
    assert len(option_label(long_company, 1, ZoneInfo("UTC"), WORDS)) <= OPTION_LIMIT


def test_only_a_deletable_kind_and_a_number_are_read_from_a_choice() -> None:
    assert parse_option("reflection:12") == ("reflection", 12)
    assert parse_option("feedback:3") == ("feedback", 3)
    for forged in ("win:3", "reflection:", "reflection:-1", "reflection:1:2", "nonsense", ""):
        assert parse_option(forged) is None
