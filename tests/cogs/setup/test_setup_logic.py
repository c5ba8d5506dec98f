"""What /setup tells an admin: permission advice, the digest's schedule in words, time zone suggestions."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.guild_settings import GuildSettings
from cogs.setup.logic import (
    bad_time_text,
    bad_zone_text,
    digest_confirmation,
    digest_summary,
    permission_report,
    zone_read_text,
    zone_was_read,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_permission_report_names_what_to_give_in_the_right_number() -> None:
    one = permission_report(7, (["Send Messages"], []))
    assert "<#7>" in one and "**Send Messages**" in one and "that permission" in one
    two = permission_report(7, (["View Channel", "Embed Links"], []))
    assert "**View Channel** and **Embed Links**" in two and "those permissions" in two


def test_permission_report_for_the_celebration_all_set_and_a_deleted_channel() -> None:
    assert "**Add Reactions**" in permission_report(7, ([], ["Add Reactions"])) and "Everything else works" in (
        permission_report(7, ([], ["Add Reactions"]))
    )
    assert "All set" in permission_report(7, ([], []))
    assert "deleted" in permission_report(7, None)


def test_digest_in_words() -> None:
    off = GuildSettings(1)
    assert digest_summary(off, NOW) == "Off."
    assert "is off" in digest_confirmation(off, NOW)
    on = GuildSettings(1, digest_enabled=True, digest_weekday=6, digest_time="18:00", digest_timezone="Europe/London")
    summary = digest_summary(on, NOW)
    assert summary.startswith("On — every Sunday at 18:00 (Europe/London).") and "<t:" in summary
    assert "when 5 or more did" in summary
    assert "leaves out" in digest_summary(GuildSettings(1, digest_enabled=True, digest_checkins_line=False), NOW)
    told = digest_confirmation(on, NOW)
    assert "every Sunday at 18:00" in told and "no wins channel yet" in told
    assert "no wins channel" not in digest_confirmation(GuildSettings(1, wins_channel_id=5, digest_enabled=True), NOW)


def test_bad_time_and_zone_are_explained_kindly_with_examples() -> None:
    time_text = bad_time_text("half past")
    assert "“half past”" in time_text and "5pm" in time_text and "17:00" in time_text
    assert "5pm" in bad_time_text("   ")
    zone_text = bad_zone_text("Londn")
    assert "“Londn”" in zone_text and "London" in zone_text
    assert "Europe/London" in bad_zone_text("")


def test_a_city_or_abbreviation_is_said_back_as_the_zone_it_means() -> None:
    assert zone_was_read("London", "Europe/London") and zone_was_read("PST", "America/Los_Angeles")
    assert not zone_was_read("europe/london", "Europe/London")
    assert not zone_was_read("America/New York", "America/New_York")
    assert "`Europe/London`" in zone_read_text("London", "Europe/London")
