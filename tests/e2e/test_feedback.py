"""`/feedback` end to end: the draft, "Remind me", "I sent it" and the follow-up DM's three answers, the list."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cogs.reflection.store import ReflectionStore
from emulator import EmulatedMessage, SimulatedMember
from tests.harness import Harness, message_of

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def new_york_morning(harness: Harness) -> None:
    """Start at 10:00 in New York, the zone the emulator's en-US locale suggests, so DMs due a whole number of
    days later fall in the member's daytime and arrive exactly then."""
    harness.clock.advance(timedelta(hours=6))


def rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows(sql, params)


def request_state(harness: Harness, request_id: int) -> str:
    return str(rows(harness, "SELECT state FROM feedback_requests WHERE id = ?", (request_id,))[0]["state"])


def latest_request_id(harness: Harness) -> int:
    return int(rows(harness, "SELECT MAX(id) AS id FROM feedback_requests")[0]["id"])


async def check_in(harness: Harness, member: SimulatedMember, company: str = "Acme", role: str = "Data Analyst") -> int:
    """Log a rejection; return its check-in id."""
    await member.slash("rejected", company=company, role=role)
    return int(rows(harness, "SELECT MAX(id) AS id FROM checkins WHERE user_id = ?", (member.user_id,))[0]["id"])


async def draft(harness: Harness, member: SimulatedMember, company: str = "Acme", **options: str) -> EmulatedMessage:
    """Log a rejection and draft a feedback request for it; return the draft message."""
    checkin_id = await check_in(harness, member, company)
    result = await member.slash("feedback draft", options={"rejection": str(checkin_id), **options})
    assert result.message is not None
    return result.message


async def sent(harness: Harness, member: SimulatedMember, company: str = "Acme") -> int:
    """Draft a request and click "I sent it"; return the request id."""
    message = await draft(harness, member, company)
    await member.click(message, "I sent it")
    return latest_request_id(harness)


async def test_draft_is_personalised_copyable_and_stored_privately(harness: Harness) -> None:
    alex = harness.member("alex")
    checkin_id = await check_in(harness, alex)
    choices = await alex.autocomplete("feedback draft", "rejection", "ac")
    assert [choice["value"] for choice in choices] == [str(checkin_id)]
    result = await alex.slash("feedback draft", rejection=str(checkin_id), interviewer="Sam Rivera", tone="formal")
    assert result.ephemeral and result.latency is not None and result.latency < 3
    text = message_of(result).text()
    assert "**Subject**\n```\n" in text and "**Message**\n```\nDear Sam Rivera," in text
    assert "Data Analyst" in text and "Acme" in text
    assert [button.label for button in message_of(result).buttons()] == ["I sent it", "Remind me in 2 days", "Not now"]
    row = rows(harness, "SELECT * FROM feedback_requests")[0]
    assert (row["user_id"], row["checkin_id"]) == (alex.user_id, checkin_id)
    assert (row["state"], row["tone"]) == ("drafted", "formal")
    assert "Sam" not in row["interviewer_name_encrypted"] and "Acme" not in row["body_encrypted"]


async def test_draft_without_a_name_and_an_unknown_rejection(harness: Harness) -> None:
    alex = harness.member("alex")
    message = await draft(harness, alex, "Globex", tone="brief")
    assert "```\nHi there," in message.text()
    missing = await alex.slash("feedback draft", rejection="Some company I never logged")
    assert "couldn't find that rejection" in message_of(missing).text()
    assert len(rows(harness, "SELECT * FROM feedback_requests")) == 1


