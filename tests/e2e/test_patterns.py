"""Patterns across rejections in `/progress` and the "What I've learned" summary, end to end through the client."""

from __future__ import annotations

from datetime import timedelta

from emulator import EmulatedMessage, SimulatedMember
from tests.e2e.mydata_helpers import log_rejection
from tests.e2e.patterns_helpers import practise, reflect, six_weeks
from tests.harness import Harness, message_of

PATTERNS = "Patterns across your rejections"
LEARNED = "What I've learned"
CONCERN_WORDS = "honestly whats the point of anything anymore"


async def open_progress(harness: Harness, member: SimulatedMember) -> EmulatedMessage:
    """/progress, waiting past its cooldown first, and its finished reply."""
    await harness.advance(timedelta(seconds=30))
    result = await member.slash("progress")
    message = await result.wait_final()
    assert message.ephemeral
    return message


async def test_six_weeks_of_rejections_show_patterns_with_their_counts(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    await six_weeks(harness, alex)
    message = await open_progress(harness, alex)

    patterns = message.embed_field(PATTERNS)
    assert patterns is not None
    assert patterns.split("\n") == [
        "• **System design** came up as the hard part in 3 of your last 5 reflections and the one interviewer reply "
        "you noted.",
        "• **Technical depth** came up as the hard part in 1 of your last 5 reflections and the one interviewer reply "
        "you noted.",
        "• 3 of the 5 rejections you logged with a stage came after the final round.",
        "• You named **Explaining things clearly** as something that went well in 3 of your last 5 reflections.",
        "• Things have got lighter since your first check-in 6 weeks ago: that one felt 5 out of 5 for heaviness, "
        "your last 3 about 2.7 on average. You started with *sad*; most recently you named *motivated*.",
    ]
    # The dashboard says each thing once: the observations leave the theme and the feelings to the patterns.
    noticed = message.embed_field("Something I noticed") or ""
    assert "came up" not in noticed and "lighter" not in noticed
    assert LEARNED in [button.label for button in message.buttons()]

    refused = await bob.click(message, LEARNED)
    assert refused.ephemeral and "someone else" in message_of(refused).text()

    await harness.restart()  # the button works after a restart
    opened = await alex.click(message, LEARNED)
    summary = message_of(opened)
    assert opened.ephemeral and summary.embeds[0]["title"] == "What I've learned from your own records"
    headings = [item["name"] for item in summary.embeds[0]["fields"]]
    assert headings == [
        "What keeps coming up",
        "Where the no's tend to come",
        "What keeps going well",
        "How it has felt since the start",
    ]
    assert "3 of your last 5 reflections" in (summary.embed_field("What keeps coming up") or "")
    assert "`/practice`" in (summary.embed_field("What keeps coming up") or "")
    assert "final round again and again" in (summary.embed_field("Where the no's tend to come") or "")
    well = summary.embed_field("What keeps going well") or ""
    assert 'In your words: "Explained my project clearly"' in well


async def test_one_rejection_shows_no_patterns_at_all(harness: Harness) -> None:
    alex = harness.member("alex")
    checkin_id, _ = await log_rejection(alex, "sad", 5, company="Acme", stage="onsite")
    await reflect(alex, checkin_id, "The system design round", "I explained my project clearly")
    await practise(alex, "I led a migration and we shipped a week early.")
    await harness.advance(timedelta(days=10))
    message = await open_progress(harness, alex)
    assert message.embed_field(PATTERNS) is None
    assert LEARNED not in [button.label for button in message.buttons()]
    assert "Shots taken" in message.text()  # the rest of the dashboard is there as before


async def test_in_care_mode_patterns_step_aside_for_support(harness: Harness) -> None:
    alex = harness.member("alex")
    await six_weeks(harness, alex)
    before = await open_progress(harness, alex)
    assert LEARNED in [button.label for button in before.buttons()]

    concern = await alex.slash("rejected", company=CONCERN_WORDS)  # the command tree reads it for care first
    assert concern.message is not None
    message = await open_progress(harness, alex)
    care = message.embed_field(PATTERNS)
    assert care is not None and "looking after yourself comes first" in care and "/resources" in care
    assert "System design" not in message.text() and message.embed_field("Something I noticed") is None
    assert LEARNED not in [button.label for button in message.buttons()]
    # A summary button from before care mode gives the gentle line, not the patterns.
    pressed = await alex.click(before, LEARNED)
    assert "looking after yourself comes first" in message_of(pressed).text()
    assert "System design" not in message_of(pressed).text()

    await harness.advance(timedelta(days=2))  # care mode ends after a day; the patterns come back
    after = await open_progress(harness, alex)
    assert "System design" in (after.embed_field(PATTERNS) or "")
