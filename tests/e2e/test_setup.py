"""`/setup` end to end: only Manage Server can see or use it; channel permission checks; digest scheduling."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from emulator import CommandNotVisible
from emulator import permissions as perms
from tests.harness import Harness, message_of


def guild_settings_row(harness: Harness) -> Any:
    """The server's settings row, read straight from the database."""
    found = harness.rows("SELECT * FROM guild_settings WHERE guild_id = ?", (harness.guild_id,))
    return found[0] if found else None


async def rescheduled(harness: Harness, action: Callable[[], Awaitable[Any]]) -> Any:
    """Run an action and wait until the wins cog has rebuilt this server's digest job."""
    waiter = asyncio.ensure_future(
        harness.running.wait_for("digest_rescheduled", check=lambda gid: gid == harness.guild_id, timeout=5)
    )
    result = await action()
    await waiter
    return result


async def test_setup_is_hidden_from_members_without_manage_server(harness: Harness) -> None:
    [command] = [c for c in harness.emulator.commands() if c["name"] == "setup"]
    assert int(command["default_member_permissions"]) == perms.MANAGE_GUILD
    assert command.get("contexts") == [0] or command.get("dm_permission") is False
    bob = harness.member("bob")
    with pytest.raises(CommandNotVisible):
        await bob.slash("setup show")


async def test_setup_refuses_a_plain_member_even_if_the_command_reaches_the_bot(harness: Harness) -> None:
    channel = harness.emulator.create_text_channel(harness.guild_id, "wins")
    bob = harness.member("bob")
    for run in (
        bob.slash("setup show", bypass_visibility=True),
        bob.slash("setup wins-channel", channel=channel, bypass_visibility=True),
        bob.slash("setup digest", state="on", bypass_visibility=True),
    ):
        refused = await run
        assert refused.ephemeral and "Manage Server" in message_of(refused).text()
    assert guild_settings_row(harness) is None


async def test_admin_sets_the_wins_channel_and_sees_it(harness: Harness) -> None:
    channel = harness.emulator.create_text_channel(harness.guild_id, "wins")
    admin = harness.member("admin", admin=True)
    result = await admin.slash("setup wins-channel", channel=channel)
    assert result.ephemeral
    assert f"<#{channel.id}>" in message_of(result).text() and "All set" in message_of(result).text()
    row = guild_settings_row(harness)
    assert row is not None and row["wins_channel_id"] == channel.id

    shown = await admin.slash("setup show")
    text = message_of(shown).text()
    assert shown.ephemeral and f"<#{channel.id}>" in text and "All set" in text
    assert "Weekly digest" in text and "Off." in text


async def test_wins_channel_names_the_permission_the_bot_is_missing(harness: Harness) -> None:
    emulator = harness.emulator
    bot_id = emulator.bot_user_id
    no_send = emulator.create_text_channel(harness.guild_id, "no-send", {bot_id: (0, perms.SEND_MESSAGES)})
    no_embeds = emulator.create_text_channel(
        harness.guild_id, "no-embeds", {bot_id: (0, perms.EMBED_LINKS | perms.ADD_REACTIONS)}
    )
    hidden = emulator.create_text_channel(harness.guild_id, "hidden", {bot_id: (0, perms.VIEW_CHANNEL)})
    no_reactions = emulator.create_text_channel(harness.guild_id, "no-react", {bot_id: (0, perms.ADD_REACTIONS)})
    admin = harness.member("admin", admin=True)

    text = message_of(await admin.slash("setup wins-channel", channel=no_send)).text()
    assert "missing **Send Messages**" in text and "Embed Links" not in text
    text = message_of(await admin.slash("setup wins-channel", channel=no_embeds)).text()
    assert "missing **Embed Links**" in text
    text = message_of(await admin.slash("setup wins-channel", channel=hidden)).text()
    assert "**View Channel**" in text
    text = message_of(await admin.slash("setup wins-channel", channel=no_reactions)).text()
    assert "I can post" in text and "**Add Reactions**" in text

    # Fixed later by an admin: /setup show reads the permissions fresh.
    await emulator.set_channel_permission(no_reactions.id, bot_id)
    assert "All set" in message_of(await admin.slash("setup show")).text()


async def test_setup_show_notices_a_deleted_channel(harness: Harness) -> None:
    channel = harness.emulator.create_text_channel(harness.guild_id, "wins")
    admin = harness.member("admin", admin=True)
    await admin.slash("setup wins-channel", channel=channel)
    await harness.emulator.delete_channel(channel.id)
    assert "deleted" in message_of(await admin.slash("setup show")).text()


