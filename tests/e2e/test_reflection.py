"""`/reflect` and "Reflect now" end to end: what is stored, the hard questions as items, what is said back."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.ui import share_win_custom_id
from cogs.reflection.store import ReflectionStore
from emulator import EmulatedMessage, SimulatedMember
from tests.harness import Harness, message_of, plaintext

CRISIS_HEADING = "Before anything else"
ANSWERS = {
    "hard": "- Tell me about a time you disagreed with a manager\n- Why do you want to leave? How do you prioritise?",
    "went_well": "My story about the data migration landed well. They asked lots of follow-ups.",
    "practise": "Shorter answers on salary expectations",
    "differently": "Ask the panel more questions at the end",
}


def rows(harness: Harness, sql: str) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows(sql)


async def finished_check_in(member: SimulatedMember, **options: str) -> EmulatedMessage:
    """A whole /rejected check-in; returns the message carrying the next-step buttons."""
    start = await member.slash("rejected", options=options)
    picked = await member.select(message_of(start), "checkin:feeling", ["disappointed"])
    three = next(b for b in message_of(picked).buttons() if b.custom_id and b.custom_id.endswith(":3"))
    final = await member.click(message_of(picked), three.custom_id or "")
    assert final.message is not None
    return final.message


async def test_autocomplete_lists_recent_check_ins_newest_first_then_a_new_one(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    await alex.slash("rejected", company="Acme", role="Data Analyst", stage="onsite")
    harness.clock.advance(timedelta(days=1))
    await alex.slash("rejected", company="Globex")
    await bob.slash("rejected", company="Bob's secret employer")
    choices = await alex.autocomplete("reflect", "rejection", "")
    names = [choice["name"] for choice in choices]
    assert names[0] == "Globex · 27 Nov 2026"
    assert names[1] == "Acme — Data Analyst (Onsite / final round) · 26 Nov 2026"
    assert names[-1] == "A new one"
    assert not any("Bob" in name for name in names)
    filtered = await alex.autocomplete("reflect", "rejection", "acme")
    assert [choice["name"] for choice in filtered] == [names[1], "A new one"]


async def test_reflection_is_stored_with_hard_questions_as_items_and_reflected_back(harness: Harness) -> None:
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme", role="Data Analyst")
    checkin_id = rows(harness, "SELECT id FROM checkins")[0]["id"]
    saved = asyncio.ensure_future(harness.running.wait_for("reflection_saved", timeout=5))
    opened = await alex.slash("reflect", rejection=str(checkin_id))
    assert opened.modal is not None
    assert "Acme" in opened.modal.title
    assert len(opened.modal.fields) == 4
    result = await alex.submit_modal(opened.modal, ANSWERS)
    assert result.ephemeral
    text = message_of(result).text()
    # One concrete thing they did well and one next step, in their own words.
    assert "“My story about the data migration landed well”" in text
    assert "“Shorter answers on salary expectations”" in text
    assert "3 hard questions kept for practice" in text

    reflection_row = rows(harness, "SELECT * FROM reflections")[0]
    assert (reflection_row["user_id"], reflection_row["checkin_id"]) == (alex.user_id, checkin_id)
    assert "migration" not in reflection_row["went_well_encrypted"]
    assert await saved == (alex.user_id, reflection_row["id"])
    share = message_of(result).find_button("Share as a win")
    assert share.custom_id == share_win_custom_id("reflection", reflection_row["id"], alex.user_id)

    bot = harness.running
    reflection = await ReflectionStore(bot.database, bot.cipher).get(reflection_row["id"], alex.user_id)
    assert reflection is not None
    assert reflection.went_well == ANSWERS["went_well"]
    assert reflection.practise_next == ANSWERS["practise"]
    assert reflection.do_differently == ANSWERS["differently"]
    questions = await ReflectionStore(bot.database, bot.cipher).hard_questions(alex.user_id)
    assert sorted(q.text for q in questions) == [
        "How do you prioritise?",
        "Tell me about a time you disagreed with a manager",
        "Why do you want to leave?",
    ]
    assert {q.checkin_id for q in questions} == {checkin_id}
    assert len(rows(harness, "SELECT * FROM hard_questions WHERE reflection_id IS NOT NULL")) == 3
    assert b"disagreed with a manager" not in harness.stored_bytes()


async def test_reflect_now_button_after_rejected_opens_the_reflection_for_that_check_in(harness: Harness) -> None:
    alex = harness.member("alex")
    final = await finished_check_in(alex, company="Initech", role="QA Engineer")
    opened = await alex.click(final, "Reflect now")
    assert opened.modal is not None and "Initech" in opened.modal.title
    await alex.submit_modal(opened.modal, {"went_well": "I stayed calm in the live test"})
    checkin_id = rows(harness, "SELECT id FROM checkins")[0]["id"]
    assert rows(harness, "SELECT checkin_id FROM reflections")[0]["checkin_id"] == checkin_id


async def test_reflect_now_still_works_after_a_restart(harness: Harness) -> None:
    alex = harness.member("alex")
    final = await finished_check_in(alex, company="Initech")
    await harness.restart()
    opened = await alex.click(final, "Reflect now")
    assert opened.modal is not None
    result = await alex.submit_modal(opened.modal, {"went_well": "Good rapport with the panel"})
    assert "Good rapport with the panel" in message_of(result).text()


async def test_someone_else_cannot_reflect_on_my_check_in(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    final = await finished_check_in(alex, company="Initech")
    refused = await bob.click(final, "Reflect now")
    assert refused.modal is None
    assert refused.ephemeral and "someone else" in message_of(refused).text()
    checkin_id = rows(harness, "SELECT id FROM checkins")[0]["id"]
    other = await bob.slash("reflect", rejection=str(checkin_id))
    assert other.modal is None and "couldn't find" in message_of(other).text()


async def test_a_new_one_becomes_a_check_in_when_company_and_role_are_given(harness: Harness) -> None:
    alex = harness.member("alex")
    opened = await alex.slash("reflect", rejection="new")
    assert opened.modal is not None and len(opened.modal.fields) == 5
    await alex.submit_modal(opened.modal, {"went_well": "Clear examples", "where": "Data Analyst at Umbrella"})
    checkin = rows(harness, "SELECT * FROM checkins")[0]
    stored = (plaintext(checkin["company_encrypted"]), plaintext(checkin["role_encrypted"]), checkin["user_id"])
    assert stored == ("Umbrella", "Data Analyst", alex.user_id)
    assert rows(harness, "SELECT checkin_id FROM reflections")[0]["checkin_id"] == checkin["id"]


async def test_a_new_one_without_details_stays_unlinked_and_typed_text_prefills(harness: Harness) -> None:
    alex = harness.member("alex")
    opened = await alex.slash("reflect", rejection="A new one")
    assert opened.modal is not None
    await alex.submit_modal(opened.modal, {"went_well": "I asked good questions"})
    assert rows(harness, "SELECT checkin_id FROM reflections")[0]["checkin_id"] is None
    assert rows(harness, "SELECT COUNT(*) AS n FROM checkins")[0]["n"] == 0
    typed = await alex.slash("reflect", rejection="Hooli")
    assert typed.modal is not None and typed.modal.field("where").value == "Hooli"


async def test_next_step_comes_from_a_hard_question_when_nothing_to_practise_was_given(harness: Harness) -> None:
    alex = harness.member("alex")
    opened = await alex.slash("reflect", rejection="new")
    assert opened.modal is not None
    result = await alex.submit_modal(
        opened.modal, {"went_well": "Showed up despite nerves", "hard": "What is your biggest weakness?"}
    )
    text = message_of(result).text()
    assert "“Showed up despite nerves”" in text
    assert "“What is your biggest weakness?”" in text
    assert "1 hard question kept for practice" in text


async def test_crisis_words_lead_with_helplines(harness: Harness) -> None:
    alex = harness.member("alex")
    opened = await alex.slash("reflect", rejection="new")
    assert opened.modal is not None
    result = await alex.submit_modal(
        opened.modal, {"went_well": "Nothing. I want to end my life.", "differently": "Not exist"}
    )
    assert message_of(result).embeds[0]["title"] == CRISIS_HEADING
    assert len(rows(harness, "SELECT * FROM reflections")) == 1


NOTHING_WENT_WELL = [
    "Honestly nothing. I was terrible",
    "n/a",
    "Not much, to be honest",
    "idk",
    "-",
    "nothing went well",
    "I bombed all of it",
    "",
]


async def test_an_empty_dismissive_or_negative_went_well_is_met_honestly_never_praised(harness: Harness) -> None:
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme", role="Data Analyst", stage="technical")
    checkin_id = rows(harness, "SELECT id FROM checkins")[0]["id"]
    for answer in NOTHING_WENT_WELL:
        opened = await alex.slash("reflect", rejection=str(checkin_id))
        assert opened.modal is not None
        result = await alex.submit_modal(opened.modal, {"went_well": answer} if answer else {})
        text = message_of(result).text()
        assert "technical interview" in text, answer  # the one small thing they did: the stage they reached
        assert "strength" not in text and "“" not in text and "did well" not in text, answer
        labels = [button.label for button in message_of(result).buttons()]
        assert labels == ["Delete this"], answer
    assert len(rows(harness, "SELECT * FROM reflections")) == len(NOTHING_WENT_WELL)


async def test_without_a_stage_the_small_thing_is_showing_up_or_the_questions_named(harness: Harness) -> None:
    alex = harness.member("alex")
    opened = await alex.slash("reflect", rejection="new")
    assert opened.modal is not None
    plain_answer = await alex.submit_modal(opened.modal, {"went_well": "Not much tbh"})
    assert "you showed up" in message_of(plain_answer).text()
    again = await alex.slash("reflect", rejection="new")
    assert again.modal is not None
    with_questions = await alex.submit_modal(again.modal, {"went_well": "none", "hard": "Why should we hire you?"})
    text = message_of(with_questions).text()
    assert "questions that felt hardest" in text and "“Why should we hire you?”" in text
    mixed = await alex.slash("reflect", rejection="new")
    assert mixed.modal is not None
    kind = await alex.submit_modal(mixed.modal, {"went_well": "I froze at first, but my project story landed"})
    assert "“my project story landed”" in message_of(kind).text()
    assert message_of(kind).find_button("Share as a win")
