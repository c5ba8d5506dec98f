"""`/resources`, `/help`, and the registered command set."""

from __future__ import annotations

import pytest

from tests.e2e.wins_helpers import log_rejection
from tests.harness import Harness, message_of

# Discord language -> the country's name, one of its helpline numbers and its emergency number.
BY_LOCALE = {
    "en-GB": ("United Kingdom", "116 123", "999"),
    "en-US": ("United States", "988", "911"),
    "pt-BR": ("Brazil", "188", "192"),
    "hi": ("India", "14416", "112"),
    "de": ("Germany", "0800 111 0 111", "112"),
    "fr": ("France", "3114", "112"),
    "es-ES": ("Spain", "024", "112"),
    "ja": ("Japan", "03-5774-0992", "119"),
}


async def test_resources_for_a_known_country(harness: Harness) -> None:
    alex = harness.member("alex")
    result = await alex.slash("resources", country="UK")
    assert result.ephemeral
    text = message_of(result).text()
    assert "United Kingdom" in text
    assert "116 123" in text
    assert "findahelpline.com" in text


@pytest.mark.parametrize("locale", list(BY_LOCALE))
async def test_resources_without_a_country_follows_the_discord_language(harness: Harness, locale: str) -> None:
    name, helpline, emergency = BY_LOCALE[locale]
    member = harness.member(f"member-{locale}", locale=locale)
    result = await member.slash("resources")
    assert result.ephemeral
    embed = message_of(result).embeds[0]
    assert embed["title"] == f"Support — {name}"
    text = message_of(result).text()
    assert helpline in text
    assert f"call {emergency}" in embed["description"]
    assert "/resources country:" in embed["description"], "says how to pick another country"
    assert "findahelpline.com" in text, "international lines still follow"


async def test_an_explicit_country_beats_the_language(harness: Harness) -> None:
    ana = harness.member("ana", locale="pt-BR")
    result = await ana.slash("resources", country="Ireland")
    text = message_of(result).text()
    assert "Ireland" in text and "1800 247 247" in text and "188" not in text
    assert "language" not in text


async def test_a_language_with_no_single_country_gets_international_lines(harness: Harness) -> None:
    lucia = harness.member("lucia", locale="es-419")
    result = await lucia.slash("resources")
    embed = message_of(result).embeds[0]
    assert embed["title"] == "Support — International"
    assert "/resources country:" in embed["description"]
    assert "findahelpline.com" in message_of(result).text()


async def test_resources_default_and_unknown_country(harness: Harness) -> None:
    alex = harness.member("alex")
    default = await alex.slash("resources")
    assert "findahelpline.com" in message_of(default).text()
    unknown = await alex.slash("resources", country="Atlantis")
    text = message_of(unknown).text()
    assert "Atlantis" in text and "international" in text.lower()
    assert "findahelpline.com" in text


async def test_resources_autocomplete_finds_countries(harness: Harness) -> None:
    alex = harness.member("alex")
    choices = await alex.autocomplete("resources", "country", "united")
    names = [choice["name"] for choice in choices]
    assert "United Kingdom" in names and "United States" in names


async def test_help_explains_privacy_and_not_therapy(harness: Harness) -> None:
    alex = harness.member("alex")
    result = await alex.slash("help")
    assert result.ephemeral
    text = message_of(result).text()
    assert "/rejected" in text and "/resources" in text
    assert "not therapy" in text.lower()
    assert "privacy" in text.lower()


async def test_help_describes_data_rights_as_the_code_does(harness: Harness) -> None:
    alex = harness.member("alex")
    text = message_of(await alex.slash("help")).text()
    assert "one click" not in text
    # /mydata delete asks first: the command, then the confirmation button, whose label /help names.
    await log_rejection(alex)
    confirm = message_of(await alex.slash("mydata delete"))
    labels = [button.label for button in confirm.buttons()]
    assert "Delete everything" in labels and "**Delete everything**" in text and "asks first" in text
    assert "/mydata export" in text
    days = harness.running.settings.vent_retention_days
    assert f"only for {days} days" in text


async def test_every_command_and_option_has_a_description(harness: Harness) -> None:
    commands = harness.emulator.commands()
    names = [command["name"] for command in commands]
    assert len(names) == len(set(names)), "command names must be unique"
    assert {"rejected", "resources", "help"} <= set(names)

    def walk(options: list[dict[str, object]]) -> None:
        for option in options:
            assert option.get("description"), f"option {option['name']} has no description"
            walk(option.get("options", []))  # type: ignore[arg-type]

    for command in commands:
        assert command.get("description"), f"/{command['name']} has no description"
        walk(command.get("options", []))


async def test_commands_sync_only_when_changed(harness: Harness) -> None:
    assert harness.running.synced_commands
    bot = await harness.restart()
    assert not bot.synced_commands
