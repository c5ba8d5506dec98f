"""REST faults: 5xx retried by discord.py, 429s (route and global, with Discord's headers) obeyed without a retry
storm, and a wins post that fails on Discord's side keeps the member's draft.

Deleted wins channels and removed permissions are covered in test_wins.py; this file adds what those leave out.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from emulator import SimulatedMember
from emulator.ratelimit import DEFAULT_ROUTE_LIMITS, GlobalLimiter, RouteLimiter
from tests.e2e.wins_helpers import posts, set_up_wins_channel, stored_wins
from tests.harness import Harness, message_of

MESSAGES = ("POST", "/channels/{channel_id}/messages")
MESSAGES_PATH = r"^/channels/\d+/messages$"
CALLBACK_PATH = r"^/interactions/\d+/[^/]+/callback$"
CALLBACK = ("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
CLOUDFLARE_502 = "<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>"


def ledger(harness: Harness) -> list[Any]:
    """The nudge ledger, straight from the database file."""
    return harness.rows("SELECT user_id, status, attempts FROM nudge_ledger WHERE kind = 'daily'")


def nudge_dms(member: SimulatedMember) -> int:
    """How many nudges (not welcome messages or previews) a member received."""
    return sum(
        1
        for m in member.dms()
        if any(b.label == "Helpful" for b in m.buttons())
        and "preview" not in str(m.embeds[0].get("footer", "")).lower()
    )


def request_times(harness: Harness, method: str, path_regex: str) -> list[float]:
    """When each matching request reached the emulator (since the last `reset_counters`)."""
    import re

    pattern = re.compile(path_regex)
    log = list(harness.emulator.request_log)
    times = harness.emulator.stats.request_times
    assert len(log) == len(times), "reset_counters() first: the request log and the times must line up"
    return [t for (m, path, _), t in zip(log, times, strict=True) if m == method and pattern.search(path)]


def reset_counters(harness: Harness) -> None:
    """Start counting requests from here."""
    harness.emulator.stats.reset()
    harness.emulator.request_log.clear()


async def preview_nudge(member: SimulatedMember) -> str:
    """/nudges preview (one DM now); returns what the member was told."""
    result = await member.slash("nudges preview")
    final = await result.wait_final() if result.deferred else result.message
    assert final is not None
    return final.text()


async def subscribe(member: SimulatedMember) -> None:
    """/nudges start at 10:00 London time (the harness clock is 09:00 UTC); the welcome DM opens the channel."""
    result = await member.slash("nudges start", time="10:00", timezone="Europe/London")
    if result.deferred:
        await result.wait_final()
    await member.wait_for_dm()


async def run_nudges(harness: Harness) -> Any:
    """Move to 10:00 and run the nudge round the tick would run."""
    harness.clock.advance(timedelta(hours=1))
    cog: Any = harness.running.get_cog("NudgesCog")
    return await cog.run_due_nudges()


# ---------------------------------------------------------------------------------------------- 5xx


async def test_a_500_on_the_interaction_response_is_retried_and_the_member_is_answered(harness: Harness) -> None:
    alex = harness.member("alex")
    reset_counters(harness)
    harness.emulator.fail_next("POST", CALLBACK_PATH, status=500)
    result = await alex.slash("rejected", company="Acme")
    assert result.ephemeral and "That's a hard one" in result.text()
    assert harness.emulator.stats.count(*CALLBACK) == 2
    assert harness.emulator.stats.faults_injected == 1


async def test_a_502_from_the_edge_on_a_dm_is_retried_and_the_dm_arrives_once(harness: Harness) -> None:
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme")
    reset_counters(harness)
    harness.emulator.fail_next("POST", MESSAGES_PATH, status=502, body=CLOUDFLARE_502)
    told = await preview_nudge(alex)
    assert "sent you one by DM" in told
    assert harness.emulator.stats.count(*MESSAGES) == 2
    assert len(alex.dms()) == 1


async def test_a_500_on_a_win_post_is_retried_and_the_win_goes_up_once(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    preview = await alex.slash("win", text="Finished a take-home I was proud of.", category="learned")
    harness.emulator.fail_next("POST", rf"^/channels/{channel.id}/messages$", status=500)
    confirmation = await (await alex.click(message_of(preview), "Post")).followup(timeout=10)
    assert f"<#{channel.id}>" in confirmation.content
    assert len(posts(harness, channel)) == 1
    assert stored_wins(harness)[0]["state"] == "posted"


async def test_discord_unavailable_during_a_win_post_keeps_the_draft_and_says_so(harness: Harness) -> None:
    """discord.py does not retry a 503: the member hears that Discord had a problem, and the draft waits."""
    channel = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    text = "Sent three applications after a rough week."
    preview = await alex.slash("win", text=text, category="applied_again")
    harness.emulator.fail_next("POST", rf"^/channels/{channel.id}/messages$", status=503)
    told = await (await alex.click(message_of(preview), "Post")).followup()
    assert "Discord had a problem" in told.content and "try again" in told.content
    assert "reference" not in told.content  # not reported as the bot's own bug
    assert [b.label for b in message_of(preview).buttons()] == ["Post", "Edit", "Cancel"]  # the preview still waits
    assert posts(harness, channel) == []
    assert stored_wins(harness)[0]["state"] == "draft"

    again = await (await alex.click(message_of(preview), "Post")).followup()
    assert f"<#{channel.id}>" in again.content
    [post] = posts(harness, channel)
    assert post.embeds[0]["description"] == text
    assert stored_wins(harness)[0]["state"] == "posted"


# ---------------------------------------------------------------------------------------------- 429


async def test_a_route_429_on_a_dm_is_retried_after_retry_after_exactly_once(harness: Harness) -> None:
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme")
    reset_counters(harness)
    harness.emulator.fail_next("POST", MESSAGES_PATH, status=429, body={"retry_after": 0.6})
    told = await preview_nudge(alex)
    assert "sent you one by DM" in told
    first, second = request_times(harness, "POST", MESSAGES_PATH)
    assert second - first >= 0.55  # Retry-After obeyed (the emulator's clock and the bot's differ by a hair)
    assert len(alex.dms()) == 1


async def test_a_global_429_holds_every_request_until_retry_after(harness: Harness) -> None:
    alex, bo = harness.member("alex"), harness.member("bo")
    for member in (alex, bo):
        await member.slash("rejected", company="Acme")
    await harness.running.delivery.send_dm(bo.user_id, content="Opening the DM channel first.")
    reset_counters(harness)
    harness.emulator.fail_next(
        "POST",
        MESSAGES_PATH,
        status=429,
        body={"message": "You are being rate limited.", "retry_after": 0.8, "global": True},
        headers={"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"},
    )
    first = asyncio.create_task(preview_nudge(alex))
    await harness.emulator.wait_until(lambda: harness.emulator.stats.faults_injected or None, 5, "the global 429")
    second = asyncio.create_task(preview_nudge(bo))  # another member's channel: still held by the global limit
    assert "sent you one by DM" in await first
    assert "sent you one by DM" in await second
    sends = request_times(harness, "POST", MESSAGES_PATH)
    assert len(sends) == 3  # one refused, two delivered: no storm
    assert min(sends[1:]) - sends[0] >= 0.75


async def test_a_nudge_round_under_a_tight_global_limit_sends_everyone_once_without_a_storm(harness: Harness) -> None:
    members = [harness.member(f"member{i}") for i in range(12)]
    for member in members:
        await subscribe(member)
    reset_counters(harness)
    harness.emulator.global_limiter = GlobalLimiter(6)  # far below Discord's 50/s: the bot must wait its turn
    try:
        report = await run_nudges(harness)
    finally:
        harness.emulator.global_limiter = None
    assert report.sent == len(members)
    assert [nudge_dms(m) for m in members] == [1] * len(members)
    assert all((row["status"], row["attempts"]) == ("sent", 1) for row in ledger(harness))
    stats = harness.emulator.stats
    assert stats.rate_limited_global >= 1, "the limit was never reached; the test proves nothing"
    sends = stats.count(*MESSAGES)
    assert sends == len(members) + stats.rate_limited_global
    assert stats.rate_limited_global <= len(members)  # each refused at most about once: waits, not hammering


async def test_wins_posted_at_once_respect_the_channel_bucket(harness: Harness) -> None:
    channel = await set_up_wins_channel(harness)
    members = [harness.member(f"winner{i}") for i in range(8)]
    previews = [
        await m.slash("win", text=f"Win number {i} of the evening.", category="other") for i, m in enumerate(members)
    ]
    harness.emulator.route_limiter = RouteLimiter(dict(DEFAULT_ROUTE_LIMITS), enforce=True)  # 5 posts/s per channel
    reset_counters(harness)
    clicks = await asyncio.gather(*(m.click(message_of(p), "Post") for m, p in zip(members, previews, strict=True)))
    confirmations = await asyncio.gather(*(c.followup(timeout=10) for c in clicks))
    assert all(f"<#{channel.id}>" in c.content for c in confirmations)
    assert sorted(p.embeds[0]["description"] for p in posts(harness, channel)) == sorted(
        f"Win number {i} of the evening." for i in range(8)
    )
    assert [row["state"] for row in stored_wins(harness)] == ["posted"] * 8
    stats = harness.emulator.stats
    assert stats.rate_limited_route <= 3  # discord.py reads the bucket headers and waits instead of hammering
    assert stats.count(*MESSAGES) <= 8 + stats.rate_limited_route
