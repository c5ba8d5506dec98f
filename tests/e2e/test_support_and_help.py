"""`/resources`, `/help`, and the registered command set."""

from __future__ import annotations

from tests.harness import Harness


async def test_resources_for_a_known_country(harness: Harness) -> None:
    alex = harness.member("alex")
    result = await alex.slash("resources", country="UK")
    assert result.ephemeral
    text = result.message.text()
    assert "United Kingdom" in text
    assert "116 123" in text
    assert "findahelpline.com" in text


async def test_resources_default_and_unknown_country(harness: Harness) -> None:
    alex = harness.member("alex")
    default = await alex.slash("resources")
    assert "findahelpline.com" in default.message.text()
    unknown = await alex.slash("resources", country="Atlantis")
    text = unknown.message.text()
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
    text = result.message.text()
    assert "/rejected" in text and "/resources" in text
    assert "not therapy" in text.lower()
    assert "privacy" in text.lower()


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
