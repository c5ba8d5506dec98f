"""data/checkin.toml and data/resources.toml keep their schema, Discord's limits and the project's tone."""

from __future__ import annotations

import re
import string
import tomllib
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"

# Discord's limits, and the tighter ones this project sets for itself.
FEELING_LABEL_MAX = 25
FEELING_DESCRIPTION_MAX = 90
MODAL_LIMITS = {"title": 45, "label": 45, "placeholder": 100, "keep_label": 45, "keep_no": 100, "keep_yes": 100}
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FIELDS_MAX = 25
EMBED_DESCRIPTION_MAX = 4096
EMBED_FOOTER_MAX = 2048

BANDS = ("low", "mid", "high")
KEY = re.compile(r"[a-z][a-z0-9_]*")
COUNTRY_KEY = re.compile(r"[a-z]{2}")
REQUIRED_COUNTRIES = {"us", "gb", "ca", "au", "ie", "in", "de", "nz"}
MIN_COUNTRIES = 30
COUNTRY_KEYS = {"name", "aliases", "intro", "links", "emergency", "source", "more_sources", "checked"}
# What Discord sends as an interaction's `locale`.
DISCORD_LOCALES = {
    "id",
    "da",
    "de",
    "en-GB",
    "en-US",
    "es-ES",
    "es-419",
    "fr",
    "hr",
    "it",
    "lt",
    "hu",
    "nl",
    "no",
    "pl",
    "pt-BR",
    "ro",
    "fi",
    "sv-SE",
    "vi",
    "tr",
    "cs",
    "el",
    "bg",
    "ru",
    "uk",
    "hi",
    "th",
    "zh-CN",
    "ja",
    "zh-TW",
    "ko",
}
UK_ALIASES = {"uk", "united kingdom", "england", "scotland", "wales", "britain"}

# Toxic positivity, minimising and guilt: none of it belongs in words read at a low moment.
BANNED = [
    "everything happens for a reason",
    "stay positive",
    "think positive",
    "positive vibes",
    "good vibes",
    "meant to be",
    "blessing in disguise",
    "look on the bright side",
    "cheer up",
    "at least you",
    "should have",
    "should've",
    "shouldn't have",
    "no pain, no gain",
    "get over it",
    "man up",
    "toughen up",
    "others have it worse",
]


def load(name: str) -> dict[str, Any]:
    with (DATA / name).open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def checkin() -> dict[str, Any]:
    return load("checkin.toml")


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return load("resources.toml")


def sentences(text: str) -> int:
    """Roughly how many sentences a variant has: terminal punctuation followed by a space or the end."""
    ends = len(re.findall(r"[.!?]+[\"')]*(?=\s|$)", text))
    return ends if re.search(r"[.!?][\"')]*$", text) else ends + 1