async def test_remind_me_sends_the_draft_again_when_due_with_the_same_buttons(harness: Harness) -> None:
    alex = harness.member("alex")
    message = await draft(harness, alex, interviewer="Sam")
    request_id = latest_request_id(harness)
    confirmed = await alex.click(message, "Remind me in 2 days")
    assert "<t:" in message_of(confirmed).text()
    assert request_state(harness, request_id) == "remind"
    await harness.advance(DAY)
    assert alex.dms() == []
    await harness.advance(DAY)
    dm = await alex.wait_for_dm()
    assert "Hi Sam," in dm.text() and "Acme" in dm.text() and "```" in dm.text()
    assert [button.label for button in dm.buttons()] == ["I sent it", "Remind me in 2 days", "Not now"]
    assert request_state(harness, request_id) == "drafted"
    clicked = await alex.click(dm, "I sent it")
    assert "check in" in message_of(clicked).text().lower() or "ask you" in message_of(clicked).text().lower()
    assert request_state(harness, request_id) == "sent"


async def test_they_replied_notes_the_feedback_into_the_reflection(harness: Harness) -> None:
    alex = harness.member("alex")
    checkin_id = await check_in(harness, alex, "Initech")
    opened = await alex.slash("reflect", rejection=str(checkin_id))
    assert opened.modal is not None
    await alex.submit_modal(opened.modal, {"went_well": "Clear project story"})
    result = await alex.slash("feedback draft", rejection=str(checkin_id))
    changed = asyncio.ensure_future(harness.running.wait_for("feedback_state_changed", timeout=5))
    await alex.click(message_of(result), "I sent it")
    request_id = latest_request_id(harness)
    assert await changed == (alex.user_id, request_id, "sent")
    await harness.advance(6 * DAY)
    assert alex.dms() == []
    await harness.advance(DAY)
    dm = await alex.wait_for_dm()
    assert "Initech" in dm.text()
    assert [button.label for button in dm.buttons()] == ["They replied", "Not yet", "No reply"]
    modal = await alex.click(dm, "They replied")
    assert modal.modal is not None
    note = "Strong SQL; they chose someone with more stakeholder experience."
    thanks = await alex.submit_modal(modal.modal, {"note": note})
    assert "reflection" in message_of(thanks).text()
    assert request_state(harness, request_id) == "replied"
    reflection_id = int(rows(harness, "SELECT id FROM reflections")[0]["id"])
    bot = harness.running
    reflection = await ReflectionStore(bot.database, bot.cipher).get(reflection_id, alex.user_id)
    assert reflection is not None and reflection.feedback_notes == (note,)
    assert b"stakeholder experience" not in harness.stored_bytes()
    await harness.advance(30 * DAY)
    assert len(alex.dms()) == 1


async def test_not_yet_asks_again_and_closes_gently_after_three_weeks(harness: Harness) -> None:
    alex = harness.member("alex")
    request_id = await sent(harness, alex)
    await harness.advance(7 * DAY)
    first = await alex.wait_for_dm()
    answer = await alex.click(first, "Not yet")
    assert "again" in message_of(answer).text()
    await harness.advance(7 * DAY)
    second = await alex.wait_for_dm()
    assert second.find_button("Not yet")
    final = await alex.click(second, "Not yet")
    assert "close" in message_of(final).text()
    await harness.advance(6 * DAY)
    assert len(alex.dms()) == 2
    await harness.advance(DAY)
    closing = await alex.wait_for_dm()
    assert "3 weeks" in closing.text() and "you" in closing.text()
    assert closing.buttons() == []
    assert request_state(harness, request_id) == "ghosted"
    late = await alex.click(second, "Not yet")
    assert "already closed" in message_of(late).text()


async def test_an_unanswered_follow_up_is_asked_again_then_closed(harness: Harness) -> None:
    alex = harness.member("alex")
    request_id = await sent(harness, alex)
    for _ in range(2):
        await harness.advance(7 * DAY)
        assert (await alex.wait_for_dm()).find_button("They replied")
    await harness.advance(7 * DAY)
    assert "3 weeks" in (await alex.wait_for_dm()).text()
    assert request_state(harness, request_id) == "ghosted"
    await harness.advance(30 * DAY)
    assert len(alex.dms()) == 3


async def test_no_reply_closes_it_and_nothing_more_arrives(harness: Harness) -> None:
    alex = harness.member("alex")
    request_id = await sent(harness, alex)
    await harness.advance(7 * DAY)
    answer = await alex.click(await alex.wait_for_dm(), "No reply")
    assert "closed" in message_of(answer).text().lower()
    assert request_state(harness, request_id) == "no_reply"
    await harness.advance(30 * DAY)
    assert len(alex.dms()) == 1


