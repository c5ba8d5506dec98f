"""Feedback drafts: every variant personalised, polite, copyable; delays in words."""

from __future__ import annotations

import re

import pytest

from cogs.feedback.logic import (
    MAX_MESSAGE,
    TONES,
    about_phrase,
    clean_name,
    compose_draft,
    draft_message,
    humanize_delay,
    words,
)

PUSHY = re.compile(
    r"\b(asap|urgent|urgently|must|owe|deserve|unfair|reconsider|demand|expect a reply|disappointed in|"
    r"still waiting|why didn't|you should|immediately)\b|!!",
    re.IGNORECASE,
)
IMPROVE = re.compile(r"improve|better|stronger|strengthen", re.IGNORECASE)
DECIDED = re.compile(r"decision|decided|decisive|deciding|tipped|outcome|determined", re.IGNORECASE)


def variants() -> list[tuple[str, int, dict[str, str]]]:
    return [(tone, n, variant) for tone in TONES for n, variant in enumerate(words()["tones"][tone])]


def test_each_tone_has_several_variants() -> None:
    for tone in TONES:
        assert len(words()["tones"][tone]) >= 3


@pytest.mark.parametrize(("tone", "number", "variant"), variants())
def test_variant_is_personalised_polite_and_asks_both_questions(
    tone: str, number: int, variant: dict[str, str]
) -> None:
    draft = compose_draft(
        variant, tone=tone, company="Acme Robotics", role="Data Analyst", interviewer="Sam Rivera", sender="Alex"
    )
    assert "Data Analyst" in draft.subject and "Acme Robotics" in draft.subject
    assert draft.body.count("Acme Robotics") == 1, "the company is named once in the body"
    assert "Data Analyst" in draft.body
    assert "Sam Rivera" in draft.body.splitlines()[0]
    assert draft.body.rstrip().endswith("Alex")
    assert IMPROVE.search(draft.body), "asks what to improve"
    assert DECIDED.search(draft.body), "asks what decided it"
    assert not PUSHY.search(draft.body + draft.subject)
    assert "{" not in draft.body + draft.subject
    assert len(draft.body) < 1200


@pytest.mark.parametrize(("tone", "number", "variant"), variants())
def test_variant_reads_well_without_details(tone: str, number: int, variant: dict[str, str]) -> None:
    draft = compose_draft(variant, tone=tone, company=None, role=None, interviewer=None, sender="Alex")
    assert "None" not in draft.body + draft.subject
    assert "  " not in draft.subject
    assert "role role" not in draft.body
    greeting = draft.body.splitlines()[0]
    assert greeting == words()["greetings"][tone]["unnamed"]


def test_escaped_check_in_fields_and_backticks_cannot_break_the_code_block() -> None:
    variant = words()["tones"]["brief"][0]
    draft = compose_draft(
        variant, tone="brief", company=r"Big\_Corp", role="Ops ```lead```", interviewer="`Robin`\nDrop", sender="A"
    )
    assert "Big_Corp" in draft.body
    assert "`" not in draft.body + draft.subject
    message = draft_message("Here you go.", draft.subject, draft.body)
    assert message.count("```") == 4
    assert len(message) <= MAX_MESSAGE


def test_role_already_named_role_is_not_doubled() -> None:
    assert about_phrase("Acme", "Analyst position") == "the Analyst position at Acme"
    assert about_phrase("Acme", "Analyst") == "the Analyst role at Acme"
    assert about_phrase("Acme", None) == "your interview at Acme"
    assert about_phrase(None, None) == "your recent interview"


def test_clean_name() -> None:
    assert clean_name("  Sam \n Rivera ") == "Sam Rivera"
    assert clean_name("") is None
    assert clean_name(None) is None
    assert len(clean_name("x" * 200) or "") == 80


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (2 * 86_400, "2 days"),
        (7 * 86_400, "7 days"),
        (21 * 86_400, "3 weeks"),
        (86_400, "1 day"),
        (3 * 3600, "3 hours"),
        (90, "2 minutes"),
        (0.3, "1 second"),
        (5, "5 seconds"),
        (10 * 86_400, "10 days"),
    ],
)
def test_humanize_delay(seconds: float, text: str) -> None:
    assert humanize_delay(seconds) == text


def test_message_wording_has_the_placeholders_the_code_fills() -> None:
    data = words()
    for key, needed in {
        "sent_confirm": "{when}",
        "remind_confirm": "{when}",
        "not_yet": "{when}",
        "not_yet_final": "{when}",
        "remind_dm": "{about}",
        "followup_dm": "{about}",
        "ghosted_dm": "{elapsed}",
        "replied_joined": "{about}",
        "replied_kept": "{about}",
    }.items():
        assert data[key], key
        assert all(needed in line for line in data[key]), key
    intros = [line for tone in TONES for line in data["draft_intro"][tone]]
    assert all("{" not in line for line in data["not_now"] + data["no_reply"] + intros)


@pytest.mark.parametrize(("tone", "number", "variant"), variants())
def test_without_a_name_to_sign_with_the_draft_leaves_a_clear_blank(
    tone: str, number: int, variant: dict[str, str]
) -> None:
    draft = compose_draft(variant, tone=tone, company="Acme", role="Analyst", interviewer=None, sender=None)
    assert draft.body.rstrip().endswith("[Your name]")
    assert draft.body.count("Acme") == 1


def test_each_tone_has_its_own_intro_and_only_the_brief_one_calls_itself_short() -> None:
    intros = words()["draft_intro"]
    assert set(intros) == set(TONES)
    for tone in TONES:
        assert intros[tone]
        for intro in intros[tone]:
            assert ("short" in intro.casefold() or "brief" in intro.casefold()) == (tone == "brief"), intro
    assert all("formal" in intro for intro in intros["formal"])
