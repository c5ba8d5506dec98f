"""`/journal` end to end: everything the member wrote, newest first, paged, private, each entry deletable."""

from __future__ import annotations

from typing import Any

from emulator import EmulatedMessage, SimulatedMember
from tests.e2e.patterns_helpers import ANSWERS, FEEDBACK_NOTE, REJECTIONS, VENT, six_weeks
from tests.harness import Harness, message_of

CRISIS_WORDS = "i already wrote the goodbye letters to my family, i want to die"


def rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows(sql, params)


def entries(message: EmulatedMessage) -> list[tuple[str, str]]:
    """(name, value) of each entry on a journal page."""
    return [(item["name"], item["value"]) for item in message.embeds[0].get("fields", [])]


async def confirm(member: SimulatedMember, asked: EmulatedMessage) -> str:
    """Press "Yes, delete it" and return what the member reads once it is done."""
    done = await member.click(asked, "Yes, delete it")
    return (done.message if done.message is not None and not done.deferred else await done.followup()).text()


def kinds(message: EmulatedMessage) -> list[str]:
    """The kind of each entry on the page ('Reflection', 'Kept vent'...)."""
    return [name.split(" · ")[0].split(". ", 1)[1] for name, _ in entries(message)]


async def test_a_new_member_gets_a_kind_empty_journal(harness: Harness) -> None:
    alex = harness.member("alex")
    result = await alex.slash("journal")
    message = await result.wait_final()
    assert message.ephemeral
    assert message.embeds[0]["title"] == "Your journal is empty, and that's fine"
    for place in ("/rejected", "/reflect", "feedback request", "/practice"):
        assert place in message.text()
    assert message.buttons() == [] and message.selects() == []


async def test_the_journal_lists_everything_newest_first_pages_and_deletes_one_entry(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    story = await six_weeks(harness, alex)
    # 5 reflections, 1 feedback reply, 2 practice answers, 1 kept vent.
    result = await alex.slash("journal")
    first = await result.wait_final()
    assert first.ephemeral
    assert first.embeds[0]["description"] == "Entries 1-5 of 9, newest first."
    assert first.embeds[0]["footer"]["text"].startswith("Only you can see this. Dates are in UTC.")
    # Day 42: the reflection and the kept vent, then day 30's two answers and reflection (the test clock stands
    # still within a day, so entries of one moment come in a fixed order of kinds).
    assert kinds(first) == ["Reflection", "Kept vent", "Practice answer", "Practice answer", "Reflection"]
    (reflection_name, reflection_text), (vent_name, vent_text) = entries(first)[:2]
    assert vent_name.startswith("2. Kept vent · ") and vent_name.endswith(" · Company 42") and vent_text == VENT
    assert reflection_name.startswith("1. Reflection · ") and reflection_name.endswith(" · Company 42")
    assert "**Hard:** The system design interview again: caching layers" in reflection_text
    assert "**Went well:** Explained my project clearly" in reflection_text
    answer_text = entries(first)[2][1]
    assert answer_text.startswith("**Question:** ") and f"**Your answer:** {ANSWERS[1]}" in answer_text
    assert [b.label for b in first.buttons()] == ["Older"]

    refused = await bob.click(first, "Older")
    assert refused.ephemeral and "someone else" in message_of(refused).text()

    await harness.restart()  # the buttons work after a restart
    older = message_of(await alex.click(first, "Older"))
    assert older.embeds[0]["description"] == "Entries 6-9 of 9, newest first."
    assert kinds(older) == ["What they said", "Reflection", "Reflection", "Reflection"]
    assert entries(older)[0][1] == FEEDBACK_NOTE and entries(older)[0][0].endswith(" · Company 10")
    assert entries(older)[-1][1].endswith(f"**Went well:** {REJECTIONS[0][5]}")
    assert [b.label for b in older.buttons()] == ["Newer"]

    # Delete the feedback reply: someone else can't, the owner is asked first, then it's gone everywhere.
    [select] = older.selects()
    request_id = rows(harness, "SELECT id FROM feedback_requests WHERE user_id = ?", (alex.user_id,))[0]["id"]
    feedback = f"feedback:{request_id}"
    assert select.options[0]["value"] == feedback
    assert select.options[0]["label"].startswith("6. What they said · ")
    forbidden = await bob.select(older, select.custom_id, [feedback])
    assert "someone else" in message_of(forbidden).text()
    asked = message_of(await alex.select(older, select.custom_id, [feedback]))
    assert asked.ephemeral and "Delete this feedback request" in asked.text()
    assert rows(harness, "SELECT * FROM feedback_notes WHERE user_id = ?", (alex.user_id,))  # not before the confirm
    assert "Deleted" in await confirm(alex, asked)
    assert rows(harness, "SELECT * FROM feedback_notes WHERE user_id = ?", (alex.user_id,)) == []
    assert rows(harness, "SELECT * FROM feedback_requests WHERE user_id = ?", (alex.user_id,)) == []

    newer = message_of(await alex.click(older, "Newer"))
    assert newer.embeds[0]["description"] == "Entries 1-5 of 8, newest first."

    # A vent deleted from the journal loses its words; the check-in stays.
    [select] = newer.selects()
    asked = message_of(await alex.select(newer, select.custom_id, [f"vent:{story.checkins[-1]}"]))
    assert "Delete this vent" in asked.text()
    assert "Deleted" in await confirm(alex, asked)
    assert rows(harness, "SELECT vent_encrypted FROM checkins WHERE id = ?", (story.checkins[-1],))[0][0] is None
    assert len(rows(harness, "SELECT id FROM checkins WHERE user_id = ?", (alex.user_id,))) == 5

    back = message_of(await alex.click(newer, "Older"))  # read afresh: both deletions show
    assert back.embeds[0]["description"] == "Entries 6-7 of 7, newest first."
    assert kinds(back) == ["Reflection", "Reflection"]
    fresh = await (await alex.slash("journal")).wait_final()
    assert "Kept vent" not in kinds(fresh) and FEEDBACK_NOTE not in fresh.text()


async def test_a_forged_choice_deletes_nothing(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    await six_weeks(harness, bob)
    await six_weeks(harness, alex)
    message = await (await alex.slash("journal")).wait_final()
    [select] = message.selects()
    bobs = int(rows(harness, "SELECT id FROM reflections WHERE user_id = ? LIMIT 1", (bob.user_id,))[0]["id"])
    forged = await alex.click_custom_id(message, select.custom_id or "", component_type=3, values=["nonsense"])
    assert "couldn't find that entry" in message_of(forged).text()
    # Alex's own journal select, with Bob's reflection's id: the confirm runs scoped to Alex, so nothing goes.
    asked = await alex.click_custom_id(message, select.custom_id or "", component_type=3, values=[f"reflection:{bobs}"])
    assert "couldn't find" in await confirm(alex, message_of(asked))
    assert rows(harness, "SELECT id FROM reflections WHERE id = ?", (bobs,))


async def test_crisis_words_in_a_kept_vent_are_shown_back_only_to_their_writer(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected", company="Acme")
    picked = await alex.select(message_of(start), "checkin:feeling", ["numb"])
    button = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(":5"))
    final = message_of(await alex.click(message_of(picked), button.custom_id or ""))
    opened = await alex.click(final, "Vent privately")
    assert opened.modal is not None
    await alex.submit_modal(opened.modal, {"vent": CRISIS_WORDS, "keep": ["yes"]})
    message = await (await alex.slash("journal")).wait_final()
    assert message.ephemeral and kinds(message) == ["Kept vent"]
    assert entries(message)[0][1] == CRISIS_WORDS