async def test_not_now_and_the_list_with_its_picker(harness: Harness) -> None:
    alex = harness.member("alex")
    empty = await alex.slash("feedback list")
    assert "haven't asked for feedback yet" in message_of(empty).text()
    aside = await draft(harness, alex, "Globex")
    answer = await alex.click(aside, "Not now")
    assert "feedback list" in message_of(answer).text()
    request_id = await sent(harness, alex, "Acme")
    listed = await alex.slash("feedback list")
    text = message_of(listed).text()
    assert "Acme — Data Analyst" in text and "Sent" in text and "1 set aside" in text
    assert "Globex" not in text.split("Closed")[0]
    card = await alex.select(message_of(listed), "feedback:pick", [str(request_id)])
    labels = [button.label for button in message_of(card).buttons()]
    assert labels == ["They replied", "Not yet", "No reply", "Delete this"]
    await alex.click(message_of(card), "No reply")
    assert request_state(harness, request_id) == "no_reply"


async def test_ask_for_feedback_button_after_rejected(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected", company="Hooli", role="Backend Engineer")
    picked = await alex.select(message_of(start), "checkin:feeling", ["frustrated"])
    four = next(b for b in message_of(picked).buttons() if b.custom_id and b.custom_id.endswith(":4"))
    final = await alex.click(message_of(picked), four.custom_id or "")
    labels = [button.label for button in message_of(final).buttons()]
    assert labels.index("Reflect now") < labels.index("Ask for feedback")
    opened = await alex.click(message_of(final), "Ask for feedback")
    assert opened.modal is not None
    result = await alex.submit_modal(opened.modal, {"interviewer": "Robin", "tone": ["brief"]})
    assert "Hi Robin," in message_of(result).text() and "Hooli" in message_of(result).text()
    assert rows(harness, "SELECT tone FROM feedback_requests")[0]["tone"] == "brief"


async def test_buttons_refuse_other_members_and_repeat_clicks_are_harmless(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    message = await draft(harness, alex)
    request_id = latest_request_id(harness)
    refused = await bob.click(message, "I sent it")
    assert "someone else" in message_of(refused).text()
    assert request_state(harness, request_id) == "drafted"
    await alex.click(message, "I sent it")
    again = await alex.click(message, "I sent it")
    assert "already" in message_of(again).text()
    assert len(rows(harness, "SELECT * FROM timers WHERE kind = 'feedback_followup' AND state = 'pending'")) == 1


async def test_closed_dms_do_not_break_the_reminder(harness: Harness) -> None:
    alex = harness.member("alex")
    message = await draft(harness, alex)
    request_id = latest_request_id(harness)
    await alex.click(message, "Remind me")
    harness.emulator.set_dms_closed(alex.user_id)
    await harness.advance(2 * DAY)
    assert alex.dms() == []
    assert rows(harness, "SELECT state FROM timers WHERE kind = 'feedback_remind'")[0]["state"] == "done"
    assert request_state(harness, request_id) == "drafted"


def copyable_message(text: str) -> str:
    """The message part of a draft, as the member copies it."""
    return text.split("**Message**\n```\n", 1)[1].rsplit("```", 1)[0].strip()


async def test_intro_fits_the_tone_company_named_once_and_a_clear_name_to_fill_in(harness: Harness) -> None:
    alex = harness.member("alex")
    checkin_id = await check_in(harness, alex, "Acme")
    for tone in ("formal", "warm", "formal", "warm"):
        shown = await alex.slash("feedback draft", rejection=str(checkin_id), tone=tone)
        text = message_of(shown).text()
        intro, body = text.split("**Subject**")[0], copyable_message(text)
        assert "short on purpose" not in intro and "short" not in intro.casefold(), intro
        assert body.count("Acme") == 1, body
        assert body.endswith("[Your name]") and "[Your name]" in intro
        assert ("formal" in intro) == (tone == "formal"), intro
    brief = await alex.slash("feedback draft", rejection=str(checkin_id), tone="brief")
    brief_intro = message_of(brief).text().split("**Subject**")[0].casefold()
    assert "short" in brief_intro or "brief" in brief_intro
    assert "alex" not in copyable_message(message_of(brief).text()).casefold()


async def test_a_name_to_sign_with_is_given_once_and_remembered_privately(harness: Harness) -> None:
    alex = harness.member("alex")
    checkin_id = await check_in(harness, alex, "Acme")
    signed = await alex.slash("feedback draft", rejection=str(checkin_id), sign_as="Alex Morgan")
    assert copyable_message(message_of(signed).text()).endswith("Alex Morgan")
    assert "[Your name]" not in message_of(signed).text()
    later = await alex.slash("feedback draft", rejection=str(checkin_id), tone="formal")
    assert copyable_message(message_of(later).text()).endswith("Alex Morgan")
    [row] = rows(harness, "SELECT * FROM feedback_signatures")
    assert row["user_id"] == alex.user_id and "Morgan" not in row["name_encrypted"]
    start = await alex.slash("rejected", company="Hooli")
    picked = await alex.select(message_of(start), "checkin:feeling", ["frustrated"])
    four = next(b for b in message_of(picked).buttons() if b.custom_id and b.custom_id.endswith(":4"))
    final = await alex.click(message_of(picked), four.custom_id or "")
    opened = await alex.click(message_of(final), "Ask for feedback")
    assert opened.modal is not None and opened.modal.field("sign_as").value == "Alex Morgan"
    renamed = await alex.submit_modal(opened.modal, {"sign_as": "A. Morgan"})
    assert copyable_message(message_of(renamed).text()).endswith("A. Morgan")


async def test_a_draft_set_aside_is_reopened_from_the_list_while_another_request_is_open(harness: Harness) -> None:
    alex = harness.member("alex")
    aside = await draft(harness, alex, "Globex")
    aside_id = latest_request_id(harness)
    said = await alex.click(aside, "Not now")
    assert "/feedback list" in message_of(said).text()
    await sent(harness, alex, "Acme")
    listed = await alex.slash("feedback list")
    card = await alex.select(message_of(listed), "feedback:pick", [str(aside_id)])
    text = message_of(card).text()
    assert "Globex" in text and "```" in text
    assert [button.label for button in message_of(card).buttons()] == [
        "I sent it",
        "Remind me in 2 days",
        "Not now",
        "Delete this",
    ]
    await alex.click(message_of(card), "I sent it")
    assert request_state(harness, aside_id) == "sent"


async def test_follow_ups_arrive_in_each_member_s_daytime_tokyo_and_los_angeles(harness: Harness) -> None:
    hana = harness.member("hana", locale="ja")  # no nudge zone: her Discord locale suggests Asia/Tokyo
    lee = harness.member("lee")
    await lee.slash("nudges start", time="10:00", timezone="America/Los_Angeles")
    # 15:00 UTC: midnight in Tokyo, 07:00 in Los Angeles. A week later at the same instant is night for both.
    zones = {hana.user_id: ZoneInfo("Asia/Tokyo"), lee.user_id: ZoneInfo("America/Los_Angeles")}
    for member, company in ((hana, "Acme"), (lee, "Globex")):
        await member.click(await draft(harness, member, company), "I sent it")
    await harness.advance(6 * DAY)
    arrived: dict[int, str] = {}
    for _ in range(48):
        await harness.advance(timedelta(hours=1))
        for member in (hana, lee):
            asks = [dm for dm in member.dms() if dm.buttons() and dm.find_button("They replied")]
            if asks and member.user_id not in arrived:
                arrived[member.user_id] = harness.clock.now().astimezone(zones[member.user_id]).strftime("%H:%M")
    assert set(arrived) == {hana.user_id, lee.user_id}
    assert all("09:00" <= local <= "20:00" for local in arrived.values()), arrived
