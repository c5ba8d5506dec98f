"""A member's six weeks, written through the real commands, for the patterns and journal tests.

Five rejections ten or so days apart, at varied stages (three after the final round), each reflected on; three
reflections name system design as the hard part, three say they explained things clearly; one company replies to
a feedback request; two practice answers; one vent kept. Feelings start heavy (sad, 5) and end lighter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from emulator import EmulatedMessage, SimulatedMember
from tests.e2e.mydata_helpers import keep_vent, log_rejection
from tests.harness import Harness, message_of

DAY = timedelta(days=1)

# (days after the start, stage, feeling, intensity, hard part, what went well)
REJECTIONS = [
    (0, "screen", "sad", 5, "Why do you want to leave your job?", "I explained my background clearly"),
    (10, "onsite", "frustrated", 4, "Design a ride-sharing backend: the system design round", "Good rapport"),
    (20, "onsite", "anxious", 3, "System design of a chat app, scaling to millions", "I explained trade-offs clearly"),
    (30, "technical", "disappointed", 3, "A SQL window function under time pressure", "Stayed calm"),
    (42, "onsite", "motivated", 4, "The system design interview again: caching layers", "Explained my project clearly"),
]
FEEDBACK_NOTE = "Thanks for your time. We wanted more depth in system design; your communication was great."
ANSWERS = [
    "In my last role I redesigned our reporting pipeline and cut the nightly run from four hours to forty minutes.",
    "I led a small team through a migration; I planned it in phases and we shipped a week early.",
]
VENT = "Five rounds and a no. I'm tired, but I'm still going."


@dataclass
class Story:
    """What the member wrote, with the ids the tests check."""

    checkins: list[int] = field(default_factory=list)
    reflections: list[int] = field(default_factory=list)
    answers: int = 0


async def reflect(member: SimulatedMember, checkin_id: int, hard: str, went_well: str) -> None:
    """/reflect on a logged rejection and submit the modal."""
    opened = await member.slash("reflect", rejection=str(checkin_id))
    assert opened.modal is not None
    submitted = await member.submit_modal(opened.modal, {"hard": hard, "went_well": went_well})
    assert submitted.message is not None


async def practise(member: SimulatedMember, answer: str) -> None:
    """/practice one question and answer it."""
    asked = await member.slash("practice", category="behavioural")
    opened = await member.click(message_of(asked), "Answer")
    assert opened.modal is not None
    feedback = await member.submit_modal(opened.modal, {"answer": answer})
    assert feedback.message is not None


async def six_weeks(harness: Harness, member: SimulatedMember) -> Story:
    """Live through the member's six weeks (the clock moves with `harness.advance`)."""
    story = Story()
    today = 0
    final: EmulatedMessage | None = None
    for day, stage, feeling, level, hard, went_well in REJECTIONS:
        if day > today:
            await harness.advance(DAY * (day - today))
            today = day
        checkin_id, final = await log_rejection(member, feeling, level, company=f"Company {day}", stage=stage)
        story.checkins.append(checkin_id)
        await reflect(member, checkin_id, hard, went_well)
        if day == 10:  # ask this company for feedback; it replies a week later
            draft = await member.slash("feedback draft", rejection=str(checkin_id))
            await member.click(message_of(draft), "I sent it")
        if day == 20:
            ask = await member.wait_for_dm(lambda m: any(b.label == "They replied" for b in m.buttons()))
            opened = await member.click(ask, "They replied")
            assert opened.modal is not None
            await member.submit_modal(opened.modal, {"note": FEEDBACK_NOTE})
        if day == 30:
            for answer in ANSWERS:
                await practise(member, answer)
                story.answers += 1
    assert final is not None
    await keep_vent(member, final, VENT)
    return story
