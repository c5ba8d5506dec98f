"""Daily nudges end to end: commands, delivery at the local time, buttons after restarts, closed DMs, retries."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from cogs.nudges.cog import NudgesCog
from cogs.nudges.compose import nudge_ideas
from cogs.nudges.logic import words as nudge_words
from emulator import EmulatedMessage, InteractionResult, SimulatedMember
from tests.harness import Harness

# The harness starts at Thursday 2026-11-26 09:00 UTC: 09:00 in London, 04:00 in New York.
NUDGE_BUTTONS = ["Helpful", "Log how I feel", "Snooze a day", "Stop nudges"]
TIMESTAMP = re.compile(r"<t:(\d+):F>")


def cog(harness: Harness) -> NudgesCog:
    # discord.py loads extensions as fresh module objects, so the class here is not the loaded one.
    found = harness.running.get_cog("NudgesCog")
    assert found is not None and type(found).__name__ == "NudgesCog"
    return found  # type: ignore[return-value]


async def run_due(harness: Harness, delta: timedelta = timedelta(0)) -> Any:
    """Move the clock, then run the nudge round the tick would run."""
    if delta:
        harness.clock.advance(delta)
    return await cog(harness).run_due_nudges()


def rows(harness: Harness, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    return harness.rows(sql, params)


def nudges_for(member: SimulatedMember) -> list[EmulatedMessage]:
    """The member's nudge DMs (not the welcome message)."""
    return [m for m in member.dms() if any(b.label == "Helpful" for b in m.buttons())]


async def final(result: InteractionResult) -> EmulatedMessage:
    return await result.wait_final() if result.deferred else _message(result)


def _message(result: InteractionResult) -> EmulatedMessage:
    assert result.message is not None
    return result.message


async def start(member: SimulatedMember, **options: Any) -> EmulatedMessage:
    result = await member.slash("nudges start", **{"time": "10:00", "timezone": "Europe/London", **options})
    message = await final(result)
    assert message.ephemeral
    return message


def first_timestamp(text: str) -> datetime:
    match = TIMESTAMP.search(text)
    assert match, text
    return datetime.fromtimestamp(int(match.group(1)), UTC)


async def test_start_welcomes_by_dm_and_says_when_the_first_nudge_comes(harness: Harness) -> None:
    alex = harness.member("alex")
    reply = await start(alex, time="10:00", timezone="Europe/London")
    assert "You're all set" in reply.text()
    assert first_timestamp(reply.text()) == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert ":R>" in reply.text() and "for 14 days" in reply.text()
    welcome = await alex.wait_for_dm()
    assert "a day" in welcome.text().lower()
    row = rows(harness, "SELECT * FROM nudge_subscriptions")[0]
    assert (row["user_id"], row["local_time"], row["timezone"], row["days_total"]) == (
        alex.user_id,
        "10:00",
        "Europe/London",
        14,
    )


async def test_abbreviation_is_explained_and_until_stopped_is_possible(harness: Harness) -> None:
    alex = harness.member("alex")
    reply = await start(alex, time="7:30", timezone="EST", days=0)
    assert "America/New_York" in reply.text() and "daylight saving" in reply.text()
    assert "until you stop them" in reply.text()
    assert first_timestamp(reply.text()) == datetime(2026, 11, 26, 12, 30, tzinfo=UTC)


async def test_bad_time_and_unknown_zone_are_explained(harness: Harness) -> None:
    alex = harness.member("alex")
    bad_time = await alex.slash("nudges start", time="25:00", timezone="Europe/London")
    assert bad_time.ephemeral and "HH:MM" in _message(bad_time).text()
    bad_zone = await alex.slash("nudges start", time="09:00", timezone="Atlantis")
    assert bad_zone.ephemeral and "couldn't find that time zone" in _message(bad_zone).text()
    assert rows(harness, "SELECT * FROM nudge_subscriptions") == []


