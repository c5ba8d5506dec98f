"""`/log` and `/goal` end to end: the funnel in /progress, an offer's warm moment and its private share, care
first, a clear word for bad input, the goal in a reflection and a nudge, export, deletion and a restart."""

from __future__ import annotations

import json
from typing import Any

from emulator import EmulatedMessage, InteractionResult, SimulatedMember
from emulator.command_options import resolve_path
from emulator.interactions import APPLICATION_COMMAND
from tests.e2e.mydata_helpers import log_rejection, rows
from tests.e2e.wins_helpers import posts, set_up_wins_channel
from tests.harness import Harness, field_named, message_of

CRISIS_HEADING = "Before anything else"
CRISIS_WORDS = "i already wrote the goodbye letters to my family, i want to die"
CHEER = ("🎉", "An offer!", "lovely", "earned", "courage", "landed")
GOAL = "a product design role"
GOAL_LINE = "Your goal: “a product design role”"


def has_field(message: EmulatedMessage, name: str) -> bool:
    return any(item["name"] == name for embed in message.embeds for item in embed.get("fields", []))


async def log(member: SimulatedMember, what: str, **options: str) -> EmulatedMessage:
    """/log, answered at once, privately, in one reply."""
    result = await member.slash("log", options={"what": what, **options})
    assert result.ephemeral and result.latency is not None and result.latency < 3
    assert result.followups() == []
    return message_of(result)


async def delete_everything(member: SimulatedMember) -> None:
    """/mydata delete, confirmed, waiting until it is done."""
    asked = await member.slash("mydata delete")
    done = await member.click(message_of(asked), "Delete everything")
    final = done.message if done.message is not None and not done.deferred else await done.followup()
    assert "Everything is deleted" in final.text()


async def progress(member: SimulatedMember) -> EmulatedMessage:
    return await (await member.slash("progress")).wait_final()


def steps_of(harness: Harness, member: SimulatedMember) -> list[tuple[str, str | None, str | None]]:
    """The member's logged steps, decrypted (kind, company, role)."""
    cipher = harness.running.cipher
    found = rows(
        harness,
        "SELECT kind, company_encrypted, role_encrypted FROM journey_steps WHERE user_id = ? ORDER BY id",
        (member.user_id,),
    )
    return [(r["kind"], cipher.decrypt_optional(r[1]), cipher.decrypt_optional(r[2])) for r in found]


async def forged_log(member: SimulatedMember, options: dict[str, str]) -> InteractionResult:
    """/log with options Discord's picker would have refused (e.g. past max_length), as a modified client sends it."""
    emu = member.emu
    chan = emu.state.channels[member.default_channel_id]
    command, _, _ = resolve_path(emu.state, "log", chan)
    data: dict[str, Any] = {
        "id": command["id"],
        "name": "log",
        "type": 1,
        "options": [{"name": name, "type": 3, "value": value} for name, value in options.items()],
    }
    if command.get("guild_id"):
        data["guild_id"] = command["guild_id"]
    return await emu.run_interaction(
        type=APPLICATION_COMMAND, data=data, user_id=member.user_id, channel_id=chan.id, locale=member.locale
    )


async def test_logged_steps_and_a_rejection_make_the_funnel_and_the_shots(harness: Harness) -> None:
    alex = harness.member("alex")
    first = await log(alex, "applied", company="Acme", role="Product Designer")
    assert "for Product Designer at Acme" in first.text()
    assert "first application" in first.text() and first.buttons() == []
    second = await log(alex, "applied", company="Initech")
    assert "2 applications logged so far" in second.text()
    interview = await log(alex, "interview", company="acme")
    assert "interview at acme" in interview.text().lower() and "first interview" in interview.text()
    offer = await log(alex, "offer", company="ACME ")
    assert offer.embeds[0]["title"] == "An offer!"
    await log_rejection(alex, "disappointed", 3, company="Beta", stage="technical")
    assert steps_of(harness, alex) == [
        ("applied", "Acme", "Product Designer"),
        ("applied", "Initech", None),
        ("interview", "acme", None),
        ("offer", "ACME", None),
    ]

    dashboard = await progress(alex)
    # Acme: applied, interviewed, offer (one shot); Initech still open; Beta: a no after a technical interview,
    # with no application logged for Beta (a shot of its own).
    assert (
        field_named(dashboard, "Shots taken")
        == "3 times you put yourself forward for a role: each application counts once, however far it went"
    )
    assert (
        field_named(dashboard, "Your journey")
        == "3 applications → 2 got to an interview → 1 offer, 1 rejection, 1 still open"
    )

    bob = harness.member("bob")
    await log_rejection(bob, "angry", 4, company="Initech")
    plain = await progress(bob)
    assert field_named(plain, "Shots taken").startswith("1 rejection logged") and not has_field(plain, "Your journey")