async def test_digest_on_schedules_a_weekly_job_in_the_servers_time_zone(harness: Harness) -> None:
    admin = harness.member("admin", admin=True)
    result = await rescheduled(
        harness,
        lambda: admin.slash("setup digest", state="on", weekday="Sunday", time="18:30", timezone="Europe/London"),
    )
    text = result.message.text()
    assert "every Sunday at 18:30 (Europe/London)" in text
    assert "no wins channel yet" in text
    # Thursday 26 Nov 2026 09:00 UTC → Sunday 29 Nov 18:30 GMT (= UTC).
    assert f"<t:{int(datetime(2026, 11, 29, 18, 30, tzinfo=UTC).timestamp())}:F>" in text
    row = guild_settings_row(harness)
    assert row is not None
    assert (row["digest_enabled"], row["digest_weekday"], row["digest_time"], row["digest_timezone"]) == (
        1,
        6,
        "18:30",
        "Europe/London",
    )
    fire = harness.running.scheduler.next_fire_time(f"digest:{harness.guild_id}", harness.clock.now())
    assert fire == datetime(2026, 11, 29, 18, 30, tzinfo=UTC)

    # Changing only the time keeps the day and zone.
    await rescheduled(harness, lambda: admin.slash("setup digest", state="on", time="9:05"))
    fire = harness.running.scheduler.next_fire_time(f"digest:{harness.guild_id}", harness.clock.now())
    assert fire == datetime(2026, 11, 29, 9, 5, tzinfo=UTC)

    off = await rescheduled(harness, lambda: admin.slash("setup digest", state="off"))
    assert "off" in off.message.text()
    assert f"digest:{harness.guild_id}" not in harness.running.scheduler.job_names()


async def test_digest_job_is_rebuilt_from_the_database_after_a_restart(harness: Harness) -> None:
    admin = harness.member("admin", admin=True)
    await rescheduled(
        harness,
        lambda: admin.slash("setup digest", state="on", weekday="Monday", time="08:00", timezone="America/New_York"),
    )
    await harness.restart()
    # Monday 30 Nov 2026 08:00 EST = 13:00 UTC.
    fire = harness.running.scheduler.next_fire_time(f"digest:{harness.guild_id}", harness.clock.now())
    assert fire == datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


async def test_digest_refuses_impossible_times_and_unknown_zones_kindly(harness: Harness) -> None:
    admin = harness.member("admin", admin=True)
    refused = await admin.slash("setup digest", state="on", timezone="Atlantis")
    assert "“Atlantis”" in message_of(refused).text() and "Nothing was changed" in message_of(refused).text()
    assert "London" in message_of(refused).text()
    refused = await admin.slash("setup digest", state="on", time="25:00")
    assert "“25:00”" in message_of(refused).text() and "5pm" in message_of(refused).text()
    assert "Nothing was changed" in message_of(refused).text()
    assert guild_settings_row(harness) is None
    assert f"digest:{harness.guild_id}" not in harness.running.scheduler.job_names()


@pytest.mark.parametrize(
    ("time", "timezone", "stored"),
    [
        ("9am", "London", ("09:00", "Europe/London")),
        ("5:30pm", "new york", ("17:30", "America/New_York")),
        ("0830", "EST", ("08:30", "America/New_York")),
        ("18:00", "Asia/Kolkata", ("18:00", "Asia/Kolkata")),
        ("7pm", "PST", ("19:00", "America/Los_Angeles")),
    ],
)
async def test_digest_reads_times_and_zones_the_way_nudges_do(
    harness: Harness, time: str, timezone: str, stored: tuple[str, str]
) -> None:
    admin = harness.member("admin", admin=True)
    result = await rescheduled(harness, lambda: admin.slash("setup digest", state="on", time=time, timezone=timezone))
    text = result.message.text()
    assert "Nothing was changed" not in text and f"at {stored[0]} ({stored[1]})" in text
    row = guild_settings_row(harness)
    assert row is not None and (row["digest_time"], row["digest_timezone"]) == stored
    if timezone != stored[1]:
        assert f"“{timezone}” to mean `{stored[1]}`" in text
    # /nudges accepts exactly the same words.
    member = harness.member("member")
    nudges = await member.slash("nudges start", time=time, timezone=timezone)
    shown = (await nudges.wait_final() if nudges.deferred else message_of(nudges)).text()
    assert "You're all set" in shown and stored[1] in shown


async def test_timezone_autocomplete_offers_iana_names(harness: Harness) -> None:
    admin = harness.member("admin", admin=True)
    choices = await admin.autocomplete("setup digest", "timezone", "lond", state="on")
    assert choices[0]["value"] == "Europe/London"
    assert (await admin.autocomplete("setup digest", "timezone", "EST", state="on"))[0]["value"] == "America/New_York"
    assert all("/" in c["value"] or c["value"] == "UTC" for c in choices)
    assert len(await admin.autocomplete("setup digest", "timezone", "a", state="on")) == 25