async def test_timezone_autocomplete_finds_cities_and_abbreviations(harness: Harness) -> None:
    alex = harness.member("alex")
    london = await alex.autocomplete("nudges start", "timezone", "London", time="09:00")
    assert london[0]["value"] == "Europe/London"
    new_york = await alex.autocomplete("nudges start", "timezone", "new york", time="09:00")
    assert new_york[0]["value"] == "America/New_York"
    cet = [choice["value"] for choice in await alex.autocomplete("nudges start", "timezone", "CET", time="09:00")]
    assert "Europe/Paris" in cet and "Europe/Berlin" in cet
    est = await alex.autocomplete("nudges start", "timezone", "EST", time="09:00")
    assert est[0]["value"] == "America/New_York"
    assert all(len(choice["name"]) <= 100 for choice in est)
    times = [choice["value"] for choice in await alex.autocomplete("nudges start", "time", "7", timezone="UTC")]
    assert times[:2] == ["07:00", "07:30"]
    evening = await alex.autocomplete("nudges start", "time", "7pm", timezone="UTC")
    assert evening[0]["value"] == "19:00"


async def test_nudge_arrives_at_the_local_time_in_each_zone(harness: Harness) -> None:
    alex, bo = harness.member("alex"), harness.member("bo")
    await start(alex, time="10:00", timezone="Europe/London")  # 10:00 UTC
    await start(bo, time="06:00", timezone="America/New_York")  # 11:00 UTC
    report = await run_due(harness, timedelta(minutes=59))
    assert report.sent == 0 and nudges_for(alex) == []
    await run_due(harness, timedelta(minutes=1))
    assert len(nudges_for(alex)) == 1 and nudges_for(bo) == []
    await run_due(harness, timedelta(hours=1))
    assert len(nudges_for(bo)) == 1
    nudge = nudges_for(alex)[0]
    assert [b.label for b in nudge.buttons()] == NUDGE_BUTTONS
    assert nudge.embeds[0]["footer"]["text"].startswith("Day 1 of 14")
    # The next day, again at 10:00 London time, and a different nudge.
    await run_due(harness, timedelta(hours=22, minutes=59))
    assert len(nudges_for(alex)) == 1
    await run_due(harness, timedelta(minutes=1))
    second = nudges_for(alex)
    assert len(second) == 2 and second[0].embeds[0]["description"] != second[1].embeds[0]["description"]
    ledger = rows(harness, "SELECT status, local_date FROM nudge_ledger WHERE user_id = ?", (alex.user_id,))
    assert [(r["status"], r["local_date"]) for r in ledger] == [("sent", "2026-11-26"), ("sent", "2026-11-27")]


async def test_each_nudge_costs_one_request_once_the_dm_channel_is_known(harness: Harness) -> None:
    members = [harness.member(f"m{i}") for i in range(5)]
    for member in members:
        await start(member)
    harness.emulator.stats.reset()
    report = await run_due(harness, timedelta(hours=1))
    assert report.sent == 5
    assert harness.emulator.stats.count("POST", "/channels/{channel_id}/messages") == 5
    assert harness.emulator.stats.count("POST", "/users/@me/channels") == 0


async def test_nudge_is_personal_when_there_is_something_to_say(harness: Harness) -> None:
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme")
    await alex.slash("rejected", company="Globex")
    await start(alex)
    await run_due(harness, timedelta(hours=1))
    nudge = nudges_for(alex)[0]
    assert "Shots taken so far: 2" in nudge.embeds[0]["footer"]["text"]
    # The "still fresh" add-on says what a few nudges already say; it is left off a nudge that says it itself.
    sent = await harness.running.database.fetchval(
        "SELECT nudge_id FROM nudge_ledger WHERE user_id = ?", (alex.user_id,)
    )
    ideas = nudge_ideas()
    says_it_already = bool(ideas.nudges.get(sent, frozenset()) & ideas.addons["fresh"])
    assert ("still fresh" in nudge.embeds[0]["description"]) is not says_it_already


