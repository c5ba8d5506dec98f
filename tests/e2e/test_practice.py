"""`/practice` end to end: questions, the answer modal, feedback, self-rating, mock interviews, spaced repetition."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import discord

from cogs.practice import questions
from cogs.practice.store import PracticeStore
from cogs.practice.views import StartButton
from emulator import EmulatedMessage, InteractionResult, SimulatedMember
from tests.harness import Harness, field_containing, message_of

STRONG = (
    "In my last role at a logistics company, our warehouse team was missing about 15% of same-day shipments because "
    "orders were picked in the wrong sequence. My task was to fix the picking process before the holiday peak, six "
    "weeks away. I mapped the flow with the three shift leads, found the pick lists were sorted by order time rather "
    "than by aisle, and I rewrote the list generator so it grouped items by location. I then ran a two-week pilot on "
    "one shift and trained the other two shifts myself. As a result, missed shipments dropped from 15% to 4%, and we "
    "got through the peak without overtime. I learned that talking to the people doing the work saves guessing."
)
VAGUE = "I'm a hard worker and I always get things done. I usually work well with people. I just try to do my best."
ONLY_WE = (
    "We had a big client project that was behind schedule. We sat down as a team and we reorganised the plan. We split "
    "the work into smaller pieces and we met every morning. In the end we delivered on time and the client renewed."
)
HONEST_NOTE = "rule-based"


def rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows(sql, params)


def question_of(message: EmulatedMessage) -> str:
    """The question text in a question message (the bold line of its description)."""
    description: str = message.embeds[0]["description"]
    bold = [part for part in description.split("\n\n") if part.startswith("**") and part.endswith("**")]
    assert bold, description
    return bold[-1].strip("*")


async def answer(
    member: SimulatedMember, message: EmulatedMessage, text: str, button: str = "Answer"
) -> InteractionResult:
    """Press Answer (or Try again), fill the modal and submit; return the feedback reply."""
    opened = await member.click(message, button)
    assert opened.modal is not None, opened
    submitted = await member.submit_modal(opened.modal, {"answer": text})
    assert submitted.message is not None
    return submitted


async def test_single_question_answer_feedback_and_rating(harness: Harness) -> None:
    alex = harness.member("alex")
    asked = await alex.slash("practice", category="behavioural")
    assert asked.ephemeral and asked.latency is not None and asked.latency < 3
    question = message_of(asked)
    assert question.embeds[0]["title"] == "Practice question"
    assert "What a strong answer covers" in question.text()
    assert [b.label for b in question.buttons()] == ["Answer"]
    text = question_of(question)
    assert text in {q.text for q in questions.bank().values() if q.category == "behavioural"}

    opened = await alex.click(question, "Answer")
    assert opened.modal is not None
    (answer_field,) = opened.modal.fields
    assert answer_field.style == 2 and answer_field.max_length == 4000

    feedback = await alex.submit_modal(opened.modal, {"answer": STRONG})
    assert feedback.ephemeral
    reply = feedback.message
    assert reply is not None
    structure = field_containing(reply, "STAR")
    for part in ("Situation", "Task", "Action", "Result"):
        assert f"✅ **{part}**" in structure
    assert "“in my last role”" in structure
    assert "15%" in field_containing(reply, "What's working")
    assert HONEST_NOTE in reply.embeds[-1]["footer"]["text"]
    labels = [b.label for b in reply.buttons()]
    assert labels[:5] == ["1 · shaky", "2", "3", "4", "5 · solid"]
    assert labels[5:] == ["Try again", "Next question", "Done", "Delete this"]

    rated = await alex.click(reply, "4")
    assert "4/5" in message_of(rated).text()
    chosen = [b for b in message_of(rated).buttons() if b.style == 3]
    assert [b.label for b in chosen] == ["4"]

    (stored,) = rows(harness, "SELECT * FROM practice_answers")
    assert stored["user_id"] == alex.user_id and stored["self_rating"] == 4
    assert "warehouse" not in stored["answer_encrypted"]
    assert b"warehouse" not in harness.stored_bytes()
    assert "star_complete" in stored["codes"].split(",")
    assert rows(harness, "SELECT * FROM practice_reviews") == []


async def test_vague_and_we_only_answers_get_specific_advice(harness: Harness) -> None:
    alex = harness.member("alex")
    asked = await alex.slash("practice", category="behavioural")
    vague = message_of(await answer(alex, message_of(asked), VAGUE))
    advice = field_containing(vague, "To work on")
    assert "Pick one real time" in advice and "“always”" in advice
    assert "Tell it as a story" in advice

    again = message_of(await answer(alex, vague, ONLY_WE, button="Try again"))
    assert "Say what you did" in field_containing(again, "To work on")
    attempts = rows(harness, "SELECT turn_id FROM practice_answers ORDER BY id")
    assert len(attempts) == 2 and attempts[0]["turn_id"] == attempts[1]["turn_id"]


async def test_someone_else_cannot_answer_my_question(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    asked = await alex.slash("practice")
    refused = await bob.click(message_of(asked), "Answer")
    assert refused.modal is None and refused.ephemeral
    assert "someone else" in message_of(refused).text()


async def test_mock_interview_of_three_ends_with_a_summary(harness: Harness) -> None:
    alex = harness.member("alex")
    message = message_of(await alex.slash("practice", category="behavioural", questions=3))
    asked: list[str] = []
    for number, (text, rating) in enumerate(((VAGUE, "2"), (STRONG, "5 · solid"), (ONLY_WE, None)), start=1):
        assert message.embeds[0]["title"] == f"Question {number} of 3"
        asked.append(question_of(message))
        # The strong answer names what it answers, as a candidate would: an answer to another question is never
        # the strongest (see test_an_answer_to_another_question_is_said_so_and_never_ranked_strongest).
        said = f"You asked: {asked[-1]} {text}" if text == STRONG else text
        feedback = message_of(await answer(alex, message, said))
        if rating is not None:
            feedback = message_of(await alex.click(feedback, rating))
        labels = [b.label for b in feedback.buttons()]
        if number < 3:
            assert "Next question" in labels
            message = message_of(await alex.click(feedback, "Next question"))
        else:
            assert "Next question" not in labels and "Done" in labels
            assert "last question" in feedback.text()
    assert len(set(asked)) == 3

    summary = message_of(await alex.click(feedback, "Done"))
    assert summary.ephemeral
    embed = summary.embeds[0]
    assert embed["title"] == "How your mock interview went"
    assert "3 of 3" in embed["description"]
    strongest = field_containing(summary, "Strongest answer")
    assert strongest.startswith(f"Question 2: “{asked[1]}”")
    assert "all four STAR parts" in strongest
    # Two of the three answers were too short and had no figures; length comes first.
    assert "Give your answers more room" in field_containing(summary, "One thing to work on")
    ratings = field_containing(summary, "Your own ratings").splitlines()
    assert [line.rsplit(": ", 1)[1] for line in ratings] == ["2/5", "5/5", "not rated"]
    (session,) = rows(harness, "SELECT * FROM practice_sessions")
    assert (session["planned"], session["mock"]) == (3, 1) and session["finished_at"] is not None


async def test_next_question_pressed_twice_asks_only_once(harness: Harness) -> None:
    alex = harness.member("alex")
    message = message_of(await alex.slash("practice", category="technical", questions=2))
    feedback = message_of(await answer(alex, message, STRONG))
    first = message_of(await alex.click(feedback, "Next question"))
    second = message_of(await alex.click(feedback, "Next question"))
    assert question_of(first) == question_of(second)
    assert len(rows(harness, "SELECT * FROM practice_turns")) == 2


async def test_a_low_rated_question_comes_back_later(harness: Harness) -> None:
    alex = harness.member("alex")
    first = message_of(await alex.slash("practice", category="motivation"))
    hard = question_of(first)
    feedback = message_of(await answer(alex, first, VAGUE))
    rated = message_of(await alex.click(feedback, "1 · shaky"))
    assert "come back" in rated.text()
    await alex.click(rated, "Done")
    bot = harness.running
    assert await PracticeStore(bot.database, bot.cipher).due_for_review(alex.user_id, bot.now()) == []

    not_yet = message_of(await alex.slash("practice", category="motivation"))
    assert question_of(not_yet) != hard

    await harness.advance(timedelta(days=1, minutes=1))
    due = await PracticeStore(bot.database, bot.cipher).due_for_review(alex.user_id, bot.now())
    assert [item.last_rating for item in due] == [1]
    back = message_of(await alex.slash("practice", category="motivation"))
    assert question_of(back) == hard
    assert "Back for another go: this one felt hard last time" in back.embeds[0]["description"]

    solid = message_of(await alex.click(message_of(await answer(alex, back, STRONG)), "4"))
    assert "4/5" in solid.text()
    assert await PracticeStore(bot.database, bot.cipher).due_for_review(alex.user_id, bot.now()) == []


async def test_practise_a_question_after_rejected(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected", company="Acme")
    picked = await alex.select(message_of(start), "checkin:feeling", ["disappointed"])
    three = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(":3"))
    final = message_of(await alex.click(message_of(picked), three.custom_id or ""))
    step = next(b for b in final.buttons() if b.label == "Practise a question")
    assert step.custom_id is not None
    assert step.custom_id.startswith("next:practice:") and step.custom_id.endswith(f":{alex.user_id}")
    practice = await alex.click(final, step.custom_id)
    assert practice.ephemeral
    assert message_of(practice).embeds[0]["title"] == "Practice question"
    (session,) = rows(harness, "SELECT * FROM practice_sessions")
    assert session["source"] == "next_step" and session["checkin_id"] is not None


async def test_buttons_keep_working_after_a_restart(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    question = message_of(await alex.slash("practice", questions=2))
    await harness.restart()
    feedback = message_of(await answer(alex, question, STRONG))
    await harness.restart()
    refused = await bob.click(feedback, "2")
    assert "someone else" in message_of(refused).text()
    rated = message_of(await alex.click(feedback, "2"))
    assert "2/5" in rated.text()
    following = message_of(await alex.click(rated, "Next question"))
    assert following.embeds[0]["title"] == "Question 2 of 2"


async def test_my_hard_questions_come_from_a_reflection(harness: Harness) -> None:
    alex = harness.member("alex")
    nothing_yet = message_of(await alex.slash("practice", category="My hard questions"))
    assert "haven't noted any hard questions yet" in nothing_yet.text()
    assert question_of(nothing_yet) in {q.text for q in questions.bank().values()}

    opened = await alex.slash("reflect", rejection="new")
    assert opened.modal is not None
    hard = "- Why are you leaving your current job?\n- Tell me about a time you failed"
    await alex.submit_modal(opened.modal, {"hard": hard, "went_well": "I kept calm", "where": "Analyst at Acme"})

    first = message_of(await alex.slash("practice", category="My hard questions", questions=2))
    assert "from your own reflections" in first.embeds[0]["description"]
    assert "If it's a 'tell me about a time' question" in field_containing(first, "What a strong answer covers")
    feedback = message_of(await answer(alex, first, STRONG))
    assert "✅ **Result**" in field_containing(feedback, "STAR")
    second = message_of(await alex.click(feedback, "Next question"))
    asked = {question_of(first), question_of(second)}
    assert asked == {"Why are you leaving your current job?", "Tell me about a time you failed"}

    # With no category, own questions not yet practised still come first.
    harness.clock.advance(timedelta(minutes=5))
    another = (await alex.slash("reflect", rejection="new")).modal
    assert another is not None
    await alex.submit_modal(another, {"hard": "What's your biggest weakness?", "went_well": "ok"})
    anything = message_of(await alex.slash("practice"))
    assert question_of(anything) == "What's your biggest weakness?"
    assert [r["question_key"].startswith("hard:") for r in rows(harness, "SELECT * FROM practice_turns")] == [
        False,
        True,
        True,
        True,
    ]


async def test_an_answer_typed_across_a_restart_still_arrives(harness: Harness) -> None:
    alex = harness.member("alex")
    question = message_of(await alex.slash("practice", category="situational"))
    opened = await alex.click(question, "Answer")
    assert opened.modal is not None
    await harness.restart()
    feedback = await alex.submit_modal(opened.modal, {"answer": STRONG})
    assert feedback.ephemeral and "Your approach" in message_of(feedback).text()
    assert len(rows(harness, "SELECT * FROM practice_answers WHERE user_id = ?", (alex.user_id,))) == 1


async def test_try_again_opens_with_the_last_answer_filled_in(harness: Harness) -> None:
    alex = harness.member("alex")
    question = message_of(await alex.slash("practice"))
    feedback = message_of(await answer(alex, question, VAGUE))
    retry = await alex.click(feedback, "Try again")
    assert retry.modal is not None and retry.modal.field("answer").value == VAGUE


async def test_crisis_words_in_an_answer_lead_with_support(harness: Harness) -> None:
    alex = harness.member("alex")
    question = message_of(await alex.slash("practice"))
    reply = message_of(await answer(alex, question, "Honestly I want to kill myself after this."))
    assert reply.embeds[0]["title"] == "Before anything else"
    assert "findahelpline.com" in reply.text()


async def test_a_due_question_offered_by_dm_starts_from_its_button(harness: Harness) -> None:
    alex = harness.member("alex")
    first = message_of(await alex.slash("practice", category="technical"))
    hard = question_of(first)
    await alex.click(message_of(await answer(alex, first, VAGUE)), "2")
    await harness.advance(timedelta(days=3))
    bot = harness.running
    (due,) = await PracticeStore(bot.database, bot.cipher).due_for_review(alex.user_id, bot.now())
    # What the nudges feature does: a DM with a button whose custom id /practice owns.
    view = discord.ui.View(timeout=None)
    start = StartButton.custom_id_for("review", alex.user_id)
    view.add_item(discord.ui.Button(label="Practise it now", custom_id=start))
    await bot.delivery.send_dm(alex.user_id, content="A question is ready for another go.", view=view)
    offer = await alex.wait_for_dm(lambda message: "another go" in message.text())
    await harness.restart()
    started = await alex.click(offer, "Practise it now")
    assert started.ephemeral and question_of(message_of(started)) == hard == questions.bank()[due.question_key].text


OFF_TOPIC = (
    "Last spring at my local baking club, our sourdough loaves kept collapsing in the oven. My job was to fix the "
    "recipe before the village fair, six weeks away. I weighed every batch, I cut the water by 10%, and I moved the "
    "final proof into the fridge overnight. As a result, twenty loaves rose properly and we sold out by noon. I "
    "learned that patience with dough beats any clever trick."
)
OWN_QUESTIONS = {
    "Tell me about a time you disagreed with a colleague and how you resolved the conflict": (
        "At my last job a colleague and I disagreed about whether to release a feature early. I listened to her "
        "worries about quality, and we resolved the conflict by agreeing on a smaller release first."
    ),
    "Describe a project deadline you missed and what you changed in your planning afterwards": (
        "I once missed a project deadline because I planned the testing too late. Afterwards I changed my planning "
        "so testing starts in the first week, and I flag any deadline risk to my manager early."
    ),
}


async def test_an_answer_to_another_question_is_said_so_and_never_ranked_strongest(harness: Harness) -> None:
    alex = harness.member("alex")
    opened = await alex.slash("reflect", rejection="new")
    assert opened.modal is not None
    await alex.submit_modal(
        opened.modal, {"hard": "\n".join(f"- {q}" for q in OWN_QUESTIONS), "went_well": "I kept calm"}
    )
    message = message_of(await alex.slash("practice", category="My hard questions", questions=2))
    first_question = question_of(message)
    # The first gets a polished story about baking: complete STAR, figures, but about something else entirely.
    off = message_of(await answer(alex, message, OFF_TOPIC))
    assert "Check it answers this question" in field_containing(off, "To work on")
    assert "question's own words" in off.text()
    second = message_of(await alex.click(off, "Next question"))
    second_question = question_of(second)
    assert {first_question, second_question} == set(OWN_QUESTIONS)
    on = message_of(await answer(alex, second, OWN_QUESTIONS[second_question]))
    assert "Check it answers this question" not in on.text()

    summary = message_of(await alex.click(on, "Done"))
    strongest = field_containing(summary, "Strongest answer")
    assert strongest.startswith(f"Question 2: “{second_question}”"), strongest
