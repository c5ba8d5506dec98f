"""What /setup tells an admin: permission advice, the digest's schedule in words, time zone suggestions."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.guild_settings import GuildSettings, iana_zones
from cogs.setup.logic import digest_confirmation, digest_summary, matching_zones, permission_report

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


def test_zone_suggestions_start_of_a_word_first() -> None:
    found = matching_zones(iana_zones(), "lond", 25)
    assert found[0] == "Europe/London"
    assert len(matching_zones(iana_zones(), "a", 25)) == 25
    assert matching_zones(iana_zones(), "new york", 25)[0] == "America/New_York"