async def test_nudge_offers_one_of_my_own_hard_questions_and_a_due_feedback_follow_up(harness: Harness) -> None:
    alex, bo = harness.member("alex"), harness.member("bo")
    bot = harness.running
    stamp = "2026-11-20T09:00:00.000000Z"
    question = "Tell me about a time you disagreed with your manager " + "at length " * 30
    await bot.database.execute(
        "INSERT INTO hard_questions (user_id, text_encrypted, created_at) VALUES (?, ?, ?)",
        (alex.user_id, bot.cipher.encrypt(question), stamp),
    )
    await bot.database.execute(
        "INSERT INTO feedback_requests (user_id, state, tone, subject_encrypted, body_encrypted, created_at, "
        "updated_at, sent_at, next_action_at) VALUES (?, 'sent', 'warm', ?, ?, ?, ?, ?, ?)",
        (bo.user_id, bot.cipher.encrypt("s"), bot.cipher.encrypt("b"), stamp, stamp, stamp, stamp),
    )
    await start(alex)
    await start(bo)
    await run_due(harness, timedelta(hours=1))
    text = nudges_for(alex)[0].embeds[0]["description"]
    assert "Tell me about a time you disagreed with your manager" in text and "/practice" in text
    assert "…" in text and len(text) < 1200  # a long question is shortened
    assert "/feedback" in nudges_for(bo)[0].embeds[0]["description"]


async def test_every_button_works_after_a_restart(harness: Harness) -> None:
    alex = harness.member("alex")
    await start(alex)
    await run_due(harness, timedelta(hours=1))
    nudge = nudges_for(alex)[0]
    await harness.restart()

    helpful = await alex.click(nudge, "Helpful")
    assert helpful.ephemeral and "glad" in _message(helpful).text().lower()
    share = _message(helpful).find_button("Share as a win")
    ledger_id = rows(harness, "SELECT id FROM nudge_ledger")[0]["id"]
    assert share.custom_id == f"win:share:nudge:{ledger_id}:{alex.user_id}"
    assert rows(harness, "SELECT helpful_at FROM nudge_ledger")[0]["helpful_at"] is not None

    mood = await alex.click(nudge, "Log how I feel")
    assert mood.ephemeral and len(_message(mood).buttons()) == 5
    await harness.restart()
    logged = await alex.click(_message(mood), "4")
    assert "4/5" in _message(logged).text()
    assert [(r["user_id"], r["level"], r["ledger_id"]) for r in rows(harness, "SELECT * FROM mood_logs")] == [
        (alex.user_id, 4, ledger_id)
    ]

    snoozed = await alex.click(nudge, "Snooze a day")
    assert first_timestamp(_message(snoozed).text()) == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    await run_due(harness, timedelta(days=1))
    assert len(nudges_for(alex)) == 1  # the 27th was snoozed
    await run_due(harness, timedelta(days=1))
    assert len(nudges_for(alex)) == 2

    stopped = await alex.click(nudge, "Stop nudges")
    assert "no more nudges" in _message(stopped).text()
    assert rows(harness, "SELECT state FROM nudge_subscriptions")[0]["state"] == "stopped"
    await run_due(harness, timedelta(days=1))
    assert len(nudges_for(alex)) == 2


async def test_someone_else_cannot_press_my_nudge_buttons(harness: Harness) -> None:
    alex, bo = harness.member("alex"), harness.member("bo")
    await start(alex)
    await run_due(harness, timedelta(hours=1))
    nudge = nudges_for(alex)[0]
    for label in ("Stop nudges", "Snooze a day", "Helpful", "Log how I feel"):
        refused = await bo.click(nudge, label)
        assert refused.ephemeral and "someone else" in _message(refused).text()
    assert rows(harness, "SELECT state FROM nudge_subscriptions")[0]["state"] == "active"
    assert rows(harness, "SELECT helpful_at FROM nudge_ledger")[0]["helpful_at"] is None


