"""Helplines and the crisis message: shown by `/resources` and first of all when words read as a crisis."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import discord

from bot.content import load_content
from bot.ui import CALM, CARE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Helpline:
    """One support link."""

    name: str
    detail: str
    url: str


@dataclass(frozen=True)
class Region:
    """Helplines for a country, or the international default."""

    key: str
    name: str
    intro: str
    links: tuple[Helpline, ...]
    aliases: tuple[str, ...] = ()


def _region(key: str, table: dict[str, Any], intro: str) -> Region:
    return Region(
        key=key,
        name=table["name"],
        intro=table.get("intro", intro),
        links=tuple(Helpline(link["name"], link["detail"], link["url"]) for link in table["links"]),
        aliases=tuple(alias.casefold() for alias in table.get("aliases", ())),
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


def find_region(query: str | None) -> Region | None:
    """Match a country by code, name or alias (case-insensitive); None when unknown."""
    if not query:
        return None
    wanted = " ".join(query.casefold().split())
    for region in regions():
        if wanted in {region.key, region.name.casefold(), *region.aliases}:
            return region
    return None


def helplines_embed(region: Region, *, title: str | None = None) -> discord.Embed:
    """An embed listing a region's helplines and the international default."""
    embed = discord.Embed(title=title or f"Support — {region.name}", description=region.intro, colour=CALM)
    for link in region.links:
        embed.add_field(name=link.name, value=f"{link.detail}\n{link.url}", inline=False)
    if region.key != "default":
        for link in default_region().links:
            embed.add_field(name=link.name, value=f"{link.detail}\n{link.url}", inline=False)
    return embed


def crisis_embeds(region: Region | None = None) -> list[discord.Embed]:
    """The caring message and helplines that lead a reply when someone's words read as a crisis."""
    crisis = load_content("resources")["crisis"]
    lead = discord.Embed(title="Before anything else", description=crisis["lead"], colour=CARE)
    helplines = helplines_embed(region or default_region(), title="People you can talk to right now")
    helplines.set_footer(text=crisis["followup"])
    return [lead, helplines]


def resolve_region(*, country: str | None = None, timezone: str | None = None, locale: str | None = None) -> Region:
    """The member's helplines (temporary: explicit country only)."""
    return find_region(country) or default_region()
