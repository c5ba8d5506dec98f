"""The weekly digest's cron trigger fires at the right UTC instant, DST changes included; settings parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage.guild_settings import GuildSettings


def settings(weekday: int, at: str, zone: str) -> GuildSettings:
    """A server with the digest on at a local weekday and time."""
    return GuildSettings(guild_id=1, digest_enabled=True, digest_weekday=weekday, digest_time=at, digest_timezone=zone)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


SUNDAY, MONDAY, FRIDAY = 6, 0, 4


def test_london_sunday_evening_moves_an_hour_in_utc_when_the_clocks_go_forward() -> None:
    london = settings(SUNDAY, "18:00", "Europe/London")
    # 22 March 2026 is still GMT (= UTC); British Summer Time starts on 29 March at 01:00 UTC.
    assert london.next_digest_at(utc(2026, 3, 22, 12, 0)) == utc(2026, 3, 22, 18, 0)
    assert london.next_digest_at(utc(2026, 3, 22, 18, 0, 1)) == utc(2026, 3, 29, 17, 0)
    assert london.next_digest_at(utc(2026, 3, 29, 17, 0, 1)) == utc(2026, 4, 5, 17, 0)


def test_london_sunday_evening_moves_back_when_the_clocks_go_back() -> None:
    london = settings(SUNDAY, "18:00", "Europe/London")
    # BST ends on 25 October 2026 at 01:00 UTC.
    assert london.next_digest_at(utc(2026, 10, 18, 0, 0)) == utc(2026, 10, 18, 17, 0)
    assert london.next_digest_at(utc(2026, 10, 18, 17, 0, 1)) == utc(2026, 10, 25, 18, 0)


def test_new_york_follows_its_own_dst_dates() -> None:
    new_york = settings(MONDAY, "08:00", "America/New_York")
    # US daylight time starts on 8 March 2026, three weeks before Europe's.
    assert new_york.next_digest_at(utc(2026, 3, 1)) == utc(2026, 3, 2, 13, 0)
    assert new_york.next_digest_at(utc(2026, 3, 3)) == utc(2026, 3, 9, 12, 0)


def test_southern_hemisphere_dst_runs_the_other_way() -> None:
    sydney = settings(FRIDAY, "17:00", "Australia/Sydney")
    # Sydney leaves daylight time on 5 April 2026: 17:00 AEDT (UTC+11) before, 17:00 AEST (UTC+10) after.
    assert sydney.next_digest_at(utc(2026, 3, 30)) == utc(2026, 4, 3, 6, 0)
    assert sydney.next_digest_at(utc(2026, 4, 4)) == utc(2026, 4, 10, 7, 0)


def test_the_trigger_is_weekly_in_the_servers_zone() -> None:
    trigger = settings(FRIDAY, "17:00", "Asia/Kolkata").digest_trigger()
    first = trigger.get_next_fire_time(None, utc(2026, 11, 26, 9, 0))
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert first.astimezone(UTC) == utc(2026, 11, 27, 11, 30)
    assert second - first == timedelta(days=7)
    assert str(trigger.timezone) == "Asia/Kolkata"


def test_a_local_time_skipped_by_dst_still_fires_that_day() -> None:
    # 01:30 does not exist in London on 29 March 2026; the digest still goes out that morning, once.
    early = settings(SUNDAY, "01:30", "Europe/London")
    fire = early.next_digest_at(utc(2026, 3, 28))
    assert fire.date() == utc(2026, 3, 29).date()
    assert early.next_digest_at(fire + timedelta(seconds=1)) == utc(2026, 4, 5, 0, 30)


def test_a_local_time_repeated_by_dst_is_fired_twice_by_apscheduler() -> None:
    # 01:30 happens twice in London on 25 October 2026. APScheduler fires at both instants, which is why
    # post_digest refuses a second digest within six days of the last (covered end to end in test_digest).
    trigger = settings(SUNDAY, "01:30", "Europe/London").digest_trigger()
    first = trigger.get_next_fire_time(None, utc(2026, 10, 24))
    second = trigger.get_next_fire_time(first, first.astimezone(UTC) + timedelta(seconds=1))
    assert (first.astimezone(UTC), second.astimezone(UTC)) == (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30))


def test_next_digest_is_aware_utc() -> None:
    fire = settings(FRIDAY, "17:00", "UTC").next_digest_at(utc(2026, 11, 26))
    assert fire.tzinfo is UTC