def strings(value: Any) -> Iterator[str]:
    """Every string anywhere inside a loaded TOML value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def assert_variants(variants: Any, *, minimum: int, where: str, max_sentences: int = 3) -> None:
    assert isinstance(variants, list), f"{where} must be a list"
    assert len(variants) >= minimum, f"{where} needs at least {minimum} variants, has {len(variants)}"
    assert len(set(variants)) == len(variants), f"{where} repeats a variant"
    for variant in variants:
        assert isinstance(variant, str), f"{where}: {variant!r} is not a string"
        assert variant.strip() == variant and variant, f"{where}: {variant!r} is blank or has stray spaces"
        assert "\n" not in variant, f"{where}: {variant!r} spans lines"
        assert 1 <= sentences(variant) <= max_sentences, f"{where}: {variant!r} is not 1-{max_sentences} sentences"


# --- checkin.toml -----------------------------------------------------------------------------------------------


def test_checkin_has_exactly_the_expected_keys(checkin: dict[str, Any]) -> None:
    assert set(checkin) == {
        "openings",
        "feelings",
        "validation",
        "reframes",
        "next_steps_intro",
        "vent_prompt",
        "vent_modal",
        "vent_retention",
        "messages",
    }


def test_checkin_messages_are_all_there(checkin: dict[str, Any]) -> None:
    messages = checkin["messages"]
    assert set(messages) == {
        "title",
        "what_happened",
        "feeling_placeholder",
        "unknown_feeling",
        "how_strong",
        "untitled",
        "vent_button",
        "gone",
    }
    assert all(isinstance(text, str) and text.strip() == text and text for text in messages.values())


def test_openings(checkin: dict[str, Any]) -> None:
    assert_variants(checkin["openings"], minimum=6, where="openings")


def test_feelings_are_complete_unique_and_fit_the_select(checkin: dict[str, Any]) -> None:
    feelings = checkin["feelings"]
    assert 8 <= len(feelings) <= 10
    keys = [feeling["key"] for feeling in feelings]
    assert len(set(keys)) == len(keys), "feeling keys must be unique"
    labels = [feeling["label"].casefold() for feeling in feelings]
    assert len(set(labels)) == len(labels), "feeling labels must be unique"
    for feeling in feelings:
        where = f"feeling {feeling.get('key')!r}"
        assert set(feeling) == {"key", "label", "emoji", "description"}, where
        assert KEY.fullmatch(feeling["key"]), f"{where}: key must be lowercase ascii"
        assert 0 < len(feeling["label"]) <= FEELING_LABEL_MAX, where
        assert 0 < len(feeling["description"]) <= FEELING_DESCRIPTION_MAX, where
        assert feeling["label"].strip() == feeling["label"], where
        assert feeling["description"].strip() == feeling["description"], where


def test_every_feeling_has_one_emoji(checkin: dict[str, Any]) -> None:
    for feeling in checkin["feelings"]:
        emoji = feeling["emoji"]
        assert emoji, f"{feeling['key']}: emoji missing"
        assert unicodedata.category(emoji[0]) == "So", f"{feeling['key']}: {emoji!r} is not an emoji"
        # one pictograph, optionally with a variation selector or skin tone: never text or several emoji
        assert len(emoji) <= 2, f"{feeling['key']}: {emoji!r} is more than one emoji"
        assert all(not char.isascii() for char in emoji), feeling["key"]


def test_validation_covers_every_feeling_and_intensity(checkin: dict[str, Any]) -> None:
    keys = {feeling["key"] for feeling in checkin["feelings"]}
    validation = checkin["validation"]
    assert set(validation) == keys, "one [validation.<key>] table per feeling, no more, no less"
    for key, bands in validation.items():
        assert set(bands) == set(BANDS), f"validation.{key} needs exactly low, mid and high"
        for band in BANDS:
            assert_variants(bands[band], minimum=3, where=f"validation.{key}.{band}")


def test_high_intensity_can_point_to_resources(checkin: dict[str, Any]) -> None:
    # Heavier feelings offer /resources somewhere, so help is a click away without assuming a crisis.
    heavy = {"disappointed", "sad", "anxious", "numb", "angry", "embarrassed", "frustrated", "confused"}
    for key in heavy & set(checkin["validation"]):
        assert any("/resources" in line for line in checkin["validation"][key]["high"]), key


def test_reframes_intros_and_vent_prompt(checkin: dict[str, Any]) -> None:
    assert_variants(checkin["reframes"], minimum=8, where="reframes")
    assert_variants(checkin["next_steps_intro"], minimum=4, where="next_steps_intro")
    prompt = checkin["vent_prompt"]
    assert isinstance(prompt, str)
    assert prompt
    assert "\n" not in prompt
    assert len(prompt) <= EMBED_FOOTER_MAX


def test_vent_modal_fits_discords_limits(checkin: dict[str, Any]) -> None:
    modal = checkin["vent_modal"]
    assert set(modal) == {*MODAL_LIMITS, "not_kept_confirmation", "kept_confirmation"}
    for key, limit in MODAL_LIMITS.items():
        assert isinstance(modal[key], str), key
        assert 0 < len(modal[key]) <= limit, f"vent_modal.{key} is {len(modal[key])} chars, limit {limit}"


def test_vent_modal_is_honest_about_what_is_kept(checkin: dict[str, Any]) -> None:
    modal = checkin["vent_modal"]
    assert re.search(r"\b(nothing|not)\b.*\b(saved|kept|stored)\b", modal["keep_no"].casefold()), modal["keep_no"]
    assert "journal" in modal["keep_yes"].casefold()
    assert "encrypt" in modal["keep_yes"].casefold()
    assert_variants(modal["not_kept_confirmation"], minimum=3, where="vent_modal.not_kept_confirmation")
    assert_variants(modal["kept_confirmation"], minimum=3, where="vent_modal.kept_confirmation")
    for line in modal["not_kept_confirmation"]:
        assert re.search(r"\b(nothing|wasn't|wasnt|not|hasn't)\b.*\b(saved|kept|stored)\b", line.casefold()), line
    for line in modal["kept_confirmation"]:
        assert "journal" in line.casefold(), line
        assert "/mydata" in line, line
        assert re.search(r"\bonly (to )?you\b|\bjust for you\b", line.casefold()), line


def test_checkin_words_fit_an_embed(checkin: dict[str, Any]) -> None:
    for text in strings(checkin):
        assert len(text) <= EMBED_DESCRIPTION_MAX


# --- resources.toml ---------------------------------------------------------------------------------------------


def assert_links(links: Any, where: str) -> None:
    assert isinstance(links, list), f"{where}.links must be a list"
    assert links, f"{where} has no links"
    for link in links:
        assert set(link) == {"name", "detail", "url"}, f"{where}: {link}"
        assert 0 < len(link["name"]) <= EMBED_FIELD_NAME_MAX, where
        assert link["detail"], where
        assert len(f"{link['detail']}\n{link['url']}") <= EMBED_FIELD_VALUE_MAX, where
        parts = urlsplit(link["url"])
        assert parts.scheme == "https", f"{where}: {link['url']} must be https"
        assert parts.netloc, f"{where}: {link['url']} has no host"
        assert " " not in link["url"], where


def fields(template: str) -> set[str]:
    """The {placeholders} a format string uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def assert_https(url: Any, where: str) -> None:
    assert isinstance(url, str), f"{where}: {url!r} is not a string"
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc, f"{where}: {url} must be an https url"
    assert " " not in url, where


