"""The weekly digest end to end: a seeded week (through commands, with time moved), counts only, nothing private."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from emulator import EmulatedMessage
from emulator import permissions as perms
from emulator.state import ChannelRecord
from tests.e2e.wins_helpers import log_rejection, posts, set_up_wins_channel, share
from tests.harness import Harness, message_of

DAY = timedelta(days=1)


def wins_cog(harness: Harness) -> Any:
    """The running wins cog (its digest method is called directly with the test's clock).

    The bot loads cogs as fresh extension modules, so this is not an instance of the test's imported `Wins`.
    """
    cog = harness.running.get_cog("Wins")
    assert cog is not None and type(cog).__name__ == "Wins"
    return cog


async def digest_on(harness: Harness) -> ChannelRecord:
    """#wins plus the digest switched on, both through /setup."""
    channel = await set_up_wins_channel(harness)
    admin = harness.member("digest-admin", admin=True)
    await admin.slash("setup digest", state="on", weekday="Sunday", time="18:00", timezone="Europe/London")
    return channel


def digest_posts(harness: Harness, channel: ChannelRecord) -> list[EmulatedMessage]:
    """Digest messages in a channel."""
    return [m for m in posts(harness, channel) if m.embeds and m.embeds[0].get("title", "").startswith("This week")]


async def test_digest_counts_a_seeded_week_and_shares_nothing_private(harness: Harness) -> None:
    channel = await digest_on(harness)
    alex, bob, cara, dana = (harness.member(name) for name in ("alex", "bob", "cara", "dana"))

    # Last week: none of this may count.
    await share(alex, "An old win from the week before.")
    await log_rejection(dana)
    await harness.advance(3 * DAY + timedelta(hours=1))

    # This week.
    await share(alex, "Alex landed a second-round interview!", category="interview")
    await share(bob, "Bob's quiet win, shared anonymously.", anonymous=True)
    await share(cara, "Cara's win that she later took down.")
    [cara_post] = [p for p in posts(harness, channel) if "Cara's" in p.text()]
    await cara.click(message_of(await cara.click(cara_post, "Remove")), "Yes, take it down")
    await harness.member("eve").slash("win", text="Eve's draft that was never posted.")
    alex_post = next(p for p in posts(harness, channel) if "second-round" in p.text())
    await cara.click(alex_post, "win:cheer:")

    await log_rejection(alex, company="Secret Corp", role="Analyst")
    await log_rejection(bob)
    await harness.advance(DAY)
    await log_rejection(bob)  # the same member twice still counts once

    # Another server's week is its own.
    other = harness.emulator.create_guild(name="Elsewhere")
    await harness.emulator.flush()
    olly = harness.emulator.create_member(other.id, "olly")
    await olly.slash("rejected")

    await harness.advance(5 * DAY)
    message = await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now())
    assert message is not None
    [digest] = digest_posts(harness, channel)
    text = digest.text()
    assert "**2** wins shared" in text
    assert "checked in" not in text  # two members is too few to publish: it could point at them
    highlights = next(f["value"] for f in digest.embeds[0]["fields"] if f["name"] == "A few to celebrate")
    assert "Alex landed a second-round interview!" in highlights and f"<@{alex.user_id}>" in highlights
    assert f"/{channel.id}/{alex_post.id}" in highlights
    for private in ("Bob's quiet win", f"<@{bob.user_id}>", "old win", "Cara's", "Eve's", "Secret Corp", "Analyst"):
        assert private not in text
    assert digest.allowed_mentions == {"parse": []}
    assert (digest.mentions, digest.mention_roles, digest.mention_everyone) == ([], [], False)

    # A second firing in the same week (a restart, a clock fix) posts nothing more.
    assert await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now() + timedelta(hours=1)) is None
    assert len(digest_posts(harness, channel)) == 1


async def test_quiet_week_gets_a_gentle_digest(harness: Harness) -> None:
    channel = await digest_on(harness)
    await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now())
    [digest] = digest_posts(harness, channel)
    assert "quiet week" in digest.text()
    assert "fields" not in digest.embeds[0] or not digest.embeds[0]["fields"]


async def test_no_digest_when_it_is_off_or_has_nowhere_to_go(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    assert await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now()) is None
    admin = harness.member("admin", admin=True)
    await admin.slash("setup digest", state="on")
    await harness.emulator.delete_channel(channel.id)
    assert await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now()) is None


async def test_the_scheduled_job_posts_the_digest_for_its_server(harness: Harness) -> None:
    channel = await digest_on(harness)
    await share(harness.member("alex"), "A win for the job to count.")
    await harness.restart()  # the job comes back from the database
    before = harness.clock.now()  # Thursday 09:00 UTC
    harness.clock.advance(4 * DAY)  # Monday: Sunday 18:00 in London has passed
    await harness.running.scheduler.run_due(before, harness.clock.now())
    [digest] = digest_posts(harness, channel)
    assert "**1** win shared" in digest.text()


async def test_digest_in_a_channel_the_bot_cannot_post_in_is_skipped_quietly(harness: Harness) -> None:
    channel = await digest_on(harness)
    emulator = harness.emulator
    await emulator.set_channel_permission(channel.id, emulator.bot_user_id, deny=perms.SEND_MESSAGES)
    assert await wins_cog(harness).post_digest(harness.guild_id, harness.clock.now()) is None
    assert digest_posts(harness, channel) == []
