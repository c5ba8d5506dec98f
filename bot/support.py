"""Helplines and the crisis message: shown by `/resources` and first of all when words read as a crisis.

Which country's lines a member sees is worked out without asking them: a country they named, else the country
of their time zone, else the country their Discord language points to, else the international lines.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import discord

from bot.content import load_content
from bot.ui import CALM, CARE

log = logging.getLogger(__name__)

SYSTEM_ZONEINFO = Path("/usr/share/zoneinfo")
# Zones that name no country: UTC and its aliases, and the fixed offsets under Etc/.
NO_COUNTRY_ZONES = frozenset({"UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Universal", "Zulu"})


@dataclass(frozen=True)
class Helpline:
    """One support link."""

    name: str
    detail: str
    url: str


@dataclass(frozen=True)
class Region:
    """Helplines for a country, or the international default (which has no emergency number)."""

    key: str
    name: str
    intro: str
    links: tuple[Helpline, ...]
    aliases: tuple[str, ...] = ()
    emergency: str | None = None
    source: str | None = None
    checked: date | None = None


def _region(key: str, table: dict[str, Any], intro: str) -> Region:
    emergency = table.get("emergency")
    if "intro" in table:
        intro = table["intro"]
    elif emergency:
        intro = load_content("resources")["messages"]["country_intro"].format(emergency=emergency)
    return Region(
        key=key,
        name=table["name"],
        intro=intro,
        links=tuple(Helpline(link["name"], link["detail"], link["url"]) for link in table["links"]),
        aliases=tuple(alias.casefold() for alias in table.get("aliases", ())),
        emergency=emergency,
        source=table.get("source"),
        checked=table.get("checked"),
    )


def default_region() -> Region:
    """The international helplines."""
    table = load_content("resources")["default"]
    return _region("default", table, table.get("intro", ""))


def regions() -> list[Region]:
    """Every country with its own helplines, by name."""
    data = load_content("resources")
    intro = data["default"].get("intro", "")
    return sorted((_region(key, table, intro) for key, table in data["countries"].items()), key=lambda r: r.name)


def region_for_code(code: str | None) -> Region | None:
    """The country with this ISO 3166-1 alpha-2 code (any case); None when we have no lines for it."""
    if not code:
        return None
    wanted = code.casefold()
    return next((region for region in regions() if region.key == wanted), None)


def find_region(query: str | None) -> Region | None:
    """Match a country by code, name or alias (case-insensitive); None when unknown."""
    if not query:
        return None
    wanted = " ".join(query.casefold().split())
    for region in regions():
        if wanted in {region.key, region.name.casefold(), *region.aliases}:
            return region
    return None


# --- time zone -> country ---------------------------------------------------------------------------------------


def _zoneinfo_root() -> Traversable | None:
    """tzdata's zoneinfo directory, or the system's when the package is missing."""
    try:
        root = resources.files("tzdata").joinpath("zoneinfo")
    except ModuleNotFoundError:
        root = None
    if root is not None and root.joinpath("zone.tab").is_file():
        return root
    if SYSTEM_ZONEINFO.joinpath("zone.tab").is_file():
        return SYSTEM_ZONEINFO
    log.warning("no zone.tab found: time zones will not suggest a country")
    return None


def _zone_file(root: Traversable, zone: str) -> Traversable | None:
    parts = zone.split("/")
    if any(part in {"", ".", ".."} for part in parts):
        return None
    node = root
    for part in parts:
        node = node.joinpath(part)
    return node if node.is_file() else None


@cache
def _zone_countries() -> dict[str, str]:
    """Canonical zone -> lowercase country code, from zone.tab (one country per zone)."""
    root = _zoneinfo_root()
    if root is None:
        return {}
    table: dict[str, str] = {}
    for line in root.joinpath("zone.tab").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) >= 3:
            table[fields[2]] = fields[0].casefold()
    return table


def _digest(node: Traversable) -> str:
    return hashlib.sha256(node.read_bytes()).hexdigest()


@cache
def _countries_by_zone_data() -> dict[str, frozenset[str]]:
    """SHA-256 of each canonical zone's file -> the countries of the zones with exactly that data."""
    root = _zoneinfo_root()
    found: dict[str, set[str]] = {}
    if root is None:
        return {}
    for zone, country in _zone_countries().items():
        node = _zone_file(root, zone)
        if node is not None:
            found.setdefault(_digest(node), set()).add(country)
    return {digest: frozenset(countries) for digest, countries in found.items()}


