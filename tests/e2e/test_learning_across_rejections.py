"""Issue 17 as one member lives it: six weeks of rejections, two applications and an offer logged, and the thread
between them - a plan from their own words, patterns with their counts, the funnel and a journal they can read -
with items done and dropped, and export and deletion covering every new table."""

from __future__ import annotations

import json
from datetime import timedelta

from emulator import EmulatedMessage, SimulatedMember
from tests.e2e.mydata_helpers import rows
from tests.e2e.patterns_helpers import six_weeks
from tests.harness import Harness, field_named, message_of

NEW_TABLES = ("plan_items", "journey_steps", "journey_goals")
HARD = "Explaining trade-offs in a system design round"


async def log(member: SimulatedMember, what: str, **options: str) -> EmulatedMessage:
    """/log, answered privately."""
    result = await member.slash("log", options={"what": what, **options})
    assert result.ephemeral
    return message_of(result)


async def plan_listing(member: SimulatedMember) -> EmulatedMessage:
    result = await member.slash("plan")
    assert result.ephemeral
    return message_of(result)


def own_rows(harness: Harness, table: str, member: SimulatedMember) -> int:
    return len(rows(harness, f"SELECT * FROM {table} WHERE user_id = ?", (member.user_id,)))  # noqa: S608


async def test_six_weeks_of_a_members_own_words_become_a_plan_patterns_a_funnel_and_a_journal(
    harness: Harness,
) -> None:
    alex = harness.member("alex")
    await log(alex, "applied", company="Company 0", role="Backend Engineer")
    await log(alex, "applied", company="Company 10")
    story = await six_weeks(harness, alex)
    offer = await log(alex, "offer", company="Northwind", role="Backend Engineer")
    assert offer.embeds[0]["title"] == "An offer!"
    await alex.slash("goal", options={"aim": "a backend role at a product company"})

    # The plan, built from the member's own words: a hard question they named, and something of their own.
    opened = await alex.slash("reflect", rejection=str(story.checkins[-1]))
    assert opened.modal is not None
    reflected = message_of(await alex.submit_modal(opened.modal, {"hard": HARD, "went_well": "I stayed calm"}))
    added = message_of(await alex.click(reflected, f"Plan: {HARD}"))
    assert "Added to your plan" in added.text()
    listing = await plan_listing(alex)
    form = await alex.click(listing, "Add my own")
    assert form.modal is not None
    await alex.submit_modal(form.modal, {"text": "Rewrite my CV summary around impact"})
    items = rows(
        harness, "SELECT id, source_kind, state FROM plan_items WHERE user_id = ? ORDER BY id", (alex.user_id,)
    )
    assert [(item["source_kind"], item["state"]) for item in items] == [("question", "open"), ("own", "open")]
    listing = await plan_listing(alex)
    assert HARD in listing.text() and "Rewrite my CV summary around impact" in listing.text()

    # One done (a win to draft, privately), one dropped.
    first = message_of(await alex.select(listing, "plan:pick", [str(items[0]["id"])]))
    done = message_of(await alex.click(first, "Done"))
    assert "Draft it as a win" in [button.label for button in done.buttons()]
    second = message_of(await alex.select(await plan_listing(alex), "plan:pick", [str(items[1]["id"])]))
    await alex.click(second, "Drop")
    left = rows(harness, "SELECT state FROM plan_items WHERE user_id = ?", (alex.user_id,))
    assert [row["state"] for row in left] == ["done"]

    # Patterns with their counts, and the funnel: 2 applications logged, 5 rejections (2 of them for those
    # applications), 1 offer with no application logged: 6 times put forward, every one got to an interview.
    await harness.advance(timedelta(seconds=30))
    dashboard = await (await alex.slash("progress")).wait_final()
    patterns = field_named(dashboard, "Patterns across your rejections")
    assert "**System design** came up as the hard part in 4 of your last 6 reflections" in patterns
    assert "3 of the 5 rejections you logged with a stage came after the final round." in patterns
    assert field_named(dashboard, "Your journey") == "6 applications → 6 got to an interview → 1 offer, 5 rejections"
    assert field_named(dashboard, "Shots taken").startswith("6 times you put yourself forward")

    # The journal: everything they wrote, newest first, private.
    journal = await (await alex.slash("journal")).wait_final()
    assert journal.ephemeral
    assert journal.embeds[0]["description"] == "Entries 1-5 of 10, newest first."

    # Export holds every new table; deletion leaves none of their rows.
    exported = await (await alex.slash("mydata export")).wait_final()
    sections = json.loads(exported.attachments[0].data.decode("utf-8"))["sections"]
    for table in NEW_TABLES:
        assert own_rows(harness, table, alex) > 0, table
        assert len(sections[table]["records"]) == own_rows(harness, table, alex), table
    assert "Rewrite my CV" not in json.dumps(sections["plan_items"])  # dropped means gone
    assert HARD in json.dumps(sections["plan_items"])
    asked = await alex.slash("mydata delete")
    finished = await alex.click(message_of(asked), "Delete everything")
    final = finished.message if finished.message is not None and not finished.deferred else await finished.followup()
    assert "Everything is deleted" in final.text()
    for table in NEW_TABLES:
        assert own_rows(harness, table, alex) == 0, table