async def test_status_pause_stop(harness: Harness) -> None:
    alex = harness.member("alex")
    empty = await alex.slash("nudges status")
    assert "haven't started" in _message(empty).text()
    await start(alex, days=5)
    status = _message(await alex.slash("nudges status"))
    assert status.ephemeral
    assert first_timestamp(status.text()) == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert "5 of 5 days left" in status.text() and "Reaching you" in status.text()

    paused = _message(await alex.slash("nudges pause", days=3))
    assert first_timestamp(paused.text()) == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    await run_due(harness, timedelta(days=2, hours=2))
    assert nudges_for(alex) == []
    status = _message(await alex.slash("nudges status"))
    assert "picks up again" in status.text()
    await run_due(harness, timedelta(days=1))
    assert len(nudges_for(alex)) == 1
    assert "4 of 5 days left" in _message(await alex.slash("nudges status")).text()

    stopped = _message(await alex.slash("nudges stop"))
    assert "no more nudges" in stopped.text()
    assert "already off" in _message(await alex.slash("nudges stop")).text()
    assert "nudges are off" in _message(await alex.slash("nudges status")).text()
    assert "aren't running" in _message(await alex.slash("nudges pause", days=1)).text()


async def test_preview_sends_one_now_that_does_not_count(harness: Harness) -> None:
    alex = harness.member("alex")
    reply = await final(await alex.slash("nudges preview"))
    assert "sent you one by DM" in reply.text()
    preview = nudges_for(alex)
    assert len(preview) == 1 and "preview" in preview[0].embeds[0]["footer"]["text"].lower()
    await start(alex)
    await run_due(harness, timedelta(hours=1))
    daily = nudges_for(alex)
    assert len(daily) == 2 and daily[1].embeds[0]["footer"]["text"].startswith("Day 1 of 14")
    assert daily[0].embeds[0]["description"] != daily[1].embeds[0]["description"]
    again = await alex.slash("nudges preview")
    # The cooldown, said plainly: which command, and when it is ready (no "take a breath").
    held = _message(again).text()
    assert again.ephemeral and "`/nudges preview` is cooling down" in held
    assert re.search(r"ready again in (1 second|\d+ seconds)\.", held) and "breath" not in held


async def test_last_nudge_of_a_run_says_well_done_and_offers_more(harness: Harness) -> None:
    alex = harness.member("alex")
    await start(alex, days=2)
    await run_due(harness, timedelta(hours=1))
    await run_due(harness, timedelta(days=1))
    first, last = nudges_for(alex)
    assert "Keep going" not in [b.label for b in first.buttons()]
    assert last.embeds[0]["fields"][0]["name"] == "Well done"
    await harness.restart()
    more = await alex.click(last, "Keep going")
    assert "another 14 days" in _message(more).text()
    assert first_timestamp(_message(more).text()) == datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    await run_due(harness, timedelta(days=1))
    assert len(nudges_for(alex)) == 3


async def test_closed_dms_pause_nudges_and_the_member_is_told_once(harness: Harness) -> None:
    alex = harness.member("alex")
    await start(alex)
    harness.emulator.set_dms_closed(alex.user_id)
    report = await run_due(harness, timedelta(hours=1))
    assert report.closed == 1 and nudges_for(alex) == []
    assert rows(harness, "SELECT state FROM nudge_subscriptions")[0]["state"] == "unreachable"
    assert rows(harness, "SELECT status FROM nudge_ledger")[0]["status"] == "closed"

    # The next command they use carries a private heads-up, once.
    checked = await alex.slash("rejected")
    notice = await checked.followup()
    assert notice.ephemeral and "wouldn't let me through" in notice.text()
    status = _message(await alex.slash("nudges status"))
    assert "won't let me send you direct messages" in status.text()
    assert not any("wouldn't let me through" in m.text() for m in (await _followups_after(alex, "help")))

    # No more attempts while paused: nothing counts against the invalid-request limit.
    harness.emulator.stats.reset()
    await run_due(harness, timedelta(days=1))
    assert harness.emulator.stats.count("POST", "/channels/{channel_id}/messages") == 0

    harness.emulator.set_dms_closed(alex.user_id, False)
    reply = await start(alex)
    assert "You're all set" in reply.text()
    await run_due(harness, timedelta(days=1))
    assert len(nudges_for(alex)) == 1


