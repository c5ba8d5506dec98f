"""Which country's helplines a member sees: time zone -> country, Discord language -> country, and their order."""

from __future__ import annotations

import pytest

from bot.support import (
    country_for_locale,
    country_for_timezone,
    crisis_embeds,
    default_region,
    helplines_embed,
    region_for_code,
    regions,
    resolve_region,
)


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("Europe/London", "gb"),
        ("America/Sao_Paulo", "br"),
        ("Asia/Kolkata", "in"),
        ("Asia/Calcutta", "in"),  # an old name, shipped as a link to Asia/Kolkata
        ("Europe/Berlin", "de"),
        ("Asia/Tokyo", "jp"),
        ("America/New_York", "us"),
        ("US/Eastern", "us"),  # a backward-compatible alias
        ("Europe/Zurich", "ch"),
        ("Australia/Sydney", "au"),
    ],
)
def test_time_zone_to_country(zone: str, country: str) -> None:
    assert country_for_timezone(zone) == country


@pytest.mark.parametrize(
    "zone", ["UTC", "Etc/UTC", "Etc/GMT+3", "GMT", "", None, "Mars/Olympus_Mons", "../../etc/passwd"]
)
def test_zones_without_a_country(zone: str | None) -> None:
    assert country_for_timezone(zone) is None


@pytest.mark.parametrize(
    ("locale", "country"),
    [
        ("en-GB", "gb"),
        ("en-US", "us"),
        ("pt-BR", "br"),
        ("es-ES", "es"),
        ("de", "de"),
        ("fr", "fr"),
        ("ja", "jp"),
        ("hi", "in"),
        ("ko", "kr"),
        ("sv-SE", "se"),
        ("da", "dk"),
        ("EN-gb", "gb"),
        ("en_GB", "gb"),
    ],
)
def test_locale_to_country(locale: str, country: str) -> None:
    assert country_for_locale(locale) == country


@pytest.mark.parametrize("locale", ["es-419", "", None, "xx", "en"])
def test_locales_without_a_single_country(locale: str | None) -> None:
    assert country_for_locale(locale) is None


def test_explicit_country_beats_time_zone_beats_locale() -> None:
    assert resolve_region(country="Ireland", timezone="Asia/Tokyo", locale="pt-BR").key == "ie"
    assert resolve_region(timezone="Asia/Tokyo", locale="pt-BR").key == "jp"
    assert resolve_region(locale="pt-BR").key == "br"
    assert resolve_region().key == "default"


def test_countries_without_lines_fall_through() -> None:
    # Atlantis is unknown, UTC names no country, Croatia (hr) has no lines yet: on to the next source each time.
    assert resolve_region(country="Atlantis", timezone="Europe/Berlin").key == "de"
    assert resolve_region(country="Atlantis", timezone="UTC", locale="ja").key == "jp"
    assert resolve_region(timezone="Europe/Zagreb", locale="en-GB").key == "gb"
    assert resolve_region(country="Atlantis", timezone="Europe/Zagreb", locale="es-419").key == "default"


def test_every_country_resolves_by_its_code_and_has_an_emergency_number() -> None:
    for region in regions():
        assert region_for_code(region.key.upper()) == region
        assert region.emergency and region.emergency in region.intro
        assert region.source and region.checked
    assert default_region().emergency is None


def test_crisis_lead_names_the_local_emergency_number() -> None:
    uk = resolve_region(country="UK")
    lead, helplines = crisis_embeds(uk)
    assert lead.title == "Before anything else"
    assert "999" in (lead.description or "")
    assert "116 123" in str([field.value for field in helplines.fields])
    international, _ = crisis_embeds()
    assert not any(char.isdigit() for char in international.description or "")


def test_helplines_embed_lists_country_then_international_lines() -> None:
    embed = helplines_embed(resolve_region(locale="ja"))
    assert embed.title == "Support — Japan"
    names = [field.name for field in embed.fields]
    assert names[0] == "TELL Lifeline" and names[-2:] == ["Find A Helpline", "Befrienders Worldwide"]
