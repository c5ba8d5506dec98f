"""Seeding a member's data through the real commands, for the data-rights and encryption tests.

Each step runs only when its feature's command is loaded, so these tests grow as features land.
Free text carries a marker (`Marker`) so tests can look for it in exports and in raw database bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from emulator import EmulatedMessage, SimulatedMember
from emulator.state import ChannelRecord
from tests.harness import Harness, message_of

DAY = timedelta(days=1)


@dataclass
class Marker:
    """Distinct phrases a member wrote, one per free-text place, so each can be searched for."""

    name: str
    written: dict[str, str] = field(default_factory=dict)

    def text(self, place: str, body: str) -> str:
        """A phrase unique to this member and place, e.g. 'alexvent quokka: <body>'."""
        phrase = f"{self.name}{place} quokka: {body}"
        self.written[place] = phrase
        return phrase


def rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows(sql, params)


def loaded(harness: Harness, command: str) -> bool:
    """True when the bot has registered a top-level slash command of that name."""
    return harness.running.tree.get_command(command) is not None


async def set_up_wins_channel(harness: Harness) -> ChannelRecord:
    """An admin creates #wins and points the bot at it."""
    channel = harness.emulator.create_text_channel(harness.guild_id, "wins")
    await harness.member("server-admin", admin=True).slash("setup wins-channel", channel=channel)
    return channel


async def log_rejection(
    member: SimulatedMember, feeling: str, level: int, **options: str
) -> tuple[int, EmulatedMessage]:
    """/rejected, feeling and intensity; return the check-in id and the final message."""
    start = await member.slash("rejected", options=options)
    picked = await member.select(message_of(start), "checkin:feeling", [feeling])
    button = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(f":{level}"))
    final = await member.click(message_of(picked), button.custom_id or "")
    assert final.message is not None
    return int((button.custom_id or "").split(":")[2]), final.message


async def keep_vent(member: SimulatedMember, message: EmulatedMessage, text: str) -> None:
    """Vent privately and keep it in the journal."""
    opened = await member.click(message, "Vent privately")
    assert opened.modal is not None
    await member.submit_modal(opened.modal, {"vent": text, "keep": ["yes"]})


async def seed_member(harness: Harness, member: SimulatedMember, marker: Marker) -> dict[str, int]:
    """Use every loaded feature as `member`, writing marked free text; return ids worth keeping."""
    ids: dict[str, int] = {}
    checkin_id, final = await log_rejection(member, "disappointed", 4, company=f"{marker.name}Corp", stage="onsite")
    ids["checkin"] = checkin_id
    await keep_vent(member, final, marker.text("vent", "they never even looked at my portfolio"))

    if loaded(harness, "reflect"):
        opened = await member.slash("reflect", rejection=str(checkin_id))
        assert opened.modal is not None
        await member.submit_modal(
            opened.modal,
            {
                "hard": marker.text("hard", "tell me about a conflict you handled"),
                "went_well": marker.text("well", "I explained the migration clearly"),
                "practise": marker.text("practise", "shorter answers about budgets"),
                "differently": marker.text("differently", "ask about the team earlier"),
            },
        )

    if loaded(harness, "feedback"):
        draft = await member.slash(
            "feedback draft",
            rejection=str(checkin_id),
            interviewer=marker.text("interviewer", "Jo"),
            tone="warm",
            sign_as=marker.text("signature", "Sam"),
        )
        assert draft.message is not None
        await member.click(draft.message, "I sent it")

    if loaded(harness, "win"):
        preview = await member.slash("win", text=marker.text("win", "got a second interview"), category="interview")
        await (await member.click(message_of(preview), "Post")).followup()
        await member.slash("win", text=marker.text("windraft", "finished my portfolio"), category="other")

    if loaded(harness, "practice"):
        asked = await member.slash("practice", category="behavioural")
        opened = await member.click(message_of(asked), "Answer")
        assert opened.modal is not None
        feedback = await member.submit_modal(
            opened.modal,
            {"answer": marker.text("answer", "In my last role I led a migration and cut costs by 20 percent")},
        )
        assert feedback.message is not None
        await member.click(feedback.message, "2")

    if loaded(harness, "nudges"):
        await (await member.slash("nudges start", time="09:00", timezone="Europe/London")).wait_final()
        await (await member.slash("nudges preview")).wait_final()
        nudge = await member.wait_for_dm(lambda m: any(b.label == "Log how I feel" for b in m.buttons()))
        asked = await member.click(nudge, "Log how I feel")
        assert asked.message is not None
        await member.click(asked.message, "2")
    return ids


async def finish_feedback(harness: Harness, members: list[tuple[SimulatedMember, Marker]]) -> None:
    """Let the feedback follow-up fall due and note each company's reply (marked text)."""
    if not loaded(harness, "feedback"):
        return
    await harness.advance(timedelta(seconds=harness.running.settings.feedback_followup_delay_seconds) + DAY)
    for member, marker in members:
        ask = await member.wait_for_dm(lambda m: any(b.label == "They replied" for b in m.buttons()))
        opened = await member.click(ask, "They replied")
        assert opened.modal is not None
        await member.submit_modal(opened.modal, {"note": marker.text("note", "strong on SQL, light on stakeholders")})


async def fill_in_yesterday(harness: Harness, member: SimulatedMember) -> None:
    """Open /progress on a day after a gap and fill yesterday in."""
    message = await (await member.slash("progress")).wait_final()
    button = next(b for b in message.buttons() if (b.label or "").startswith("Fill in"))
    opened = await member.click(message, button.custom_id or "")
    assert opened.modal is not None
    await member.submit_modal(opened.modal, {"feeling": ["relieved"], "intensity": ["2"]})