async def _followups_after(member: SimulatedMember, command: str) -> list[EmulatedMessage]:
    result = await member.slash(command)
    await final(result)
    return result.followups()


async def test_start_with_closed_dms_explains_at_once(harness: Harness) -> None:
    alex = harness.member("alex")
    harness.emulator.set_dms_closed(alex.user_id)
    result = await alex.slash("nudges start", time="10:00", timezone="Europe/London")
    reply = await final(result)
    assert "won't let me send you direct messages" in reply.text()
    assert result.followups() == []  # the general notice is not repeated on top
    assert rows(harness, "SELECT state FROM nudge_subscriptions")[0]["state"] == "unreachable"


async def test_server_errors_are_retried_later_not_dropped(harness: Harness) -> None:
    alex = harness.member("alex")
    await start(alex)
    harness.emulator.fail_next("POST", r"^/channels/\d+/messages$", status=503, times=2)
    report = await run_due(harness, timedelta(hours=1))
    assert report.retry == 1 and nudges_for(alex) == []
    assert (await run_due(harness, timedelta(seconds=29))).total == 0
    report = await run_due(harness, timedelta(seconds=1))
    assert report.retry == 1  # second failure: waits twice as long
    report = await run_due(harness, timedelta(seconds=60))
    assert report.sent == 1
    assert len(nudges_for(alex)) == 1
    ledger = rows(harness, "SELECT status, attempts FROM nudge_ledger")[0]
    assert (ledger["status"], ledger["attempts"]) == ("sent", 3)


async def test_after_downtime_late_is_sent_and_too_late_waits_for_tomorrow(harness: Harness) -> None:
    alex, bo = harness.member("alex"), harness.member("bo")
    await start(alex, time="10:00")
    await start(bo, time="07:00", timezone="America/New_York")  # 12:00 UTC
    await harness.stop()
    harness.clock.advance(timedelta(hours=4, minutes=30))  # 13:30 UTC: bo is 1.5 h late, alex 3.5 h
    await harness.start()
    report = await run_due(harness)
    assert (report.sent, report.skipped) == (1, 1)
    assert nudges_for(alex) == [] and len(nudges_for(bo)) == 1
    alex_row = rows(harness, "SELECT next_due_at FROM nudge_subscriptions WHERE user_id = ?", (alex.user_id,))[0]
    assert alex_row["next_due_at"].startswith("2026-11-27T10:00")


async def test_a_nudge_that_went_out_before_a_crash_is_not_sent_again(harness: Harness) -> None:
    alex = harness.member("alex")
    await start(alex)
    harness.clock.advance(timedelta(hours=1))
    bot = harness.running
    nudges = cog(harness)
    claim = await nudges.repository.claim_due(bot.now(), limit=10, grace=timedelta(hours=3))
    nudge = claim.claimed[0]
    embed, view = await nudges.composer.compose(nudge, bot.now())
    sent = await bot.delivery.send_dm(alex.user_id, embed=embed, view=view, nonce=nudge.nonce)
    assert sent.sent
    # ...and the process died before writing it down. Much later (outside Discord's nonce window) it restarts.
    await harness.restart()
    harness.emulator.stats.reset()
    report = await run_due(harness, timedelta(minutes=30))
    assert report.recovered_already_sent == 1
    assert len(nudges_for(alex)) == 1
    assert harness.emulator.stats.count("POST", "/channels/{channel_id}/messages") == 0
    assert sent.message is not None
    assert rows(harness, "SELECT status, message_id FROM nudge_ledger")[0]["message_id"] == sent.message.id


