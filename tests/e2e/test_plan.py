"""`/plan` end to end: "Add to my plan" from a reflection, a feedback reply and a practice answer; the list with its
sources; edit, done (and a win to draft), drop; restarts, other members, care mode, export and deletion."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from emulator import EmulatedMessage, SimulatedMember
from tests.harness import Harness, message_of

DAY = timedelta(days=1)
CRISIS_WORDS = "i already wrote the goodbye letters to my family, i want to die"
HARD = "Tell me about a time you failed\nHow do you handle conflict with a manager?"
FEEDBACK = (
    "Thanks again for your time. Your communication was excellent and the team enjoyed meeting you. "
    "However, we would have liked to see more depth on system design. "
    "We were also looking for more experience with stakeholder management."
)
VAGUE = "I'm a hard worker and I always get things done. I usually work well with people. I just try to do my best."


def rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
    """Read the database directly, as an auditor would."""
    return harness.rows(sql, params)


def plan_rows(harness: Harness, member: SimulatedMember) -> list[Any]:
    return rows(harness, "SELECT * FROM plan_items WHERE user_id = ? ORDER BY id", (member.user_id,))


def labels(message: EmulatedMessage) -> list[str]:
    return [button.label or "" for button in message.buttons()]


def offers(message: EmulatedMessage) -> list[str]:
    return [label for label in labels(message) if label.startswith("Plan:") or label == "Add to my plan"]


async def reflect(member: SimulatedMember, hard: str = HARD) -> EmulatedMessage:
    opened = await member.slash("reflect", rejection="new")
    assert opened.modal is not None
    return message_of(await member.submit_modal(opened.modal, {"hard": hard, "went_well": "I stayed calm"}))


async def feedback_reply(harness: Harness, member: SimulatedMember, note: str = FEEDBACK) -> EmulatedMessage:
    """A rejection, a feedback request sent, the follow-up a week later, and "They replied" with the note."""
    await member.slash("rejected", company="Initech")
    checkin_id = rows(harness, "SELECT MAX(id) AS id FROM checkins")[0]["id"]
    drafted = await member.slash("feedback draft", rejection=str(checkin_id))
    await member.click(message_of(drafted), "I sent it")
    await harness.advance(7 * DAY + timedelta(hours=6))  # follow-ups wait for daytime
    dm = await member.wait_for_dm()
    opened = await member.click(dm, "They replied")
    assert opened.modal is not None
    return message_of(await member.submit_modal(opened.modal, {"note": note}))


async def rated_answer(member: SimulatedMember, rating: str) -> EmulatedMessage:
    question = message_of(await member.slash("practice", category="behavioural"))
    opened = await member.click(question, "Answer")
    assert opened.modal is not None
    answered = message_of(await member.submit_modal(opened.modal, {"answer": VAGUE}))
    return message_of(await member.click(answered, rating))


async def plan(member: SimulatedMember) -> EmulatedMessage:
    result = await member.slash("plan")
    assert result.ephemeral
    return message_of(result)


async def open_item(member: SimulatedMember, listing: EmulatedMessage, item_id: int) -> EmulatedMessage:
    picked = await member.select(listing, "plan:pick", [str(item_id)])
    assert picked.ephemeral
    return message_of(picked)


async def test_a_hard_question_from_a_reflection_goes_on_the_plan_in_one_click(harness: Harness) -> None:
    alex = harness.member("alex")
    reply = await reflect(alex)
    assert offers(reply) == [
        "Plan: Tell me about a time you failed",
        "Plan: How do you handle conflict with a manager?",
    ]
    assert plan_rows(harness, alex) == []  # nothing is added without a click
    added = message_of(await alex.click(reply, "Plan: Tell me about a time you failed"))
    assert "Added to your plan" in added.text() and "Tell me about a time you failed" in added.text()
    (item,) = plan_rows(harness, alex)
    question_id = rows(harness, "SELECT MIN(id) AS id FROM hard_questions")[0]["id"]
    assert (item["source_kind"], item["source_id"], item["action"], item["state"]) == (
        "question",
        question_id,
        "practise",
        "open",
    )
    assert item["question_key"] == f"hard:{question_id}"
    assert "failed" not in item["text_encrypted"]
    again = message_of(await alex.click(reply, "Plan: Tell me about a time you failed"))
    assert "already on your plan" in again.text()
    assert len(plan_rows(harness, alex)) == 1


async def test_a_feedback_reply_offers_each_actionable_line_but_never_the_praise(harness: Harness) -> None:
    alex = harness.member("alex")
    thanks = await feedback_reply(harness, alex)
    assert offers(thanks) == ["Plan: System design", "Plan: Stakeholder management"]
    assert plan_rows(harness, alex) == []
    await alex.click(thanks, "Plan: Stakeholder management")
    (item,) = plan_rows(harness, alex)
    note_id = rows(harness, "SELECT id FROM feedback_notes")[0]["id"]
    assert (item["source_kind"], item["source_id"], item["source_part"], item["action"]) == (
        "feedback",
        note_id,
        1,
        "story",
    )
    listing = await plan(alex)
    assert "Stakeholder management" in listing.text() and "from an interviewer's feedback" in listing.text()
    assert "Prepare a story" in listing.text()


async def test_a_practice_answer_rated_low_can_go_on_the_plan_and_one_rated_well_is_not_offered(
    harness: Harness,
) -> None:
    alex = harness.member("alex")
    good = await rated_answer(alex, "4")
    assert offers(good) == []
    low = await rated_answer(alex, "1 · shaky")
    assert offers(low) == ["Add to my plan"]
    added = message_of(await alex.click(low, "Add to my plan"))
    assert "Added to your plan" in added.text()
    (item,) = plan_rows(harness, alex)
    turn = rows(harness, "SELECT question_key FROM practice_turns ORDER BY id DESC LIMIT 1")[0]
    assert (item["source_kind"], item["action"], item["question_key"]) == ("answer", "practise", turn["question_key"])


async def test_the_plan_lists_items_with_sources_and_they_are_edited_done_and_dropped(harness: Harness) -> None:
    alex = harness.member("alex")
    reply = await reflect(alex)
    await alex.click(reply, "Plan: Tell me about a time you failed")
    empty_form = await alex.click(await plan(alex), "Add my own")
    assert empty_form.modal is not None
    saved = await alex.submit_modal(empty_form.modal, {"text": "Rewrite my CV summary", "action": ["cv"]})
    assert "Saved to your plan" in message_of(saved).text()

    listing = await plan(alex)
    text = listing.text()
    assert "1.** Tell me about a time you failed" in text and "2.** Rewrite my CV summary" in text
    assert "from a hard question from one of your reflections" in text and "from your own words" in text
    assert "Practise a question" in text and "Update a CV section" in text
    assert "2 of 10 open" in text
    first, own = (row["id"] for row in plan_rows(harness, alex))

    item = await open_item(alex, listing, own)
    assert labels(item) == ["Done", "Edit", "Drop"]
    form = await alex.click(item, "Edit")
    assert form.modal is not None
    assert form.modal.field("text").value == "Rewrite my CV summary"
    await alex.submit_modal(form.modal, {"text": "Rewrite my CV summary for product roles", "action": ["story"]})
    edited = plan_rows(harness, alex)[1]
    assert edited["action"] == "story" and "product roles" not in edited["text_encrypted"]
    assert "Rewrite my CV summary for product roles" in (await plan(alex)).text()

    await harness.restart()  # the old messages' components still work
    done = message_of(await alex.click(await open_item(alex, listing, first), "Done"))
    assert "Tell me about a time you failed" in done.text()
    assert "Draft it as a win" in labels(done)
    preview = message_of(await alex.click(done, "Draft it as a win"))
    assert preview.ephemeral and "Tell me about a time you failed" in preview.text()
    (win,) = rows(harness, "SELECT state, source FROM wins")
    assert (win["state"], win["source"]) == ("draft", "plan")  # nothing posted without a click

    dropped = message_of(await alex.click(await open_item(alex, listing, own), "Drop"))
    assert "Dropped" in dropped.text()
    assert [(row["id"], row["state"]) for row in plan_rows(harness, alex)] == [(first, "done")]
    after = (await plan(alex)).text()
    assert "Your plan is empty" in after and "1 done so far" in after


async def test_offer_buttons_still_work_after_a_restart(harness: Harness) -> None:
    alex = harness.member("alex")
    thanks = await feedback_reply(harness, alex)
    await harness.restart()
    added = message_of(await alex.click(thanks, "Plan: System design"))
    assert "System design" in added.text()
    assert [row["source_part"] for row in plan_rows(harness, alex)] == [0]


async def test_someone_else_cannot_press_my_plan_s_buttons(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    reply = await reflect(alex)
    refused = message_of(await bob.click(reply, "Plan: Tell me about a time you failed", force=True))
    assert "someone else's private plan" in refused.text()
    assert plan_rows(harness, alex) == [] and plan_rows(harness, bob) == []
    await alex.click(reply, "Plan: Tell me about a time you failed")
    listing = await plan(alex)
    (item,) = plan_rows(harness, alex)
    picked = message_of(await bob.select(listing, "plan:pick", [str(item["id"])], force=True))
    assert "someone else's private plan" in picked.text()
    item_message = await open_item(alex, listing, item["id"])
    for label in ("Done", "Drop", "Edit"):
        result = await bob.click(item_message, label, force=True)
        assert result.modal is None and "someone else's private plan" in message_of(result).text()
    assert [(row["id"], row["state"]) for row in plan_rows(harness, alex)] == [(item["id"], "open")]


async def test_the_plan_holds_ten_open_items_and_says_so_kindly(harness: Harness) -> None:
    alex = harness.member("alex")
    for number in range(10):
        form = await alex.click(await plan(alex), "Add my own")
        assert form.modal is not None
        await alex.submit_modal(form.modal, {"text": f"Thing number {number}"})
    listing = await plan(alex)
    assert "10 of 10 open" in listing.text()
    full = message_of(await alex.click(listing, "Add my own"))
    assert "plenty to be getting on with" in full.text()
    reply = await reflect(alex)
    refused = message_of(await alex.click(reply, "Plan: Tell me about a time you failed"))
    assert "plenty to be getting on with" in refused.text()
    assert len(plan_rows(harness, alex)) == 10


async def test_care_mode_hides_offers_and_finishing_an_item_is_not_celebrated(harness: Harness) -> None:
    alex = harness.member("alex")
    reply = await reflect(alex)
    await alex.click(reply, "Plan: Tell me about a time you failed")
    await alex.slash("rejected", company=CRISIS_WORDS[:100])  # care mode starts
    assert offers(await reflect(alex, "Why should we hire you?")) == []
    assert offers(await rated_answer(alex, "1 · shaky")) == []
    listing = await plan(alex)
    assert "No pressure on any of this today" in listing.text()
    (item,) = plan_rows(harness, alex)
    done = message_of(await alex.click(await open_item(alex, listing, item["id"]), "Done"))
    assert "Marked done" in done.text() and "Draft it as a win" not in labels(done)
    await harness.advance(DAY + timedelta(hours=1))  # care mode is over: offers are back
    assert offers(await reflect(alex, "Why should we hire you?")) == ["Plan: Why should we hire you?"]


async def export_of(member: SimulatedMember) -> dict[str, Any]:
    result = await member.slash("mydata export")
    message = await result.wait_final()
    [attachment] = message.attachments
    export: dict[str, Any] = json.loads(attachment.data.decode("utf-8"))
    return export


async def test_export_holds_the_plan_and_delete_removes_it(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    for member in (alex, bob):
        form = await member.click(await plan(member), "Add my own")
        assert form.modal is not None
        await member.submit_modal(form.modal, {"text": f"{member.name} wants to practise salary talks"})
    section = (await export_of(alex))["sections"]["plan_items"]
    [record] = section["records"]
    assert record["text"] == "alex wants to practise salary talks" and "text_encrypted" not in record
    assert record["source_kind"] == "own" and "growth plan" in section["about"]
    asked = await alex.slash("mydata delete")
    deleted = await alex.click(message_of(asked), "Delete everything")
    if deleted.deferred:
        await deleted.followup()
    assert plan_rows(harness, alex) == []
    assert len(plan_rows(harness, bob)) == 1


async def test_practice_and_the_nudge_draw_from_an_open_item_first(harness: Harness) -> None:
    alex = harness.member("alex")
    reply = await reflect(alex)  # without a plan, the newest hard question ("How do you handle...") comes first
    await alex.click(reply, "Plan: Tell me about a time you failed")
    asked = message_of(await alex.slash("practice"))
    assert "From your plan" in asked.text() and "Tell me about a time you failed" in asked.text()
    again = message_of(await alex.slash("practice"))  # not the same one again straight away
    assert "From your plan" not in again.text() and "How do you handle conflict" in again.text()

    result = await alex.slash("nudges start", time="10:00", timezone="Europe/London")
    if result.deferred:
        await result.wait_final()
    nudges = harness.running.get_cog("NudgesCog")
    assert nudges is not None
    harness.clock.advance(timedelta(hours=1))
    await nudges.run_due_nudges()  # type: ignore[attr-defined]
    (nudge,) = [m for m in alex.dms() if any(b.label == "Helpful" for b in m.buttons())]
    text = nudge.embeds[0]["description"]
    assert "From your plan: “Tell me about a time you failed.”" in text and "How do you handle" not in text

    listing = await plan(alex)
    (item,) = plan_rows(harness, alex)
    await alex.click(await open_item(alex, listing, item["id"]), "Done")
    harness.clock.advance(timedelta(days=1))
    later = message_of(await alex.slash("practice"))
    assert "From your plan" not in later.text()  # a done item is no longer asked first
