"""`/progress` end to end: the empty state, a seasoned member's dashboard and chart, and filling in a missed day."""

from __future__ import annotations

import struct
from datetime import timedelta
from typing import Any

from emulator import EmulatedMessage, SimulatedMember
from tests.harness import Harness, field_containing, message_of

DAY = timedelta(days=1)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows(sql, params)


async def log_rejection(member: SimulatedMember, feeling: str, level: int, **options: str) -> int:
    """/rejected, then the feeling and the intensity; return the stored check-in id."""
    start = await member.slash("rejected", options=options)
    picked = await member.select(message_of(start), "checkin:feeling", [feeling])
    button = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(f":{level}"))
    final = await member.click(message_of(picked), button.custom_id or "")
    checkin_id = int((button.custom_id or "").split(":")[2])
    assert final.message is not None
    return checkin_id


async def reflect(member: SimulatedMember, checkin_id: int, hard: str, went_well: str) -> None:
    """/reflect on a logged rejection and submit the modal."""
    opened = await member.slash("reflect", rejection=str(checkin_id))
    assert opened.modal is not None
    submitted = await member.submit_modal(opened.modal, {"hard": hard, "went_well": went_well})
    assert submitted.message is not None


async def open_progress(member: SimulatedMember) -> EmulatedMessage:
    """Run /progress and wait for the finished (not "thinking") reply."""
    result = await member.slash("progress")
    assert result.latency is not None and result.latency < 3
    message = await result.wait_final()
    assert message.ephemeral
    return message


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_a_new_member_gets_a_kind_useful_empty_state_and_nothing_is_stored(harness: Harness) -> None:
    alex = harness.member("alex")
    message = await open_progress(alex)
    text = message.text()
    assert "Nothing here yet" in text
    for command in ("/rejected", "/reflect", "/nudges start", "/practice", "/win"):
        assert command in text
    assert message.attachments == []
    assert message.buttons() == []
    # Looking at an empty dashboard leaves no trace of the member.
    for table in ("users", "checkins", "wording_history", "mood_fillins"):
        assert rows(harness, f"SELECT * FROM {table} WHERE user_id = ?", (alex.user_id,)) == []  # noqa: S608


async def test_a_seasoned_member_sees_their_figures_an_observation_and_a_chart(harness: Harness) -> None:
    channel = harness.emulator.create_text_channel(harness.guild_id, "wins")
    await harness.member("admin", admin=True).slash("setup wins-channel", channel=channel)
    alex = harness.member("alex")
    first = await log_rejection(alex, "sad", 5, company="Acme", stage="application")
    await harness.advance(DAY)
    second = await log_rejection(alex, "frustrated", 4, company="Globex", stage="screen")
    await reflect(
        alex,
        first,
        "Tell me about a conflict with a colleague\nWhy do you want to work here?",
        "I stayed calm and explained my project clearly",
    )
    await harness.advance(DAY)
    await reflect(alex, second, "How did you handle a disagreement in your team?", "I asked good questions")
    await harness.advance(DAY)
    await log_rejection(alex, "motivated", 2, company="Initech", stage="onsite")
    preview = await alex.slash("win", text="Booked two more interviews this week", category="interview")
    await (await alex.click(message_of(preview), "Post")).followup()
    for checkin_id in (first, second):
        draft = await alex.slash("feedback draft", rejection=str(checkin_id))
        await alex.click(message_of(draft), "I sent it")

    message = await open_progress(alex)
    assert "3 rejections logged" in field_containing(message, "Shots taken")
    assert field_containing(message, "Reflections") == "2"
    assert field_containing(message, "Wins shared") == "1"
    assert field_containing(message, "Feedback asked") == "2 asked · 0 replied · 0 no answer"
    assert field_containing(message, "Practice sessions") == "0"
    streak = field_containing(message, "streak")
    # Day three had a reflection but no check-in: forgiven, so the run goes on.
    assert streak.startswith("3 days") and "forgiven" in streak and "checked in today" in streak
    assert field_containing(message, "last rejection").startswith("Today")
    noticed = field_containing(message, "noticed")
    assert "conflict and disagreement" in noticed and "2 times" in noticed
    assert "Only you can see this" in message.text()
    assert [b.label for b in message.buttons()] == ["Fill in yesterday"]

    [chart] = message.attachments
    assert chart.filename == "progress.png"
    assert message.embeds[0]["image"]["url"] == "attachment://progress.png"
    width, height = png_size(chart.data)
    assert 800 <= width <= 1600 and height < width
    assert len(chart.data) < 300_000


