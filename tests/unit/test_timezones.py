"""Time zones: finding IANA zones from what people type, and local due times across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.timezones import (
    MAX_CHOICES,
    MAX_LABEL,
    canonical_zones,
    local_due,
    next_occurrence,
    normalise,
    observes_dst,
    parse_local_time,
    resolve_zone,
    search_zones,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def names(query: str, **kwargs: object) -> list[str]:
    return [s.name for s in search_zones(query, now=NOW, **kwargs)]  # type: ignore[arg-type]


# ---------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("London", "Europe/London"),
        ("london", "Europe/London"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("CET", "Europe/Paris"),
        ("EST", "America/New_York"),
        ("pst", "America/Los_Angeles"),
        ("IST", "Asia/Kolkata"),
        ("Bangalore", "Asia/Kolkata"),
        ("São Paulo", "America/Sao_Paulo"),
        ("europe/par", "Europe/Paris"),
        ("Tokyo", "Asia/Tokyo"),
        ("utc", "UTC"),
    ],
)
def test_search_puts_the_obvious_zone_first(query: str, first: str) -> None:
    assert names(query)[0] == first


def test_cet_offers_several_central_european_zones() -> None:
    found = names("CET")
    assert {"Europe/Paris", "Europe/Berlin", "Europe/Madrid"} <= set(found)


def test_abbreviations_never_suggest_the_legacy_fixed_offset_zones() -> None:
    # "EST" in tzdata is UTC-5 all year: a member picking it would be an hour off all summer.
    for query in ("EST", "MST", "CET", "EET", "HST"):
        assert all("/" in name or name == "UTC" for name in names(query)), query


def test_ambiguous_abbreviation_lists_each_meaning() -> None:
    assert names("IST")[:3] == ["Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"]


def test_labels_fit_discord_and_show_the_offset() -> None:
    for query in ("", "a", "america", "CET", "new york", "Bangalore"):
        suggestions = search_zones(query, now=NOW)
        assert 0 < len(suggestions) <= MAX_CHOICES
        assert all(len(s.label) <= MAX_LABEL for s in suggestions)
    london = search_zones("London", now=NOW)[0]
    assert "UTC+00:00" in london.label
    assert "UTC−05:00" in search_zones("new york", now=NOW)[0].label


def test_offset_in_the_label_follows_daylight_saving() -> None:
    summer = datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert "UTC+01:00" in search_zones("London", now=summer)[0].label


def test_empty_query_starts_with_the_members_locale_guess() -> None:
    assert names("", locale="en-GB")[0] == "Europe/London"
    assert names("", locale="ja")[0] == "Asia/Tokyo"
    assert "America/New_York" in names("")


def test_nonsense_finds_nothing() -> None:
    assert names("qqqzzz") == []


def test_canonical_zones_are_area_location_names() -> None:
    zones = canonical_zones()
    assert "Europe/London" in zones and "UTC" in zones
    assert "EST" not in zones and "US/Eastern" not in zones


def test_normalise_drops_accents_and_separators() -> None:
    assert normalise("America/São_Paulo") == "america sao paulo"


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("London", "Europe/London"),
        ("new york", "America/New_York"),
        ("EST", "America/New_York"),
        ("CET", "Europe/Paris"),
        ("San Francisco", "America/Los_Angeles"),
        ("UTC", "UTC"),
        ("kolk", "Asia/Kolkata"),
    ],
)
def test_resolve_zone(text: str, zone: str) -> None:
    assert resolve_zone(text) == zone


@pytest.mark.parametrize("text", ["", "   ", "nowhere at all", "a"])
def test_resolve_zone_refuses_to_guess(text: str) -> None:
    assert resolve_zone(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9, 0)),
        ("9:30", time(9, 30)),
        ("21.15", time(21, 15)),
        ("7pm", time(19, 0)),
        ("7:30 am", time(7, 30)),
        ("12am", time(0, 0)),
        ("12:05 pm", time(12, 5)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("0830", time(8, 30)),
        ("18h30", time(18, 30)),
        ("17", time(17, 0)),
        ("09", time(9, 0)),
        (" 23:59 ", time(23, 59)),
        ("9am", time(9, 0)),
    ],
)
def test_parse_local_time(text: str, expected: time) -> None:
    assert parse_local_time(text) == expected


@pytest.mark.parametrize("text", ["", "9", "24:00", "12:60", "13pm", "noon", "9:5", "1:2", "2400", "24", None])
def test_parse_local_time_rejects(text: str | None) -> None:
    assert parse_local_time(text) is None


@pytest.mark.parametrize(
    ("zone", "dst"),
    [
        ("Asia/Kolkata", False),
        ("Asia/Tokyo", False),
        ("UTC", False),
        ("America/Sao_Paulo", False),
        ("Australia/Brisbane", False),
        ("America/Phoenix", False),
        ("Europe/London", True),
        ("America/New_York", True),
        ("Europe/Dublin", True),
        ("Asia/Jerusalem", True),
        ("Australia/Sydney", True),
        ("Australia/Lord_Howe", True),
    ],
)
def test_observes_dst_follows_tzdata(zone: str, dst: bool) -> None:
    assert observes_dst(ZoneInfo(zone), NOW) is dst


# ---------------------------------------------------------------- DST: New York


def test_new_york_skipped_0230_goes_to_0300() -> None:
    # 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT.
    due = local_due(date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert due == utc(2026, 3, 8, 7, 0)
    assert due.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:00 EDT"


def test_new_york_daily_0230_across_spring_forward() -> None:
    at, after = time(2, 30), utc(2026, 3, 6, 0, 0)
    seen = []
    for _ in range(4):
        occurrence = next_occurrence(at, NEW_YORK, after)
        seen.append((occurrence.local_date, occurrence.due_at))
        after = occurrence.due_at
    assert seen == [
        (date(2026, 3, 6), utc(2026, 3, 6, 7, 30)),
        (date(2026, 3, 7), utc(2026, 3, 7, 7, 30)),
        (date(2026, 3, 8), utc(2026, 3, 8, 7, 0)),
        (date(2026, 3, 9), utc(2026, 3, 9, 6, 30)),
    ]


def test_new_york_repeated_0130_fires_once() -> None:
    # 2026-11-01: 01:00–02:00 happens twice (EDT, then EST).
    first = next_occurrence(time(1, 30), NEW_YORK, utc(2026, 11, 1, 0, 0))
    assert (first.local_date, first.due_at) == (date(2026, 11, 1), utc(2026, 11, 1, 5, 30))
    second = next_occurrence(time(1, 30), NEW_YORK, first.due_at, after_date=first.local_date)
    assert (second.local_date, second.due_at) == (date(2026, 11, 2), utc(2026, 11, 2, 6, 30))
    # Even asked between the two 01:30s without the date floor, the next one is tomorrow's.
    between = next_occurrence(time(1, 30), NEW_YORK, utc(2026, 11, 1, 6, 0))
    assert between.local_date == date(2026, 11, 2)


# ---------------------------------------------------------------- DST: Europe


def test_london_skipped_0130_goes_to_0200_bst() -> None:
    due = local_due(date(2026, 3, 29), time(1, 30), LONDON)
    assert due == utc(2026, 3, 29, 1, 0)
    assert due.astimezone(LONDON).strftime("%H:%M %Z") == "02:00 BST"


def test_london_repeated_0130_fires_once_at_the_first() -> None:
    first = next_occurrence(time(1, 30), LONDON, utc(2026, 10, 24, 12, 0))
    assert first.local_date == date(2026, 10, 25)
    assert first.due_at == utc(2026, 10, 25, 0, 30)  # 01:30 BST, not 01:30 GMT an hour later
    after = next_occurrence(time(1, 30), LONDON, first.due_at, after_date=first.local_date)
    assert after.local_date == date(2026, 10, 26)


def test_berlin_skipped_0230_goes_to_0300_cest() -> None:
    assert local_due(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1, 0)


def test_berlin_daily_0900_keeps_local_time_across_both_changes() -> None:
    after = utc(2026, 3, 27, 12, 0)
    hours = []
    for _ in range(3):
        occurrence = next_occurrence(time(9, 0), BERLIN, after)
        hours.append(occurrence.due_at.astimezone(BERLIN).hour)
        after = occurrence.due_at
    assert hours == [9, 9, 9]
    assert next_occurrence(time(9, 0), BERLIN, utc(2026, 3, 29, 0, 0)).due_at == utc(2026, 3, 29, 7, 0)
    assert next_occurrence(time(9, 0), BERLIN, utc(2026, 10, 25, 0, 0)).due_at == utc(2026, 10, 25, 8, 0)


# ---------------------------------------------------------------- DST: southern hemisphere and half hours


def test_sydney_skipped_and_repeated() -> None:
    # DST starts 2026-10-04 (02:00 → 03:00 AEDT) and ends 2026-04-05 (03:00 → 02:00 AEST).
    assert local_due(date(2026, 10, 4), time(2, 30), SYDNEY) == utc(2026, 10, 3, 16, 0)
    assert local_due(date(2026, 4, 5), time(2, 30), SYDNEY) == utc(2026, 4, 4, 15, 30)


def test_lord_howe_half_hour_shift() -> None:
    # Lord Howe moves its clocks by 30 minutes: 02:00 → 02:30 on 2026-10-04.
    due = local_due(date(2026, 10, 4), time(2, 15), LORD_HOWE)
    assert due.astimezone(LORD_HOWE).strftime("%H:%M") == "02:30"


def test_next_occurrence_is_strictly_after_and_honours_the_date_floor() -> None:
    at = time(9, 0)
    exactly = next_occurrence(at, LONDON, utc(2026, 11, 26, 9, 0))
    assert exactly.due_at == utc(2026, 11, 27, 9, 0)
    floored = next_occurrence(at, LONDON, utc(2026, 11, 26, 8, 0), after_date=date(2026, 11, 26))
    assert floored.local_date == date(2026, 11, 27)


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        next_occurrence(time(9, 0), LONDON, datetime(2026, 1, 1))  # noqa: DTZ001


ZONES = [NEW_YORK, LONDON, BERLIN, SYDNEY, LORD_HOWE, ZoneInfo("America/Santiago"), ZoneInfo("Asia/Kolkata")]


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    # hypothesis takes naive bounds and attaches the zone itself
    after=st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001
        max_value=datetime(2028, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_next_occurrence_properties(zone: ZoneInfo, hour: int, minute: int, after: datetime) -> None:
    at = time(hour, minute)
    occurrence = next_occurrence(at, zone, after)
    assert occurrence.due_at > after
    assert occurrence.due_at - after <= timedelta(days=1, hours=3)
    wall = occurrence.due_at.astimezone(zone)
    assert wall.date() == occurrence.local_date or wall.time() < time(3, 0)
    # Either the wall clock shows the chosen time, or the time did not exist that day and this is the gap's end.
    if wall.time().replace(second=0) != at:
        just_before = (occurrence.due_at - timedelta(seconds=1)).astimezone(zone)
        assert just_before.utcoffset() != wall.utcoffset()
    following = next_occurrence(at, zone, occurrence.due_at, after_date=occurrence.local_date)
    assert following.local_date == occurrence.local_date + timedelta(days=1)