@lru_cache(maxsize=1024)
def country_for_timezone(zone: str | None) -> str | None:
    """The lowercase ISO country code of an IANA time zone (links such as Asia/Calcutta too); None for UTC/Etc."""
    if not zone:
        return None
    zone = zone.strip()
    if not zone or zone in NO_COUNTRY_ZONES or zone.startswith("Etc/"):
        return None
    table = _zone_countries()
    if zone in table:
        return table[zone]
    folded = {name.casefold(): country for name, country in table.items()}
    if zone.casefold() in folded:
        return folded[zone.casefold()]
    # A link (old or alias name) is shipped as a copy of its canonical zone: match it by content, and only when
    # every canonical zone with that content is in the same country.
    root = _zoneinfo_root()
    node = None if root is None else _zone_file(root, zone)
    if node is None:
        return None
    countries = _countries_by_zone_data().get(_digest(node), frozenset())
    return next(iter(countries)) if len(countries) == 1 else None


# --- Discord language -> country --------------------------------------------------------------------------------


def _locale_table() -> dict[str, str]:
    return {key.casefold(): value.casefold() for key, value in load_content("resources")["locales"].items()}


def country_for_locale(locale: str | None) -> str | None:
    """The country a Discord locale (en-GB, pt-BR, hi, ...) most likely means; None when it spans many (es-419)."""
    if not locale:
        return None
    table = _locale_table()
    wanted = locale.strip().replace("_", "-").casefold()
    if wanted in table:
        return table[wanted] or None
    language = wanted.split("-", 1)[0]
    return (table.get(language) or None) if language != wanted else None


# --- choosing a region ------------------------------------------------------------------------------------------


def resolve_region(*, country: str | None = None, timezone: str | None = None, locale: str | None = None) -> Region:
    """The member's region: a country they named, else their time zone's, else their language's, else international.

    A source that names a country we have no lines for falls through to the next one.
    """
    return resolve_region_and_source(country=country, timezone=timezone, locale=locale)[0]


def resolve_region_and_source(
    *, country: str | None = None, timezone: str | None = None, locale: str | None = None
) -> tuple[Region, str]:
    """`resolve_region`, and which source decided: "country", "timezone", "locale" or "default"."""
    found = find_region(country)
    if found is not None:
        return found, "country"
    found = region_for_code(country_for_timezone(timezone))
    if found is not None:
        return found, "timezone"
    found = region_for_code(country_for_locale(locale))
    if found is not None:
        return found, "locale"
    return default_region(), "default"


# --- embeds -----------------------------------------------------------------------------------------------------


def helplines_embed(region: Region, *, title: str | None = None) -> discord.Embed:
    """An embed listing a region's helplines and the international default."""
    heading = title or load_content("resources")["messages"]["title"].format(name=region.name)
    embed = discord.Embed(title=heading, description=region.intro, colour=CALM)
    for link in region.links:
        embed.add_field(name=link.name, value=f"{link.detail}\n{link.url}", inline=False)
    if region.key != "default":
        for link in default_region().links:
            embed.add_field(name=link.name, value=f"{link.detail}\n{link.url}", inline=False)
    return embed


def crisis_embeds(region: Region | None = None) -> list[discord.Embed]:
    """The caring message and helplines that lead a reply when someone's words read as a crisis."""
    crisis = load_content("resources")["crisis"]
    region = region or default_region()
    lead_text = crisis["lead"]
    if region.emergency:
        lead_text = f"{lead_text}\n\n{crisis['emergency_line'].format(emergency=region.emergency)}"
    lead = discord.Embed(title=crisis["title"], description=lead_text, colour=CARE)
    helplines = helplines_embed(region, title=crisis["helplines_title"])
    helplines.set_footer(text=crisis["followup"])
    return [lead, helplines]
