"""`/rejected` end to end, through the emulator and the real discord.py client."""

from __future__ import annotations

from typing import Any

from emulator import EmulatedMessage, SimulatedMember
from tests.harness import Harness, message_of, plaintext

CRISIS_HEADING = "Before anything else"


def stored_checkins(harness: Harness) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows("SELECT * FROM checkins ORDER BY id")


def care_rows(harness: Harness) -> list[tuple[Any, ...]]:
    """The care_signals table, read directly."""
    return [tuple(row) for row in harness.rows("SELECT user_id, until FROM care_signals")]


async def test_rejected_flow_without_vent(harness: Harness) -> None:
    alex = harness.member("alex")
    result = await alex.slash("rejected", company="Acme", role="Data Analyst", stage="onsite")
    assert result.ephemeral
    assert result.latency is not None and result.latency < 3
    message = message_of(result)
    assert "That's a hard one" in message.text()
    assert "Data Analyst at Acme" in message.text()
    assert message.selects()[0].custom_id.startswith("checkin:feeling:")

    picked = await alex.select(message, "checkin:feeling", ["disappointed"])
    assert "Disappointed" in message_of(picked).text()
    labels = [button.label for button in message_of(picked).buttons()]
    assert labels[0] is not None and labels[0].startswith("1")
    assert labels[-1] is not None and labels[-1].startswith("5")

    five = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(":5"))
    final = await alex.click(message_of(picked), five.custom_id or "")
    text = message_of(final).text()
    assert "Disappointed · 5/5" in text
    assert any(b.label == "Vent privately" for b in message_of(final).buttons())
    assert message_of(final).ephemeral

    rows = stored_checkins(harness)
    assert len(rows) == 1
    row = rows[0]
    assert (row["user_id"], row["guild_id"]) == (alex.user_id, harness.guild_id)
    assert (plaintext(row["company_encrypted"]), plaintext(row["role_encrypted"]), row["stage"]) == (
        "Acme",
        "Data Analyst",
        "onsite",
    )
    assert b"Data Analyst" not in harness.stored_bytes()
    assert (row["feeling"], row["intensity"]) == ("disappointed", 5)
    assert row["vent_encrypted"] is None
    assert row["created_at"].endswith("Z")