async def test_a_nudge_interrupted_before_sending_is_sent_after_restart(harness: Harness) -> None:
    alex = harness.member("alex")
    await start(alex)
    harness.clock.advance(timedelta(hours=1))
    await cog(harness).repository.claim_due(harness.running.now(), limit=10, grace=timedelta(hours=3))
    await harness.restart()
    report = await run_due(harness, timedelta(minutes=30))
    assert report.sent == 1 and report.recovered_already_sent == 0
    assert len(nudges_for(alex)) == 1


async def test_daily_nudges_button_after_rejected_opens_a_start_form(harness: Harness) -> None:
    alex = harness.member("alex", locale="en-GB")
    start_result = await alex.slash("rejected")
    picked = await alex.select(_message(start_result), "checkin:feeling", ["sad"])
    three = next(b for b in _message(picked).buttons() if b.custom_id and b.custom_id.endswith(":3"))
    steps = _message(await alex.click(_message(picked), three.custom_id or ""))
    await harness.restart()
    opened = await alex.click(steps, "Daily nudges")
    assert opened.modal is not None
    assert opened.modal.field("timezone").value == "Europe/London"
    submitted = await alex.submit_modal(opened.modal, {"time": "08:15", "timezone": "new york", "days": "7"})
    reply = await final(submitted)
    assert "You're all set" in reply.text()
    row = rows(harness, "SELECT local_time, timezone, days_total FROM nudge_subscriptions")[0]
    assert (row["local_time"], row["timezone"], row["days_total"]) == ("08:15", "America/New_York", 7)
    again = await alex.click(steps, "Daily nudges")
    assert again.modal is None and "already on" in _message(again).text()


def welcomes(member: SimulatedMember) -> list[EmulatedMessage]:
    """The welcome DMs: everything the bot sent the member that is not a nudge."""
    return [m for m in member.dms() if not m.buttons()]


async def test_welcome_is_sent_once_not_on_every_change_and_again_after_stopping(harness: Harness) -> None:
    alex = harness.member("alex")
    await start(alex, time="10:00", timezone="Europe/London")
    await alex.wait_for_dm()
    assert len(welcomes(alex)) == 1
    for time, zone in (("18:30", "Europe/London"), ("7am", "New York"), ("08:00", "Asia/Kolkata")):
        changed = await start(alex, time=time, timezone=zone)
        assert "Updated" in changed.text() and "all set" not in changed.text()
    await harness.emulator.flush()
    assert len(welcomes(alex)) == 1, "a change of time or zone is not a new welcome"
    assert rows(harness, "SELECT local_time, timezone FROM nudge_subscriptions")[0][:] == ("08:00", "Asia/Kolkata")

    await alex.slash("nudges stop")
    back = await start(alex)
    assert "You're all set" in back.text()
    await harness.emulator.flush()
    assert len(welcomes(alex)) == 2, "coming back after stopping is welcomed again"


async def test_daylight_saving_is_only_claimed_for_zones_that_have_it(harness: Harness) -> None:
    alex = harness.member("alex")
    for typed, zone, dst in (
        ("IST", "Asia/Kolkata", False),
        ("JST", "Asia/Tokyo", False),
        ("EST", "America/New_York", True),
        ("CET", "Europe/Paris", True),
    ):
        text = (await start(alex, time="09:00", timezone=typed)).text()
        assert f"`{zone}`" in text, text
        assert ("follows daylight saving" in text) is dst, text
        assert ("no daylight saving" in text) is not dst, text
    assert "UTC+05:30 all year" in (await start(alex, time="09:00", timezone="IST")).text()


