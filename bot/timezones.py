"""IANA time zones: finding one from what people type, and the next local due time, correct across DST."""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import DATA_DIR

log = logging.getLogger(__name__)

ALIASES_PATH = DATA_DIR / "timezone_aliases.toml"
# Canonical IANA areas; legacy names such as "EST" (a fixed offset with no DST) and "US/Eastern" are left out
# of suggestions because they quietly give the wrong time for half the year.
AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
MAX_CHOICES = 25
MAX_LABEL = 100
MIN_SUBSTRING = 3
POPULAR = (
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/Paris",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "UTC",
)
# Discord client locales → the zone most people using them live in (only a first guess, shown first).
LOCALE_ZONES = {
    "en-GB": "Europe/London",
    "en-US": "America/New_York",
    "es-ES": "Europe/Madrid",
    "es-419": "America/Mexico_City",
    "pt-BR": "America/Sao_Paulo",
    "fr": "Europe/Paris",
    "de": "Europe/Berlin",
    "it": "Europe/Rome",
    "nl": "Europe/Amsterdam",
    "da": "Europe/Copenhagen",
    "no": "Europe/Oslo",
    "sv-SE": "Europe/Stockholm",
    "fi": "Europe/Helsinki",
    "pl": "Europe/Warsaw",
    "cs": "Europe/Prague",
    "hu": "Europe/Budapest",
    "ro": "Europe/Bucharest",
    "bg": "Europe/Sofia",
    "el": "Europe/Athens",
    "tr": "Europe/Istanbul",
    "uk": "Europe/Kyiv",
    "ru": "Europe/Moscow",
    "lt": "Europe/Vilnius",
    "hr": "Europe/Zagreb",
    "hi": "Asia/Kolkata",
    "th": "Asia/Bangkok",
    "vi": "Asia/Ho_Chi_Minh",
    "id": "Asia/Jakarta",
    "zh-CN": "Asia/Shanghai",
    "zh-TW": "Asia/Taipei",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
}
TIME_PATTERN = re.compile(r"^\s*(\d{1,2})(?:[:.h]?(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ZoneSuggestion:
    """One suggested zone: the IANA name to store and a label to show."""

    name: str
    label: str


@dataclass(frozen=True)
class Occurrence:
    """When a local time next happens: the UTC instant and the member's local calendar date it belongs to."""

    due_at: datetime
    local_date: date


@dataclass(frozen=True)
class _Entry:
    name: str
    full: str
    city: str


def normalise(text: str) -> str:
    """Lower case, accents dropped, separators as single spaces: "São_Paulo" → "sao paulo"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[_/\-,.()]+", " ", plain.lower()).split())


@cache
def canonical_zones() -> tuple[str, ...]:
    """IANA zones worth suggesting: Area/Location names plus UTC, sorted."""
    names = {name for name in zoneinfo.available_timezones() if name.split("/", 1)[0] in AREAS and "/" in name}
    names.add("UTC")
    return tuple(sorted(names))


@cache
def _entries() -> tuple[_Entry, ...]:
    return tuple(_Entry(name, normalise(name), normalise(name.rsplit("/", 1)[-1])) for name in canonical_zones())


@cache
def load_aliases(path: Path = ALIASES_PATH) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Abbreviations (upper case) and places (normalised) → IANA names, from data/timezone_aliases.toml."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    known = set(zoneinfo.available_timezones())
    abbreviations: dict[str, tuple[str, ...]] = {}
    places: dict[str, tuple[str, ...]] = {}
    for source, target, key in (
        (data.get("abbreviations", {}), abbreviations, str.upper),
        (data.get("places", {}), places, normalise),
    ):
        for alias, zones in source.items():
            valid = tuple(zone for zone in zones if zone in known)
            if len(valid) != len(zones):
                log.warning("time zone alias %r names an unknown zone", alias)
            target[key(alias)] = valid
    return abbreviations, places


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The ZoneInfo for an IANA name, or None if it is not a zone this system knows."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def offset_text(zone: ZoneInfo, moment: datetime) -> str:
    """The zone's UTC offset at a moment, e.g. "UTC+05:30" or "UTC−04:00"."""
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def observes_dst(zone: ZoneInfo, moment: datetime) -> bool:
    """Whether the zone changes its clocks this year or next (tzdata's rules, not a guess from the name)."""
    offsets = {
        datetime(year, month, 1, 12, tzinfo=UTC).astimezone(zone).utcoffset()
        for year in (moment.year, moment.year + 1)
        for month in (1, 7)
    }
    return len(offsets) > 1


def _label(name: str, because: str | None, moment: datetime) -> str:
    zone = ZoneInfo(name)
    now_local = moment.astimezone(zone)
    tail = f"({offset_text(zone, moment)}, {now_local:%H:%M} there now)"
    head = f"{name} — {because}" if because else name
    return f"{head} {tail}"[:MAX_LABEL]


def search_zones(
    query: str, *, now: datetime | None = None, locale: str | None = None, limit: int = MAX_CHOICES
) -> list[ZoneSuggestion]:
    """Suggest IANA zones for what someone typed: "London", "new york", "CET", "EST", "Bangalore", "Europe/Par"."""
    moment = now or datetime.now(UTC)
    text = normalise(query)
    if not text:
        first = LOCALE_ZONES.get(locale or "")
        names = list(dict.fromkeys([*([first] if first else []), *POPULAR]))
        return [ZoneSuggestion(name, _label(name, None, moment)) for name in names[:limit]]
    abbreviations, places = load_aliases()
    scored: dict[str, tuple[int, int, str | None]] = {}

    def offer(name: str, score: int, rank: int = 0, because: str | None = None) -> None:
        best = scored.get(name)
        if best is None or (score, rank) < best[:2]:
            scored[name] = (score, rank, because)

    compact = query.strip().upper()
    for rank, name in enumerate(abbreviations.get(compact, ())):
        offer(name, 0, rank, compact)
    for rank, name in enumerate(places.get(text, ())):
        offer(name, 0, rank, query.strip().title())
    for entry in _entries():
        if text in (entry.city, entry.full):
            offer(entry.name, 1)
        elif entry.city.startswith(text) or entry.full.startswith(text):
            offer(entry.name, 2)
        elif any(word.startswith(text) for word in entry.full.split()):
            offer(entry.name, 3)
        elif len(text) >= MIN_SUBSTRING and text in entry.full:
            offer(entry.name, 4)
    if len(text) >= MIN_SUBSTRING:
        for place, zones in places.items():
            if place != text and place.startswith(text):
                for rank, name in enumerate(zones):
                    offer(name, 2, rank, place.title())
    ordered = sorted(scored.items(), key=lambda item: (item[1][0], item[1][1], item[0]))
    if ordered and ordered[0][1][0] == 0:
        # An abbreviation or a known place answered the question; loose substring hits would only be noise.
        ordered = [item for item in ordered if item[1][0] <= 2]
    return [ZoneSuggestion(name, _label(name, because, moment)) for name, (_, _, because) in ordered[:limit]]


@cache
def _names_by_lower() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def resolve_zone(text: str | None) -> str | None:
    """The IANA name meant by some text: an abbreviation, an exact zone name (any case), a place; else None."""
    raw = (text or "").strip()
    if not raw:
        return None
    abbreviations, places = load_aliases()
    if abbreviations.get(raw.upper()):
        return abbreviations[raw.upper()][0]  # "EST" means New York time, not the DST-less legacy zone
    exact = _names_by_lower().get(raw.lower().replace(" ", "_"))
    if exact is not None:
        return exact
    key = normalise(raw)
    if places.get(key):
        return places[key][0]
    for entry in _entries():
        if key in (entry.city, entry.full):
            return entry.name
    suggestions = search_zones(raw, limit=2)
    # Only guess from a partial match when it leaves no doubt.
    return suggestions[0].name if len(suggestions) == 1 else None


def zone_for_locale(locale: str | None) -> str | None:
    """A first guess at someone's zone from their Discord client locale."""
    return LOCALE_ZONES.get(locale or "")


def parse_local_time(text: str | None) -> time | None:
    """Read a time of day: "9:00", "09:30", "21.15", "0830", "17", "7pm", "7:30 am"; None if it is not one.

    The one reader for every time a member or an admin types (/nudges, /setup digest).
    """
    if not text:
        return None
    match = TIME_PATTERN.match(text)
    if not match:
        return None
    hour_text = match.group(1)
    hour, minute = int(hour_text), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").lower().replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif match.group(2) is None and len(hour_text) < 2:
        return None  # a bare "9" could be morning or evening; "09" or "21" is plainly 24-hour
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def format_local_time(at: time) -> str:
    """24-hour "HH:MM", as stored."""
    return f"{at.hour:02d}:{at.minute:02d}"


def local_due(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant when a wall-clock time happens on a local date.

    A time skipped by a DST jump (02:30 on a spring-forward night) moves to the first valid moment after the
    gap (03:00 local); a time that happens twice (01:30 on a fall-back night) uses the first occurrence.
    """
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # Non-existent: the two readings of the wall time bracket the transition; find its instant to the second.
    other = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(first, other), max(first, other)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0) if high.microsecond else high


def next_occurrence(at: time, zone: ZoneInfo, after: datetime, *, after_date: date | None = None) -> Occurrence:
    """The first time `at` happens in `zone` strictly after `after`, on a local date later than `after_date`."""
    if after.tzinfo is None:
        raise ValueError("naive datetime")
    start = after.astimezone(zone).date() - timedelta(days=1)
    if after_date is not None and after_date >= start:
        start = after_date + timedelta(days=1)
    for offset in range(4):
        day = start + timedelta(days=offset)
        due = local_due(day, at, zone)
        if due > after:
            return Occurrence(due, day)
    raise AssertionError("a local time happens at least once every few days")  # pragma: no cover