async def test_vent_not_kept_by_default(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected", company="Globex")
    final = await choose_and_rate(alex, message_of(start), "frustrated", 3)
    opened = await alex.click(final, "Vent privately")
    assert opened.modal is not None
    keep = opened.modal.field("keep")
    default = next(option for option in keep.options if option.get("default"))
    assert default["value"] == "no", "not keeping the vent must be the default"
    assert "not" in default["label"].lower() or "n't" in default["label"].lower()
    assert opened.modal.field("vent").max_length == 4000
    submitted = await alex.submit_modal(opened.modal, {"vent": "They made me do six rounds and then ghosted."})
    assert submitted.ephemeral
    assert "six rounds" not in message_of(submitted).text()
    row = stored_checkins(harness)[0]
    assert row["vent_encrypted"] is None
    assert b"six rounds" not in harness.stored_bytes()


async def test_vent_kept_is_encrypted_in_the_journal(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected")
    final = await choose_and_rate(alex, message_of(start), "sad", 2)
    opened = await alex.click(final, "Vent privately")
    assert opened.modal is not None
    await alex.submit_modal(opened.modal, {"vent": "I really wanted this one.", "keep": ["yes"]})
    row = stored_checkins(harness)[0]
    assert row["vent_encrypted"] is not None
    assert "wanted this one" not in row["vent_encrypted"]
    checkin = await harness.running.checkins.get(row["id"], alex.user_id)
    assert checkin is not None and checkin.vent == "I really wanted this one."


async def test_crisis_words_in_a_vent_lead_with_helplines(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected")
    final = await choose_and_rate(alex, message_of(start), "numb", 5)
    opened = await alex.click(final, "Vent privately")
    assert opened.modal is not None
    reply = await alex.submit_modal(opened.modal, {"vent": "Honestly I want to kill myself after this."})
    assert message_of(reply).embeds[0]["title"] == CRISIS_HEADING
    assert "findahelpline.com" in message_of(reply).text()
    assert "Glad" not in message_of(reply).text() and "lighter" not in message_of(reply).text()
    # Only when care mode ends is kept: not the words, not the tier.
    assert [tuple(row) for row in care_rows(harness)] == [(alex.user_id, "2026-11-27T09:00:00.000000Z")]


async def test_crisis_words_in_options_lead_the_first_reply(harness: Harness) -> None:
    alex = harness.member("alex")
    result = await alex.slash("rejected", company="I don't want to be alive anymore")
    assert message_of(result).embeds[0]["title"] == CRISIS_HEADING
    assert message_of(result).embeds[-1]["title"] == "That's a hard one"


async def test_idiom_does_not_trigger_crisis(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected", company="Initech", role="this interview killed me")
    assert all(embed.get("title") != CRISIS_HEADING for embed in message_of(start).embeds)
    final = await choose_and_rate(alex, message_of(start), "angry", 4)
    opened = await alex.click(final, "Vent privately")
    assert opened.modal is not None
    vent = "I'm dying to hear back from the others. The commute is murder."
    reply = await alex.submit_modal(opened.modal, {"vent": vent})
    assert all(embed.get("title") != CRISIS_HEADING for embed in message_of(reply).embeds)
    assert care_rows(harness) == []


async def test_someone_else_cannot_use_my_check_in(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    start = await alex.slash("rejected")
    refused = await bob.select(message_of(start), "checkin:feeling", ["sad"])
    assert refused.ephemeral
    assert "someone else" in message_of(refused).text()
    assert stored_checkins(harness)[0]["feeling"] is None


async def test_check_in_survives_a_restart_and_its_buttons_still_work(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected", company="Acme")
    picked = await alex.select(message_of(start), "checkin:feeling", ["anxious"])
    await harness.restart()
    three = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(":3"))
    final = await alex.click(message_of(picked), three.custom_id or "")
    assert "Anxious · 3/5" in message_of(final).text()
    rows = stored_checkins(harness)
    assert [(plaintext(r["company_encrypted"]), r["feeling"], r["intensity"]) for r in rows] == [("Acme", "anxious", 3)]


async def test_validation_wording_differs_between_two_check_ins(harness: Harness) -> None:
    alex = harness.member("alex")
    texts = []
    for _ in range(2):
        start = await alex.slash("rejected")
        final = await choose_and_rate(alex, message_of(start), "disappointed", 4)
        texts.append(final.embeds[0]["description"].split("\n\n")[0])
    assert texts[0] != texts[1]


async def choose_and_rate(
    member: SimulatedMember, message: EmulatedMessage, feeling: str, level: int
) -> EmulatedMessage:
    """Feeling then intensity; return the final check-in message with its next-step buttons."""
    picked = await member.select(message, "checkin:feeling", [feeling])
    button = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(f":{level}"))
    result = await member.click(message_of(picked), button.custom_id or "")
    return message_of(result)


async def test_next_steps_are_offered_in_order_and_answer_only_their_owner(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    start = await alex.slash("rejected", company="Acme")
    final = await choose_and_rate(alex, message_of(start), "sad", 3)
    labels = [button.label for button in final.buttons()]
    assert labels == ["Vent privately", "Reflect now", "Ask for feedback", "Daily nudges", "Practise a question"]
    refused = await bob.click(final, "Reflect now")
    assert "someone else" in message_of(refused).text() and refused.modal is None
    opened = await alex.click(final, "Reflect now")
    assert opened.modal is not None


async def test_a_next_step_whose_feature_is_unloaded_says_so(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected")
    final = await choose_and_rate(alex, message_of(start), "numb", 2)
    await harness.running.unload_extension("cogs.reflection")
    result = await alex.click(final, "Reflect now")
    assert result.ephemeral and "isn't available right now" in message_of(result).text()