def test_resources_has_crisis_default_and_countries(resources: dict[str, Any]) -> None:
    assert set(resources) == {"crisis", "messages", "locales", "default", "countries"}


def test_crisis_message(resources: dict[str, Any]) -> None:
    crisis = resources["crisis"]
    assert set(crisis) == {"title", "lead", "emergency_line", "helplines_title", "followup"}
    assert 0 < len(crisis["lead"]) <= EMBED_DESCRIPTION_MAX
    assert 0 < len(crisis["followup"]) <= EMBED_FOOTER_MAX
    assert "not a crisis service" in crisis["lead"]
    assert "\n" not in crisis["followup"]
    assert fields(crisis["emergency_line"]) == {"emergency"}
    assert fields(crisis["lead"]) == set() and fields(crisis["followup"]) == set()
    assert 0 < len(crisis["title"]) <= 256 and 0 < len(crisis["helplines_title"]) <= 256


def test_messages(resources: dict[str, Any]) -> None:
    messages = resources["messages"]
    expected = {
        "title": {"name"},
        "country_intro": {"emergency"},
        "picked": {"name"},
        "picked_saved": {"name"},
        "picked_zone": {"name"},
        "remembered": {"name"},
        "no_country": set(),
        "unknown_country": {"query", "known"},
    }
    assert set(messages) == set(expected)
    for key, placeholders in expected.items():
        assert fields(messages[key]) == placeholders, key
    for key in ("picked", "picked_saved", "picked_zone", "no_country"):
        assert "/resources country:" in messages[key], key