async def test_status_while_paused_names_the_same_day_as_the_pause_reply(harness: Harness) -> None:
    alex = harness.member("alex")
    await start(alex, time="10:00", timezone="Europe/London")
    await run_due(harness, timedelta(hours=5))  # 14:00: today's nudge has gone
    paused = _message(await alex.slash("nudges pause", days=2))
    resumes = first_timestamp(paused.text())
    assert resumes == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    status = _message(await alex.slash("nudges status")).text()
    assert "picks up again" in status
    shown = {int(stamp) for stamp in re.findall(r"<t:(\d+):[A-Za-z]>", status)}
    assert shown == {int(resumes.timestamp())}, status


def read_nudge(message: EmulatedMessage) -> tuple[str, str | None, str]:
    """(nudge id, add-on kind or None, add-on text) of a nudge DM, told apart by the wording file's own words."""
    text = nudge_words()
    description = message.embeds[0]["description"]
    body, _, extra = description.partition("\n\n")
    nudge_id = next(item["id"] for item in text["nudge"] if item["text"] == body)
    if not extra:
        return nudge_id, None, ""
    kind = next(kind for kind, line in text["personal"].items() if extra.startswith(line.split("{")[0]))
    return nudge_id, kind, extra


async def test_a_month_of_nudges_never_repeats_an_add_on_or_an_idea_too_often(harness: Harness) -> None:
    alex = harness.member("alex")
    bot = harness.running
    stamp = "2026-11-20T09:00:00.000000Z"
    for question in ("Tell me about a time you failed", "Why do you want this job", "What's your biggest weakness?"):
        await bot.database.execute(
            "INSERT INTO hard_questions (user_id, text_encrypted, created_at) VALUES (?, ?, ?)",
            (alex.user_id, bot.cipher.encrypt(question), stamp),
        )
    await bot.database.execute(  # a feedback request whose "did they reply?" is due: the most actionable add-on
        "INSERT INTO feedback_requests (user_id, state, tone, subject_encrypted, body_encrypted, created_at, "
        "updated_at, sent_at, next_action_at) VALUES (?, 'sent', 'warm', ?, ?, ?, ?, ?, ?)",
        (alex.user_id, bot.cipher.encrypt("s"), bot.cipher.encrypt("b"), stamp, stamp, stamp, stamp),
    )
    await alex.slash("rejected", company="Acme")  # fresh today, a long gap from a week on
    await start(alex, days=0)
    await run_due(harness, timedelta(hours=1))
    for day in range(1, 35):
        if day == 15:
            await harness.restart()  # decided from the ledger, so a restart changes nothing
        await run_due(harness, timedelta(days=1))
    sent = [read_nudge(message) for message in nudges_for(alex)]
    assert len(sent) == 35

    kinds = [kind for _, kind, _ in sent]
    assert {"follow_up", "hard_question", "long_gap"} <= set(kinds)
    # "Still fresh" is only true on the first day, and is left off a first nudge that says the same thing itself.
    ideas = nudge_ideas()
    first_says_it = bool(ideas.nudges.get(sent[0][0], frozenset()) & ideas.addons["fresh"])
    assert ("fresh" in kinds) is not first_says_it
    for first in range(len(kinds) - 29):
        month = Counter(kind for kind in kinds[first : first + 30] if kind)
        assert max(month.values()) <= 10, month  # no kind on more than a third of the days
    assert all(a is None or a != b for a, b in itertools.pairwise(kinds)), kinds
    ideas = nudge_ideas()
    met = [
        ideas.nudges.get(nudge_id, frozenset()) | ideas.addons.get(kind or "", frozenset())
        for nudge_id, kind, _ in sent
    ]
    for day, today in enumerate(met):
        for earlier in met[max(0, day - 13) : day]:
            assert not today & earlier, (day, today & earlier)
    questions = [extra for _, kind, extra in sent if kind == "hard_question"]
    for extra in questions:  # the member's question ends as a sentence before the next one starts
        assert re.search(r"[.?!…]” Try answering", extra), extra
    assert all(a != b for a, b in itertools.pairwise(questions)), "their questions take turns"
    assert len(set(questions)) == 3
