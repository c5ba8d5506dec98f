"""`/win` end to end: preview, post, cheers, removal, drafts kept when a win can't go up, milestones, sharing."""

from __future__ import annotations

from datetime import timedelta

import discord

from bot.ui import share_win_custom_id
from emulator import permissions as perms
from tests.e2e.wins_helpers import (
    cheer_label,
    cheer_rows,
    log_rejection,
    posts,
    set_up_wins_channel,
    share,
    stored_wins,
)
from tests.harness import Harness, message_of

COOLDOWN = timedelta(seconds=300)


async def nudge_with_share_button(harness: Harness, user_id: int) -> discord.ui.View:
    """DM the member a message with a "Share as a win" button, as the nudges cog does."""
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Share as a win", custom_id=share_win_custom_id("nudge", 1, user_id)))
    await harness.running.delivery.send_dm(user_id, content="A small nudge for today.", view=view)
    return view


async def test_preview_shows_exactly_what_will_be_posted_and_posts_only_on_click(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Got through to the final round!", category="interview")
    assert preview.ephemeral and preview.latency is not None and preview.latency < 3
    shown = message_of(preview).embeds[0]
    assert shown["author"]["name"] == "alex"
    assert shown["title"] == "📅 Got an interview"
    assert shown["description"] == "Got through to the final round!"
    assert f"<#{channel.id}>" in message_of(preview).content
    assert [b.label for b in message_of(preview).buttons()] == ["Post", "Edit", "Cancel"]
    assert posts(harness, channel) == []
    assert stored_wins(harness)[0]["state"] == "draft"

    clicked = await alex.click(message_of(preview), "Post")
    confirmation = await clicked.followup()
    assert "It's up" in confirmation.text() or "Posted" in confirmation.text() or "Done" in confirmation.text()
    assert [b.label for b in confirmation.buttons()] == ["Delete this"]

    [post] = posts(harness, channel)
    embed = post.embeds[0]
    assert (embed["author"], embed["title"], embed["description"]) == (
        shown["author"],
        shown["title"],
        shown["description"],
    )
    assert embed["author"]["name"] == "alex" and embed["author"].get("icon_url")
    assert post.allowed_mentions == {"parse": []}
    assert harness.emulator.bot_user_id in post.reactions["🎉"]
    assert cheer_label(post) == "Cheer · 0"
    assert any(b.label == "Remove" for b in post.buttons())

    row = stored_wins(harness)[0]
    assert (row["state"], row["channel_id"], row["message_id"]) == ("posted", channel.id, post.id)
    assert (row["user_id"], row["guild_id"], row["anonymous"]) == (alex.user_id, harness.guild_id, 0)
    assert "final round" not in row["text_encrypted"]
    assert b"final round" not in harness.stored_bytes()


async def test_anonymous_win_says_a_member_and_nothing_else_about_the_author(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    preview = await alex.slash(
        "win", text="Asked for feedback for the first time.", category="asked_feedback", anonymous=True
    )
    assert message_of(preview).embeds[0]["author"] == {"name": "A member"}
    await (await alex.click(message_of(preview), "Post")).followup()
    [post] = posts(harness, channel)
    assert post.embeds[0]["author"] == {"name": "A member"}
    assert "alex" not in str(post.payload())
    assert post.interaction_metadata is None  # nothing links the post to the command's author


async def test_mentions_in_a_win_ping_nobody(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    role = harness.emulator.create_role(harness.guild_id, "Job Seekers", permissions=0)
    alex, bob = harness.member("alex"), harness.member("bob")
    text = f"@everyone @here <@&{role.id}> <@{bob.user_id}> <@!{bob.user_id}> I got the offer!!"
    preview = await alex.slash("win", text=text, category="offer")
    assert message_of(preview).allowed_mentions == {"parse": []}
    clicked = await alex.click(message_of(preview), "Post")
    await clicked.followup()
    [post] = posts(harness, channel)
    assert post.embeds[0]["description"] == text
    assert post.allowed_mentions == {"parse": []}
    assert (post.mentions, post.mention_roles, post.mention_everyone) == ([], [], False)


async def test_cheers_count_once_per_member_and_keep_working_after_a_restart(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex, bob, cara = harness.member("alex"), harness.member("bob"), harness.member("cara")
    await share(alex, "Sent three applications today.", category="applied_again")
    [post] = posts(harness, channel)

    first = await bob.click(post, "win:cheer:")
    assert not first.ephemeral
    assert cheer_label(post) == "Cheer · 1"
    again = await bob.click(post, "win:cheer:")
    assert again.ephemeral and "already cheered" in message_of(again).text()
    assert cheer_label(post) == "Cheer · 1"

    await harness.restart()
    await cara.click(post, "win:cheer:")
    assert cheer_label(post) == "Cheer · 2"
    assert sorted(r["user_id"] for r in cheer_rows(harness)) == sorted([bob.user_id, cara.user_id])


async def test_the_author_cannot_cheer_their_own_win_and_is_told_kindly(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex, bob = harness.member("alex"), harness.member("bob")
    await share(alex, "Sent three applications today.", category="applied_again")
    harness.clock.advance(COOLDOWN)
    await share(alex, "Asked for feedback, anonymously.", anonymous=True)
    named, anonymous = posts(harness, channel)
    for post in (named, anonymous):
        own = await alex.click(post, "win:cheer:")
        assert own.ephemeral and "your own win" in message_of(own).text()
        assert cheer_label(post) == "Cheer · 0"
    await bob.click(named, "win:cheer:")
    assert cheer_label(named) == "Cheer · 1"
    assert [r["user_id"] for r in cheer_rows(harness)] == [bob.user_id]


async def test_author_can_take_a_win_down_and_others_are_refused(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex, bob = harness.member("alex"), harness.member("bob")
    await share(alex, "Finished a mock interview with a friend.", category="learned")
    [post] = posts(harness, channel)

    refused = await bob.click(post, "Remove")
    assert refused.ephemeral and "Only the person who shared" in message_of(refused).text()
    assert not post.deleted

    asked = await alex.click(post, "Remove")
    assert asked.ephemeral and "can't be undone" in message_of(asked).text()
    # Someone else can't press the author's private confirmation either.
    stolen = await bob.click(message_of(asked), "Yes, take it down")
    assert "belongs to someone else" in message_of(stolen).text()
    assert not post.deleted
    done = await alex.click(message_of(asked), "Yes, take it down")
    assert "taken down" in message_of(done).text()
    assert harness.emulator.message(post.id).deleted  # looked up again: mypy keeps `not post.deleted` from above
    row = stored_wins(harness)[0]
    assert row["state"] == "removed" and row["removed_at"]


async def test_a_moderator_can_take_a_win_down(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    moderator = harness.member("mod", permissions=perms.MANAGE_MESSAGES)
    await share(alex, "Got a phone screen booked.", category="interview")
    [post] = posts(harness, channel)
    asked = await moderator.click(post, "Remove")
    await moderator.click(message_of(asked), "Yes, take it down")
    assert post.deleted
    assert stored_wins(harness)[0]["state"] == "removed"


async def test_no_wins_channel_keeps_the_draft_until_one_is_set(harness: Harness) -> None:
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Rewrote my CV and it finally feels like me.", category="learned")
    clicked = await alex.click(message_of(preview), "Post")
    kept = await clicked.followup()
    assert "hasn't chosen a wins channel" in kept.content
    assert "/setup wins-channel" not in kept.content  # that hint is for admins
    assert [b.label for b in kept.buttons()] == ["Post", "Edit", "Cancel"]
    assert [r["state"] for r in stored_wins(harness)] == ["draft"]

    admin = harness.member("admin", admin=True)
    admin_preview = await admin.slash("win", text="Ran my first mock-interview evening.")
    admin_kept = await (await admin.click(message_of(admin_preview), "Post")).followup()
    assert "/setup wins-channel" in admin_kept.content

    channel = harness.emulator.create_text_channel(harness.guild_id, "wins")
    await admin.slash("setup wins-channel", channel=channel)
    saved = await alex.slash("win")  # no text: pick the saved draft back up
    assert message_of(saved).embeds[0]["description"] == "Rewrote my CV and it finally feels like me."
    await (await alex.click(message_of(saved), "Post")).followup()
    [post] = posts(harness, channel)
    assert post.embeds[0]["description"] == "Rewrote my CV and it finally feels like me."
    assert stored_wins(harness)[0]["state"] == "posted"


async def test_missing_permission_keeps_the_draft_and_names_it(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    emulator = harness.emulator
    await emulator.set_channel_permission(channel.id, emulator.bot_user_id, deny=perms.SEND_MESSAGES)
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Said yes to a coffee chat with a recruiter.", category="other")
    kept = await (await alex.click(message_of(preview), "Post")).followup()
    assert "Send Messages" in kept.content and "draft is saved" in kept.content
    assert posts(harness, channel) == []
    assert stored_wins(harness)[0]["state"] == "draft"

    await emulator.set_channel_permission(channel.id, emulator.bot_user_id)  # an admin fixes it
    await (await alex.click(kept, "Post")).followup()
    assert len(posts(harness, channel)) == 1
    assert stored_wins(harness)[0]["state"] == "posted"


async def test_post_without_add_reactions_still_goes_up(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    emulator = harness.emulator
    await emulator.set_channel_permission(channel.id, emulator.bot_user_id, deny=perms.ADD_REACTIONS)
    alex = harness.member("alex")
    await share(alex, "Practised my answers out loud.", category="learned")
    [post] = posts(harness, channel)
    assert post.reactions == {}
    assert stored_wins(harness)[0]["state"] == "posted"


async def test_deleted_wins_channel_keeps_the_draft(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    await harness.emulator.delete_channel(channel.id)
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Applied to two places I'm excited about.", category="applied_again")
    kept = await (await alex.click(message_of(preview), "Post")).followup()
    assert "disappeared" in kept.content
    assert stored_wins(harness)[0]["state"] == "draft"


async def test_cooldown_is_explained_and_the_draft_waits(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    await share(alex, "First win of the day.")
    preview = await alex.slash("win", text="Second win of the day.")
    held = await (await alex.click(message_of(preview), "Post")).followup()
    ready_at = int((harness.clock.now() + COOLDOWN).timestamp())
    assert "shared a win very recently" in held.content and f"<t:{ready_at}:R>" in held.content
    # Why it waits comes first; the preview's "nothing goes out until you press Post" would be wrong here.
    assert held.content.startswith("You've shared a win very recently")
    assert "until you press" not in held.content and "only goes out when you press" not in held.content
    assert [r["state"] for r in stored_wins(harness)] == ["posted", "draft"]

    harness.clock.advance(COOLDOWN)
    await (await alex.click(held, "Post")).followup()
    assert [p.embeds[0]["description"] for p in posts(harness, channel)] == [
        "First win of the day.",
        "Second win of the day.",
    ]


async def test_edit_changes_words_category_and_anonymity_before_posting(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Got feedbak!")
    opened = await alex.click(message_of(preview), "Edit")
    assert opened.modal is not None
    assert opened.modal.field("text").value == "Got feedbak!"
    edited = await alex.submit_modal(
        opened.modal, {"text": "Got feedback, and it was kind.", "category": ["got_feedback"], "anonymous": ["yes"]}
    )
    assert edited.message is preview.message
    embed = message_of(preview).embeds[0]
    assert (embed["description"], embed["title"], embed["author"]) == (
        "Got feedback, and it was kind.",
        "💡 Got feedback",
        {"name": "A member"},
    )
    await (await alex.click(message_of(preview), "Post")).followup()
    [post] = posts(harness, channel)
    assert post.embeds[0]["author"] == {"name": "A member"}
    row = stored_wins(harness)[0]
    assert (row["category"], row["anonymous"]) == ("got_feedback", 1)


async def test_cancel_throws_the_draft_away(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Not ready to share this yet.")
    cancelled = await alex.click(message_of(preview), "Cancel")
    assert "nothing was posted" in message_of(cancelled).text()
    assert stored_wins(harness) == [] and posts(harness, channel) == []


async def test_win_without_text_opens_a_modal_when_there_is_no_draft(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    opened = await alex.slash("win")
    assert opened.modal is not None
    shown = await alex.submit_modal(opened.modal, {"text": "Helped a friend prep for their interview."})
    assert shown.ephemeral and message_of(shown).embeds[0]["description"] == "Helped a friend prep for their interview."
    await (await alex.click(message_of(shown), "Post")).followup()
    assert len(posts(harness, channel)) == 1


async def test_someone_else_cannot_post_my_draft(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex, bob = harness.member("alex"), harness.member("bob")
    preview = await alex.slash("win", text="Mine to share.")
    refused = await bob.click(message_of(preview), "Post")
    assert "someone else" in message_of(refused).text()
    assert posts(harness, channel) == [] and stored_wins(harness)[0]["state"] == "draft"


async def test_first_and_fifth_win_are_congratulated_privately(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    _, first = await share(alex, "Win number one.")
    milestone = await first.followup()
    assert milestone.ephemeral and "first win" in milestone.text().lower()
    for number in range(2, 6):
        harness.clock.advance(COOLDOWN)
        _, clicked = await share(alex, f"Win number {number}.")
    milestone = await clicked.followup()
    assert milestone.ephemeral and "five wins" in milestone.text().lower()
    assert len(posts(harness, channel)) == 5
    assert all("wins shared" not in p.text() and "first win" not in p.text() for p in posts(harness, channel))


async def test_shots_taken_milestone_arrives_privately_by_dm(harness: Harness) -> None:
    alex = harness.member("alex")
    for _ in range(5):
        await log_rejection(alex)
    dm = await alex.wait_for_dm(lambda m: "shots taken" in m.text().lower())
    assert "courage" in dm.text()
    assert len([m for m in alex.dms() if "shots taken" in m.text().lower()]) == 1


async def test_shots_milestone_waits_for_the_next_win_when_dms_are_closed(harness: Harness) -> None:
    await set_up_wins_channel(harness)
    alex = harness.member("alex")
    harness.emulator.set_dms_closed(alex.user_id)
    for _ in range(5):
        await log_rejection(alex)
    preview = await alex.slash("win", text="Kept going this week.")
    told = await preview.followup()
    assert told.ephemeral and "shots taken" in told.text().lower()
    again = await alex.slash("win", text="And again.")
    assert all("shots taken" not in m.text().lower() for m in again.followups())


async def test_share_from_a_helpful_nudge_prefills_a_preview_and_posts_from_the_dm(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    await nudge_with_share_button(harness, alex.user_id)
    nudge = await alex.wait_for_dm()

    preview = await alex.click(nudge, "Share as a win")
    assert "Kept turning up for my job search" in message_of(preview).embeds[0]["description"]
    assert "Job Seekers" in message_of(preview).content
    assert posts(harness, channel) == []
    await (await alex.click(message_of(preview), "Post")).followup()
    [post] = posts(harness, channel)
    assert post.embeds[0]["author"]["name"] == "alex"
    row = stored_wins(harness)[0]
    assert (row["source"], row["guild_id"], row["state"]) == ("nudge", harness.guild_id, "posted")

    bob = harness.member("bob")
    refused = await bob.click(nudge, "Share as a win")
    assert "someone else" in message_of(refused).text()


async def test_share_from_a_reflection_prefills_what_went_well(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    final = await log_rejection(alex)
    opened = await alex.click(final, "Reflect now")
    assert opened.modal is not None
    reflected = await alex.submit_modal(opened.modal, {"went_well": "I explained my portfolio clearly and calmly."})
    preview = await alex.click(message_of(reflected), "Share as a win")
    assert message_of(preview).embeds[0]["description"] == "I explained my portfolio clearly and calmly."
    assert message_of(preview).embeds[0]["title"] == "📚 Learned something"
    assert posts(harness, channel) == []
    await (await alex.click(message_of(preview), "Post")).followup()
    assert stored_wins(harness)[0]["source"] == "reflection"
    assert len(posts(harness, channel)) == 1


async def test_crisis_words_in_a_win_lead_the_preview_with_support(harness: Harness) -> None:
    await set_up_wins_channel(harness)
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Got an interview but honestly I want to kill myself.")
    assert message_of(preview).embeds[0]["title"] == "Before anything else"


async def test_erasure_takes_posts_down_and_withdraws_cheers(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex, bob = harness.member("alex"), harness.member("bob")
    await share(alex, "Alex's first win.")
    harness.clock.advance(COOLDOWN)
    await share(alex, "Alex's anonymous win.", anonymous=True)
    await share(bob, "Bob's win.")
    alex_first, alex_anonymous, bob_post = posts(harness, channel)
    await alex.click(bob_post, "win:cheer:")
    assert cheer_label(bob_post) == "Cheer · 1"
    alex_first_id = alex_first.id
    await harness.emulator.flush()
    # One of the posts was already deleted by hand; the hook must carry on.
    harness.emulator.message(alex_first_id).deleted = True

    await harness.running.erasure_hooks["wins"](alex.user_id)

    assert alex_anonymous.deleted and not bob_post.deleted
    assert cheer_label(bob_post) == "Cheer · 0"
    states = {r["message_id"]: r["state"] for r in stored_wins(harness)}
    assert states == {alex_first_id: "removed", alex_anonymous.id: "removed", bob_post.id: "posted"}
    assert cheer_rows(harness) == []


async def test_preview_buttons_still_work_after_a_restart(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Wrote to a hiring manager directly.")
    await harness.restart()
    await (await alex.click(message_of(preview), "Post")).followup()
    assert len(posts(harness, channel)) == 1


async def test_sharing_from_a_dm_asks_which_server_when_there_are_several(harness: Harness) -> None:
    home = await set_up_wins_channel(harness)
    emulator = harness.emulator
    other = emulator.create_guild(name="Elsewhere")
    await emulator.flush()
    other_wins = emulator.create_text_channel(other.id, "wins")
    other_admin = emulator.create_member(other.id, "other-admin", admin=True)
    await other_admin.slash("setup wins-channel", channel=other_wins)
    alex = harness.member("alex")
    emulator.create_member(other.id, "alex", user_id=alex.user_id)

    await nudge_with_share_button(harness, alex.user_id)
    preview = await alex.click(await alex.wait_for_dm(), "Share as a win")
    assert "more than one server" in message_of(preview).content
    [where] = message_of(preview).selects()
    assert {o["label"] for o in where.options} == {"Job Seekers", "Elsewhere"}
    chosen = await alex.select(message_of(preview), "Choose a server", [str(other.id)])
    assert "Elsewhere" in message_of(chosen).content and message_of(preview).selects() == []
    await (await alex.click(message_of(preview), "Post")).followup()
    assert posts(harness, home) == [] and len(posts(harness, other_wins)) == 1
    assert stored_wins(harness)[0]["guild_id"] == other.id


async def test_sharing_from_a_dm_with_no_wins_channel_anywhere_keeps_the_draft(harness: Harness) -> None:
    alex = harness.member("alex")
    await nudge_with_share_button(harness, alex.user_id)
    preview = await alex.click(await alex.wait_for_dm(), "Share as a win")
    assert "couldn't find a server of yours" in message_of(preview).content
    kept = await (await alex.click(message_of(preview), "Post")).followup()
    assert "draft is saved" in kept.content
    [row] = stored_wins(harness)
    assert (row["state"], row["guild_id"]) == ("draft", None)
    # Later, in the server, /win picks it up.
    await set_up_wins_channel(harness)
    saved = await alex.slash("win")
    assert "Kept turning up" in message_of(saved).embeds[0]["description"]
