"""The sandbox's autocomplete rules, script comments and plural forms (pure parts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from emulator import ModalField
from sandbox.choices import Suggestion, pick_actions, settle
from sandbox.common import SandboxError
from sandbox.render import counted, modal_field_lines
from sandbox.script import is_comment, parse_command, parse_wait

ACME = Suggestion("Acme (Onsite / final round) · 7 Dec 2026", "12")
ACME_TOO = Suggestion("Acme (Recruiter / phone screen) · 1 Dec 2026", "9")
NEW = Suggestion("A new one", "new")
LONDON = Suggestion("Europe/London (UTC+00:00, 09:00 there now)", "Europe/London")


def test_a_typed_name_settles_on_the_one_suggestion_it_matches() -> None:
    assert settle("acme", [ACME, NEW], always=[NEW]) == ACME
    assert settle("London", [LONDON], always=[]) == LONDON
    assert settle("europe/london", [LONDON, Suggestion("Europe/Londonderry", "x")], always=[]) == LONDON
    assert settle("a new one", [ACME, NEW], always=[NEW]) == NEW


def test_the_member_picks_when_a_name_matches_several_suggestions_or_none() -> None:
    assert settle("acme", [ACME, ACME_TOO, NEW], always=[NEW]) is None
    assert settle("Initech", [NEW], always=[NEW]) is None
    assert settle("?", [ACME], always=[]) is None
    labels = [action.label for action in pick_actions("Initech", [NEW])]
    assert labels == ["A new one", "“Initech” as typed"]
    assert [action.label for action in pick_actions("?", [ACME])] == [ACME.name]


def test_autocomplete_options_stay_as_typed_until_the_bot_is_asked() -> None:
    commands = [
        {
            "name": "reflect",
            "type": 1,
            "options": [
                {"name": "rejection", "type": 3, "required": True, "autocomplete": True, "description": "which"}
            ],
        }
    ]
    parsed = parse_command("/reflect rejection:?", commands, None)  # type: ignore[arg-type]
    assert parsed.options == {"rejection": "?"} and parsed.typed == ("rejection",)


def test_comments_and_presses_on_numbered_messages() -> None:
    assert is_comment("# a check-in") and is_comment("#comment") and is_comment("   # indented")
    assert not is_comment("#3 Post") and not is_comment("/rejected")


def test_counts_use_real_plural_forms() -> None:
    assert counted(1, "character", "characters") == "1 character"
    assert counted(2, "choice", "choices") == "2 choices"

    short = ModalField(custom_id="why", label="Why", min_length=1, max_length=1)
    assert "at least 1 character;" in modal_field_lines(short, 1, 1)[0]
    assert "up to 1 character)" in modal_field_lines(short, 1, 1)[0]


def test_wait_until_a_time_of_day_goes_to_its_next_occurrence() -> None:
    now = datetime(2026, 12, 7, 10, 42, tzinfo=UTC)
    assert parse_wait("until 09:15", now) == timedelta(hours=22, minutes=33)
    assert parse_wait("until 11:00", now) == timedelta(minutes=18)
    assert parse_wait("1d", now) == timedelta(days=1)
    with pytest.raises(SandboxError, match="isn't a time of day"):
        parse_wait("until 25:00", now)