def test_default_region(resources: dict[str, Any]) -> None:
    default = resources["default"]
    assert default["name"]
    assert default["intro"]
    assert "emergency" in default["intro"].casefold()
    assert "emergency" not in default, "the international lines have no emergency number of their own"
    assert_links(default["links"], "default")
    hosts = {urlsplit(link["url"]).netloc.removeprefix("www.") for link in default["links"]}
    assert {"findahelpline.com", "befrienders.org"} <= hosts


def test_countries(resources: dict[str, Any]) -> None:
    countries = resources["countries"]
    assert set(countries) >= REQUIRED_COUNTRIES
    assert len(countries) >= MIN_COUNTRIES
    default_links = len(resources["default"]["links"])
    for key, country in countries.items():
        where = f"countries.{key}"
        assert COUNTRY_KEY.fullmatch(key), f"{where}: key must be an ISO 3166-1 alpha-2 code in lowercase"
        assert set(country) <= COUNTRY_KEYS, where
        assert country["name"], where
        if "intro" in country:
            assert country["intro"], where
        assert_links(country["links"], where)
        assert len(country["links"]) + default_links <= EMBED_FIELDS_MAX, where


def test_every_country_says_where_and_when_its_numbers_were_checked(resources: dict[str, Any]) -> None:
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)  # any time zone's today is at most this
    for key, country in resources["countries"].items():
        where = f"countries.{key}"
        emergency = country.get("emergency")
        assert isinstance(emergency, str) and re.match(r"\d{2,}", emergency), f"{where}: emergency number missing"
        assert emergency.strip() == emergency and "\n" not in emergency, where
        assert_https(country.get("source"), f"{where}.source")
        for url in country.get("more_sources", []):
            assert_https(url, f"{where}.more_sources")
        checked = country.get("checked")
        assert isinstance(checked, date) and not isinstance(checked, datetime), f"{where}: checked must be a date"
        assert checked < tomorrow, f"{where}: checked {checked} is in the future"


def test_locales_map_discord_languages_to_country_codes(resources: dict[str, Any]) -> None:
    locales = resources["locales"]
    assert set(locales) <= DISCORD_LOCALES, set(locales) - DISCORD_LOCALES
    assert "es-419" not in locales, "Latin American Spanish is no single country"
    for locale, country in locales.items():
        assert COUNTRY_KEY.fullmatch(country), f"locales.{locale}: {country!r} is not a lowercase alpha-2 code"
    # The languages the tests and most members use point at countries with their own lines.
    for locale in ("en-GB", "en-US", "pt-BR", "hi", "de", "fr", "es-ES", "ja"):
        assert locales[locale] in resources["countries"], locale


def test_aliases_are_lowercase_and_unique_across_countries(resources: dict[str, Any]) -> None:
    owner: dict[str, str] = {}
    countries = resources["countries"]
    for key, country in countries.items():
        aliases = country.get("aliases", [])
        assert aliases, f"countries.{key} has no aliases"
        for alias in aliases:
            assert alias == " ".join(alias.casefold().split()), f"countries.{key}: {alias!r} is not lowercase/trimmed"
            assert alias not in owner, f"alias {alias!r} belongs to both {owner.get(alias)} and {key}"
            owner[alias] = key
        names = {country["name"].casefold() for country in countries.values()}
        assert not (set(aliases) & (set(countries) - {key})), f"countries.{key} uses another country's code"
        assert not (set(aliases) & (names - {country["name"].casefold()})), f"countries.{key} uses another's name"


def test_uk_answers_to_its_usual_names(resources: dict[str, Any]) -> None:
    assert set(resources["countries"]["gb"]["aliases"]) >= UK_ALIASES


# --- tone across both files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["checkin.toml", "resources.toml"])
def test_no_toxic_positivity_or_guilt(name: str) -> None:
    for text in strings(load(name)):
        folded = text.casefold().replace("\u2019", "'")
        for phrase in BANNED:
            assert phrase not in folded, f"{name}: {text!r} contains {phrase!r}"