async def test_a_missed_day_can_be_filled_in_afterwards_and_keeps_the_streak(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    await log_rejection(alex, "anxious", 4)
    await harness.advance(DAY)
    await log_rejection(alex, "sad", 3)
    await harness.advance(DAY * 2)  # a day goes by without a check-in

    message = await open_progress(alex)
    streak = field_containing(message, "streak")
    assert streak.startswith("2 days") and "Yesterday slipped by" in streak
    [button] = message.buttons()
    assert button.label == "Fill in yesterday"

    refused = await bob.click(message, "Fill in yesterday")
    assert refused.ephemeral and "someone else" in message_of(refused).text()

    await harness.restart()  # the button still works afterwards
    opened = await alex.click(message, "Fill in yesterday")
    assert opened.modal is not None and opened.modal.title == "How was yesterday?"
    saved = await alex.submit_modal(opened.modal, {"feeling": ["numb"], "intensity": ["2"]})
    assert saved.ephemeral
    assert "Saved how yesterday felt" in message_of(saved).text() and "3 days" in message_of(saved).text()
    stored = rows(harness, "SELECT day, feeling, intensity FROM mood_fillins WHERE user_id = ?", (alex.user_id,))
    assert [tuple(row) for row in stored] == [("2026-11-28", "numb", 2)]

    again = await alex.click(message, "Fill in yesterday")
    assert again.modal is None and "already checked in" in message_of(again).text()
    after = await open_progress(alex)
    assert field_containing(after, "streak").startswith("3 days")
    assert after.buttons() == []
    assert field_containing(after, "Shots taken").startswith("2 rejections")  # a filled-in day is not a rejection


async def test_a_fill_in_button_from_days_ago_declines_kindly(harness: Harness) -> None:
    alex = harness.member("alex")
    await log_rejection(alex, "angry", 5)
    await harness.advance(DAY * 2)
    message = await open_progress(alex)
    await harness.advance(DAY * 3)
    late = await alex.click(message, "Fill in")
    assert late.modal is None and "too far back" in message_of(late).text()
    assert rows(harness, "SELECT * FROM mood_fillins") == []


async def test_daily_mood_logs_count_towards_the_streak_in_the_members_own_time_zone(harness: Harness) -> None:
    alex = harness.member("alex")
    # 09:00 UTC is 22:00 in Auckland (UTC+13 in November), so three hours later it is already tomorrow there.
    started = await alex.slash("nudges start", time="08:00", timezone="Pacific/Auckland")
    await started.wait_final()
    await log_rejection(alex, "embarrassed", 3)
    harness.clock.advance(timedelta(hours=3))
    preview = await alex.slash("nudges preview")
    await preview.wait_final()
    nudge = await alex.wait_for_dm(lambda m: any(b.label == "Log how I feel" for b in m.buttons()))
    asked = await alex.click(nudge, "Log how I feel")
    assert asked.message is not None
    await alex.click(asked.message, "5 · pretty good")
    assert [tuple(r) for r in rows(harness, "SELECT user_id, level FROM mood_logs")] == [(alex.user_id, 5)]

    message = await open_progress(alex)
    assert field_containing(message, "streak").startswith("2 days")  # two local days in Auckland, one in UTC
    assert field_containing(message, "Shots taken").startswith("1 rejection logged")  # a mood log is not a rejection
    assert len(message.attachments) == 1