async def test_an_offer_gets_a_warm_moment_and_an_invitation_to_share_privately(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    offer = await log(alex, "offer", company="Acme", role="Designer")
    [step_id] = [r["id"] for r in rows(harness, "SELECT id FROM journey_steps WHERE user_id = ?", (alex.user_id,))]
    text = offer.text()
    assert "for Designer at Acme" in text and "share it as a win" in text and "just as fine" in text
    [share] = offer.buttons()
    assert share.label == "Share as a win" and share.custom_id == f"win:share:offer:{step_id}:{alex.user_id}"

    # Someone else can't use it; the owner gets a private draft, and nothing is posted without a click.
    refused = await harness.member("bob").click(offer, share.custom_id or "")
    assert refused.ephemeral and rows(harness, "SELECT * FROM wins") == []
    preview = message_of(await alex.click(offer, share.custom_id or ""))
    assert preview.ephemeral and "Post" in [b.label for b in preview.buttons()]
    [win] = rows(harness, "SELECT state, source, category, text_encrypted FROM wins WHERE user_id = ?", (alex.user_id,))
    assert (win["state"], win["source"], win["category"]) == ("draft", "offer", "offer")
    draft = harness.running.cipher.decrypt(win["text_encrypted"])
    assert "offer" in draft and "Acme" not in draft and "Designer" not in draft  # the post is public: no names
    assert posts(harness, channel) == []

    # A logged offer that is gone (their data deleted) leaves nothing to prefill.
    await delete_everything(alex)
    gone = message_of(await alex.click(offer, share.custom_id or ""))
    assert "couldn't find what this button was sharing" in gone.text()


async def test_care_comes_first_and_an_offer_in_care_mode_is_quiet(harness: Harness) -> None:
    alex = harness.member("alex")
    helped = message_of(await alex.slash("log", what="applied", company=CRISIS_WORDS[:100]))
    assert helped.ephemeral and helped.embeds[0]["title"] == CRISIS_HEADING
    assert "findahelpline.com" in helped.text()
    assert steps_of(harness, alex) == []  # nothing logged, nothing cheerful

    offer = await log(alex, "offer", company="Acme")
    assert "Logged at Acme" in offer.text() and "kept privately" in offer.text()
    assert not any(word in offer.text() for word in CHEER), offer.text()
    assert offer.buttons() == []
    assert steps_of(harness, alex) == [("offer", "Acme", None)]


async def test_bad_input_gets_a_clear_word_and_nothing_is_saved(harness: Harness) -> None:
    alex = harness.member("alex")
    blank = message_of(await alex.slash("log", what="interview", company="\u200b\u200b"))
    assert blank.ephemeral and "couldn't see any letters in the company name" in blank.text()
    too_long = message_of(await forged_log(alex, {"what": "applied", "role": "R" * 250}))
    assert too_long.ephemeral and "That role is too long" in too_long.text() and "100 characters" in too_long.text()
    unknown = message_of(await forged_log(alex, {"what": "hired"}))
    assert unknown.ephemeral and "nothing was saved" in unknown.text()
    blank_goal = message_of(await alex.slash("goal", aim="\u2800 \u200b"))
    assert "couldn't see any letters in the goal" in blank_goal.text()
    assert steps_of(harness, alex) == []
    assert rows(harness, "SELECT * FROM journey_goals") == []


async def reflect_on_new_rejection(member: SimulatedMember) -> EmulatedMessage:
    checkin_id, _ = await log_rejection(member, "disappointed", 3, company="Acme")
    opened = await member.slash("reflect", rejection=str(checkin_id))
    assert opened.modal is not None
    return message_of(await member.submit_modal(opened.modal, {"hard": "Salary", "went_well": "My portfolio story"}))


async def preview_nudge(member: SimulatedMember) -> EmulatedMessage:
    before = len(member.dms())
    await (await member.slash("nudges preview")).wait_final()
    return await member.wait_for_dm(lambda m: len(member.dms()) > before and m.id == member.dms()[-1].id)


async def test_a_goal_is_set_shown_mentioned_in_reflections_and_nudges_and_cleared(harness: Harness) -> None:
    alex = harness.member("alex")
    assert "haven't set a goal yet" in message_of(await alex.slash("goal")).text()
    saved = message_of(await alex.slash("goal", aim=f"  {GOAL} "))
    assert saved.ephemeral and f"Saved your goal: “{GOAL}”" in saved.text()
    [row] = rows(harness, "SELECT text_encrypted FROM journey_goals WHERE user_id = ?", (alex.user_id,))
    assert GOAL not in row[0] and harness.running.cipher.decrypt(row[0]) == GOAL  # encrypted at rest

    reflected = await reflect_on_new_rejection(alex)
    assert GOAL_LINE in reflected.text()
    nudge = await preview_nudge(alex)
    assert GOAL_LINE in nudge.text()

    await harness.restart()
    shown = message_of(await alex.slash("goal"))
    assert GOAL_LINE in shown.text()
    [clear] = shown.buttons()
    assert clear.label == "Clear my goal"
    refused = await harness.member("bob").click(shown, clear.custom_id or "")
    assert "someone else's goal" in message_of(refused).text()
    assert len(rows(harness, "SELECT * FROM journey_goals")) == 1
    cleared = message_of(await alex.click(shown, clear.custom_id or ""))
    assert "Cleared" in cleared.text() and cleared.buttons() == []
    assert rows(harness, "SELECT * FROM journey_goals") == []
    assert GOAL not in (await reflect_on_new_rejection(alex)).text()


async def test_in_care_mode_the_goal_steps_aside(harness: Harness) -> None:
    alex = harness.member("alex")
    await alex.slash("goal", aim=GOAL)
    helped = message_of(await alex.slash("goal", aim=CRISIS_WORDS))
    assert helped.embeds[0]["title"] == CRISIS_HEADING
    assert harness.running.cipher.decrypt(rows(harness, "SELECT text_encrypted FROM journey_goals")[0][0]) == GOAL

    assert "Your goal" not in (await reflect_on_new_rejection(alex)).text()
    nudge = await preview_nudge(alex)
    assert "Your goal" not in nudge.text() and GOAL not in nudge.text()


async def test_export_holds_and_delete_removes_the_journey_and_a_restart_keeps_it(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    await log(alex, "applied", company="Acme", role="Designer")
    await log(alex, "interview", company="Acme")
    await alex.slash("goal", aim=GOAL)
    await log(bob, "applied", company="Bobcorp")

    await harness.restart()
    assert field_named(await progress(alex), "Your journey") == "1 application → 1 got to an interview → 1 still open"
    raw = b"".join(str(tuple(r)).encode() for r in rows(harness, "SELECT * FROM journey_steps"))
    assert b"Acme" not in raw and b"Designer" not in raw

    exported = await (await alex.slash("mydata export")).wait_final()
    sections = json.loads(exported.attachments[0].data.decode("utf-8"))["sections"]
    steps = sections["journey_steps"]["records"]
    assert [(s["kind"], s["company"], s["role"]) for s in steps] == [
        ("applied", "Acme", "Designer"),
        ("interview", "Acme", None),
    ]
    assert sections["journey_goals"]["records"][0]["text"] == GOAL
    assert "/log" in sections["journey_steps"]["about"] and "/goal" in sections["journey_goals"]["about"]
    assert "Bobcorp" not in json.dumps(sections)

    await delete_everything(alex)
    for table in ("journey_steps", "journey_goals"):
        assert rows(harness, f"SELECT * FROM {table} WHERE user_id = ?", (alex.user_id,)) == []  # noqa: S608
    assert len(rows(harness, "SELECT * FROM journey_steps WHERE user_id = ?", (bob.user_id,))) == 1


async def test_a_nudge_counts_shots_the_way_progress_does(harness: Harness) -> None:
    alex = harness.member("alex")
    await log(alex, "applied", company="Acme", role="Designer")
    await log(alex, "applied", company="Initech")
    await log_rejection(alex, "disappointed", 3, company="Acme", stage="onsite")  # the Acme application's outcome
    assert field_named(await progress(alex), "Shots taken").startswith("2 times you put yourself forward")
    nudge = await preview_nudge(alex)
    assert "Shots taken so far: 2" in nudge.text()
    bob = harness.member("bob")
    await log_rejection(bob, "angry", 4, company="Globex")
    await log_rejection(bob, "sad", 3, company="Globex")
    assert "Shots taken so far: 2" in (await preview_nudge(bob)).text()  # no /log: one shot per rejection
