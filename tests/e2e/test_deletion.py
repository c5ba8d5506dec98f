"""Deletion that tells the truth under failure, what the digest and DMs keep, and the abuse holes of issue 14.

Everything goes through the real discord.py client against the emulator: permissions taken away in #wins,
REST faults injected, forged custom ids pressed.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

from emulator import EmulatedMessage, SimulatedMember
from emulator import permissions as perms
from tests.e2e.mydata_helpers import Marker, rows, seed_member
from tests.e2e.test_mydata import rows_mentioning
from tests.e2e.wins_helpers import log_rejection, posts, set_up_wins_channel, share, stored_wins
from tests.harness import Harness, message_of

DAY = timedelta(days=1)
COOLDOWN = timedelta(seconds=300)


def wins_cog(harness: Harness) -> Any:
    """The running wins cog."""
    cog = harness.running.get_cog("Wins")
    assert cog is not None
    return cog


async def delete_everything(member: SimulatedMember) -> EmulatedMessage:
    """/mydata delete, confirm; return the final confirmation."""
    asked = await member.slash("mydata delete")
    done = await member.click(message_of(asked), "Delete everything")
    return done.message if done.message is not None and not done.deferred else await done.followup()


# ---------------------------------------------------------------------------------------------- take-downs


async def test_a_win_the_bot_can_no_longer_delete_is_reported_kept_as_a_tombstone_and_retried(
    harness: Harness,
) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    await share(alex, "Alex's win that must come down.")
    [post] = posts(harness, channel)
    emulator = harness.emulator
    await emulator.set_channel_permission(channel.id, emulator.bot_user_id, deny=perms.VIEW_CHANNEL)

    final = await delete_everything(alex)
    text = final.text()
    assert "Everything is deleted" not in text and "still up" in text
    assert f"https://discord.com/channels/{harness.guild_id}/{channel.id}/{post.id}" in text
    assert not post.deleted
    [tombstone] = rows(harness, "SELECT * FROM pending_takedowns")
    assert (tombstone["channel_id"], tombstone["message_id"]) == (channel.id, post.id)
    assert "user_id" not in tombstone.keys()  # noqa: SIM118
    assert rows_mentioning(harness, alex.user_id) == {}

    # Still no access: it stays, and is tried again next round.
    assert await wins_cog(harness).retry_takedowns() == 0
    assert len(rows(harness, "SELECT * FROM pending_takedowns")) == 1
    await harness.restart()  # durable: the table, not memory
    await emulator.set_channel_permission(channel.id, emulator.bot_user_id)  # an admin gives access back
    assert await wins_cog(harness).retry_takedowns() == 1
    assert emulator.message(post.id).deleted  # looked up again: mypy keeps `not post.deleted` from above
    assert rows(harness, "SELECT * FROM pending_takedowns") == []


async def test_a_5xx_during_the_take_down_is_a_failed_step_and_a_moderators_removal_settles_it(
    harness: Harness,
) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    await share(alex, "A win during an outage.")
    [post] = posts(harness, channel)
    harness.emulator.fail_next("DELETE", rf"^/channels/{channel.id}/messages/{post.id}$", status=503)
    final = await delete_everything(alex)
    assert "Everything is deleted" not in final.text()
    assert f"/{channel.id}/{post.id}" in final.text()
    assert not post.deleted and len(rows(harness, "SELECT * FROM pending_takedowns")) == 1

    # A moderator deletes it by hand; the next try gets a 404, which counts as gone.
    await harness.emulator.flush()
    harness.emulator.message(post.id).deleted = True
    assert await wins_cog(harness).retry_takedowns() == 1
    assert rows(harness, "SELECT * FROM pending_takedowns") == []


async def test_a_clean_deletion_counts_posts_and_dms_with_plural_forms(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    await share(alex, "One win.")
    harness.clock.advance(COOLDOWN)
    await share(alex, "Another win.")
    final = await delete_everything(alex)
    text = final.text()
    assert "Everything is deleted" in text
    assert "2 posts taken down from the wins channel." in text
    assert all(post.deleted for post in posts(harness, channel))
    assert "record(s)" not in text


# ---------------------------------------------------------------------------------------------- the digest


async def test_erasure_edits_the_digests_that_quote_the_member(harness: Harness) -> None:
    await set_up_wins_channel(harness)
    admin = harness.member("digest-admin", admin=True)
    await admin.slash("setup digest", state="on", weekday="Sunday", time="18:00", timezone="Europe/London")
    alex, bob = harness.member("alex"), harness.member("bob")
    await share(alex, "Alex's quotable win about a portfolio review.")
    await share(bob, "Bob's quotable win.")
    harness.clock.advance(DAY)
    message = await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now())
    assert message is not None
    digest = harness.emulator.message(message.id)
    before = digest.text()
    assert f"<@{alex.user_id}>" in before and "portfolio review" in before and f"<@{bob.user_id}>" in before

    final = await delete_everything(alex)
    assert "1 weekly digest edited to leave you out." in final.text()
    after = harness.emulator.message(message.id).text()
    assert f"<@{alex.user_id}>" not in after and "portfolio review" not in after
    assert f"<@{bob.user_id}>" in after and "Bob's quotable win." in after
    assert rows_mentioning(harness, alex.user_id) == {}
    [record] = rows(harness, "SELECT * FROM digest_posts")
    assert record["message_id"] == message.id


async def test_small_check_in_counts_stay_out_of_the_digest_and_admins_can_turn_the_line_off(
    harness: Harness,
) -> None:
    channel = await set_up_wins_channel(harness)
    admin = harness.member("digest-admin", admin=True)
    await admin.slash("setup digest", state="on")
    members = [harness.member(f"member{i}") for i in range(5)]
    for member in members[:4]:
        await member.slash("rejected")
    harness.clock.advance(DAY)
    await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now())
    [first] = [p for p in posts(harness, channel) if p.embeds and "This week" in p.embeds[0].get("title", "")]
    assert "checked in" not in first.text()  # 4 is too few to publish

    await members[4].slash("rejected")
    harness.clock.advance(7 * DAY)
    await members[0].slash("rejected")
    for member in members[1:]:
        await member.slash("rejected")
    harness.clock.advance(DAY)
    await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now())
    second = [p for p in posts(harness, channel) if p.embeds and "This week" in p.embeds[0].get("title", "")][-1]
    assert "**5** members checked in" in second.text()

    turned_off = await admin.slash("setup digest", state="on", checkins_line="off")
    assert turned_off.ephemeral
    for member in members:
        await member.slash("rejected")
    harness.clock.advance(7 * DAY)
    await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now())
    third = [p for p in posts(harness, channel) if p.embeds and "This week" in p.embeds[0].get("title", "")][-1]
    assert third.id != second.id and "checked in" not in third.text()


# ---------------------------------------------------------------------------------------------- DMs


async def test_erasure_deletes_the_dms_that_carried_the_members_words(harness: Harness) -> None:
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme", role="Data Analyst")
    [checkin] = rows(harness, "SELECT id FROM checkins WHERE user_id = ?", (alex.user_id,))
    drafted = await alex.slash("feedback draft", rejection=str(checkin["id"]), interviewer="Sam Rivera")
    await alex.click(message_of(drafted), "Remind me in 2 days")
    await harness.advance(2 * DAY + timedelta(hours=6))  # the reminder waits for 10:00 in New York (en-US)
    reminder = await alex.wait_for_dm(lambda m: "Sam" in m.text())
    await alex.click(reminder, "I sent it")
    await harness.advance(8 * DAY)
    followup = await alex.wait_for_dm(lambda m: any(b.label == "They replied" for b in m.buttons()))
    assert "Acme" in followup.text()
    assert len(rows(harness, "SELECT * FROM dm_messages WHERE user_id = ?", (alex.user_id,))) == 2

    final = await delete_everything(alex)
    assert "2 DMs I'd sent you deleted." in final.text()
    assert reminder.deleted and followup.deleted
    assert rows_mentioning(harness, alex.user_id) == {}


# ---------------------------------------------------------------------------------------------- abuse


async def test_posting_several_drafts_at_once_cannot_bypass_the_cooldown(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    previews = [await alex.slash("win", text=f"Draft number {i}.") for i in range(4)]
    clicks = await asyncio.gather(*(alex.click(message_of(p), "Post") for p in previews))
    answers = await asyncio.gather(*(c.followup() for c in clicks))
    assert len(posts(harness, channel)) == 1
    assert sum("shared a win very recently" in a.content for a in answers) == 3
    assert sorted(r["state"] for r in stored_wins(harness)) == ["draft", "draft", "draft", "posted"]
    assert sum(1 for r in stored_wins(harness) if r["posted_at"]) == 1  # the held drafts gave their claim back


async def test_the_server_picker_on_a_preview_never_shows_someone_elses_draft(harness: Harness) -> None:
    await set_up_wins_channel(harness)
    alex, mallory = harness.member("alex"), harness.member("mallory")
    secret = await alex.slash("win", text="Alex's private draft about a salary number.")
    alex_win = stored_wins(harness)[0]["id"]
    mine = await mallory.slash("win", text="Mallory's own draft.")
    forged = await mallory.click_custom_id(
        message_of(mine), f"win:where:{alex_win}:{mallory.user_id}", component_type=3, values=[str(harness.guild_id)]
    )
    assert forged.message is not None
    assert "salary" not in forged.message.text() and not forged.message.embeds
    assert "salary" in message_of(secret).text()  # untouched for its owner
    assert stored_wins(harness)[0]["guild_id"] == harness.guild_id


async def test_masked_links_show_their_real_destination_and_invisible_wins_are_refused(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Free nitro for everyone: [discord.com/gifts](https://evil.example/x)")
    shown = message_of(preview).embeds[0]["description"]
    assert "](" not in shown and "https://evil.example/x" in shown
    await (await alex.click(message_of(preview), "Post")).followup()
    [post] = posts(harness, channel)
    assert post.embeds[0]["description"] == "Free nitro for everyone: discord.com/gifts (https://evil.example/x)"

    harness.clock.advance(COOLDOWN)
    for blank in ("\u200b\u200b", "\u3164", "\u2800 \u2800", "** **", "\u202e\u200f"):
        refused = await alex.slash("win", text=blank)
        assert refused.ephemeral and "can't see any words" in message_of(refused).text(), blank
    opened = await alex.slash("win")
    assert opened.modal is not None
    refused = await alex.submit_modal(opened.modal, {"text": "\u200b\u3164"})
    assert "can't see any words" in message_of(refused).text()
    assert len(stored_wins(harness)) == 1


async def test_odd_digit_strings_in_options_get_a_kind_answer(harness: Harness, caplog: Any) -> None:
    alex = harness.member("alex")
    final = await log_rejection(alex)
    for value in ("²", "99999999999999999999999", "٣", "-1"):
        drafted = await alex.slash("feedback draft", rejection=value)
        assert "couldn't find that rejection" in message_of(drafted).text(), value
        reflected = await alex.slash("reflect", rejection=value)  # not an id: a reflection on a new rejection
        assert reflected.modal is not None, value
    for days in ("²", "٣٠", "¹²"):
        started = await alex.click(final, "Daily nudges")
        assert started.modal is not None
        told = await alex.submit_modal(started.modal, {"time": "09:00", "timezone": "Europe/London", "days": days})
        assert "Days should be a number" in message_of(told).text()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_progress_and_export_cool_down_per_member_in_plain_words(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    await alex.slash("rejected", company="Acme")
    await (await alex.slash("progress")).wait_final()
    again = await alex.slash("progress")
    assert again.ephemeral and "`/progress` is cooling down" in message_of(again).text()
    assert "ready again in 20 seconds." in message_of(again).text()
    assert message_of(again).attachments == []
    await (await bob.slash("progress")).wait_final()  # someone else isn't held up
    harness.clock.advance(timedelta(seconds=19))
    one = await alex.slash("progress")
    assert "ready again in 1 second." in message_of(one).text()
    harness.clock.advance(timedelta(seconds=1))
    assert (await (await alex.slash("progress")).wait_final()).attachments

    await (await alex.slash("mydata export")).wait_final()
    held = await alex.slash("mydata export")
    assert "`/mydata export` is cooling down" in message_of(held).text()
    assert "ready again in 60 seconds." in message_of(held).text()
    assert message_of(held).attachments == []


# ---------------------------------------------------------------------------------------------- leaving a server


async def test_leaving_a_server_drops_its_settings_digests_and_wins_but_keeps_private_data(
    harness: Harness,
) -> None:
    channel = await set_up_wins_channel(harness)
    admin = harness.member("digest-admin", admin=True)
    await admin.slash("setup digest", state="on")
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme")
    await share(alex, "A win in the server the bot leaves.")
    await alex.slash("win", text="A draft there too.")
    harness.clock.advance(DAY)
    await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now())
    assert f"digest:{harness.guild_id}" in harness.running.scheduler.job_names()
    assert posts(harness, channel)

    await harness.emulator.remove_bot_from_guild(harness.guild_id)
    await harness.emulator.wait_until(
        lambda: rows(harness, "SELECT * FROM guild_settings") == [] or None, what="the server's settings to go"
    )
    assert f"digest:{harness.guild_id}" not in harness.running.scheduler.job_names()
    assert stored_wins(harness) == []
    assert rows(harness, "SELECT * FROM digest_posts") == [] and rows(harness, "SELECT * FROM digest_quotes") == []
    assert len(rows(harness, "SELECT * FROM checkins WHERE user_id = ?", (alex.user_id,))) == 1


# ---------------------------------------------------------------------------------------------- delete one thing


async def confirm_delete(member: SimulatedMember, message: EmulatedMessage, stranger: SimulatedMember) -> str:
    """'Delete this' (a stranger is refused at both steps), then 'Yes, delete it'; return what the member reads."""
    refused = await stranger.click(message, "Delete this")
    assert "belongs to someone else" in message_of(refused).text()
    asked = await member.click(message, "Delete this")
    assert asked.ephemeral and "can't be undone" in message_of(asked).text()
    stolen = await stranger.click(message_of(asked), "Yes, delete it")
    assert "belongs to someone else" in message_of(stolen).text()
    done = await member.click(message_of(asked), "Yes, delete it")
    return (done.message if done.message is not None and not done.deferred else await done.followup()).text()


async def test_a_member_can_delete_one_vent_reflection_request_answer_or_win(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex, bob = harness.member("alex"), harness.member("bob")
    final = await log_rejection(alex, company="Acme", role="Analyst")
    [checkin] = rows(harness, "SELECT id FROM checkins WHERE user_id = ?", (alex.user_id,))

    # A vent, from the vent confirmation.
    opened = await alex.click(final, "Vent privately")
    assert opened.modal is not None
    kept = await alex.submit_modal(opened.modal, {"vent": "a vent to delete", "keep": ["yes"]})
    assert "Deleted. That vent is gone." in await confirm_delete(alex, message_of(kept), bob)
    assert rows(harness, "SELECT vent_encrypted FROM checkins")[0]["vent_encrypted"] is None
    assert rows(harness, "SELECT * FROM timers WHERE kind = 'vent_expiry_warning' AND state = 'pending'") == []

    # A reflection, from its reply (its hard questions go with it).
    opened = await alex.slash("reflect", rejection=str(checkin["id"]))
    assert opened.modal is not None
    reflected = await alex.submit_modal(opened.modal, {"hard": "a hard question", "went_well": "went well"})
    await harness.restart()  # the buttons carry their state in their custom ids
    assert "reflection" in await confirm_delete(alex, message_of(reflected), bob)
    assert rows(harness, "SELECT * FROM reflections") == [] and rows(harness, "SELECT * FROM hard_questions") == []

    # A feedback request, from /feedback list (its follow-up timers are cancelled).
    drafted = await alex.slash("feedback draft", rejection=str(checkin["id"]))
    await alex.click(message_of(drafted), "I sent it")
    [request] = rows(harness, "SELECT id FROM feedback_requests")
    listed = await alex.slash("feedback list")
    card = await alex.select(message_of(listed), "feedback:pick", [str(request["id"])])
    assert "feedback request" in await confirm_delete(alex, message_of(card), bob)
    assert rows(harness, "SELECT * FROM feedback_requests") == []
    assert rows(harness, "SELECT * FROM timers WHERE kind LIKE 'feedback%' AND state = 'pending'") == []

    # A practice answer, from its feedback.
    asked = await alex.slash("practice", category="behavioural")
    opened = await alex.click(message_of(asked), "Answer")
    assert opened.modal is not None
    feedback = await alex.submit_modal(opened.modal, {"answer": "In my last role I led a migration."})
    assert "practice answer" in await confirm_delete(alex, message_of(feedback), bob)
    assert rows(harness, "SELECT * FROM practice_answers") == []

    # A posted win, from the confirmation: the post comes down and the row goes.
    preview = await alex.slash("win", text="A win to delete later.")
    posted = await (await alex.click(message_of(preview), "Post")).followup()
    [post] = posts(harness, channel)
    assert "Deleted. That win is gone." in await confirm_delete(alex, posted, bob)
    assert post.deleted and stored_wins(harness) == []

    # Pressing again finds nothing, and says so.
    again = await alex.click(posted, "Delete this")
    gone = await alex.click(message_of(again), "Yes, delete it")
    text = (gone.message if gone.message is not None and not gone.deferred else await gone.followup()).text()
    assert "couldn't find that win" in text
    assert len(rows(harness, "SELECT * FROM checkins")) == 1  # everything else stays


async def test_the_records_counted_before_deleting_are_the_records_said_deleted(harness: Harness) -> None:
    await set_up_wins_channel(harness)
    admin = harness.member("digest-admin", admin=True)
    await admin.slash("setup digest", state="on", weekday="Sunday", time="18:00", timezone="Europe/London")
    alex = harness.member("alex")
    await seed_member(harness, alex, Marker("alex"))
    harness.clock.advance(DAY)
    assert await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now()) is not None
    await alex.slash("rejected", company="Initech")
    [checkin] = rows(harness, "SELECT MAX(id) AS id FROM checkins WHERE user_id = ?", (alex.user_id,))
    drafted = await alex.slash("feedback draft", rejection=str(checkin["id"]), interviewer="Sam Rivera")
    await alex.click(message_of(drafted), "Remind me in 2 days")
    await harness.advance(3 * DAY)  # a reminder DM carrying the draft: erasure deletes it, and its record
    asked = await alex.slash("mydata delete")
    before = re.search(r"Right now that's (\d+) records", message_of(asked).text())
    assert before is not None, message_of(asked).text()
    done = await alex.click(message_of(asked), "Delete everything")
    final = done.message if done.message is not None and not done.deferred else await done.followup()
    assert f"{before.group(1)} records" in final.text(), (before.group(0), final.text())
