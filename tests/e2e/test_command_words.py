"""What the command picker shows comes from data/commands.toml, fits Discord's limits, and no word there is dead.

Walks the payloads the bot syncs (`command.to_dict(tree)`, as `BouncebackBot.sync_commands_if_changed` hashes
them) after every cog has loaded against the emulator, so a command added anywhere is covered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from discord import AppCommandOptionType

from bot.content import load_content
from tests.harness import Harness

DESCRIPTION_MAX = 100  # Discord: command, option and choice-name lengths are 1-100
NESTED = {AppCommandOptionType.subcommand.value, AppCommandOptionType.subcommand_group.value}
Path_ = tuple[str, ...]


def payloads(harness: Harness) -> list[dict[str, Any]]:
    """The application commands as the bot sends them to Discord."""
    tree = harness.running.tree
    return [command.to_dict(tree) for command in tree.get_commands()]


def word(words: dict[str, Any], path: Path_) -> Any:
    """The entry at `path` in data/commands.toml, or None when it isn't there."""
    found: Any = words
    for key in path:
        if not isinstance(found, dict) or key not in found:
            return None
        found = found[key]
    return found


def expected_words(commands: list[dict[str, Any]], prefix: Path_ = ()) -> Iterator[tuple[Path_, str, str]]:
    """(path in commands.toml, what the payload says, where) for every description and data-written choice name."""
    for command in commands:
        path = (*prefix, command["name"])
        where = "/" + " ".join(path)
        yield (*path, "description"), command["description"], where
        for option in command.get("options") or []:
            if option["type"] in NESTED:
                continue
            yield (*path, "options", option["name"]), option["description"], f"{where} {option['name']}"
        nested = [option for option in command.get("options") or [] if option["type"] in NESTED]
        yield from expected_words(nested, path)


def choice_words(commands: list[dict[str, Any]], prefix: Path_ = ()) -> Iterator[tuple[Path_, str, str]]:
    """Choice names of options whose choices commands.toml names: (path, the payload's name, where)."""
    words = load_content("commands")
    for command in commands:
        path = (*prefix, command["name"])
        for option in command.get("options") or []:
            if option["type"] in NESTED:
                continue
            if word(words, (*path, "choices", option["name"])) is None:
                continue
            for choice in option.get("choices") or []:
                where = f"/{' '.join(path)} {option['name']}: {choice['value']!r}"
                yield (*path, "choices", option["name"], str(choice["value"])), choice["name"], where
        yield from choice_words([option for option in command.get("options") or [] if option["type"] in NESTED], path)


def all_texts(commands: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """Every description and choice name in the payloads, wherever it comes from: (where, text)."""
    for command in commands:
        yield command["name"], command["description"]
        for option in command.get("options") or []:
            yield f"{command['name']} {option['name']}", option["description"]
            for choice in option.get("choices") or []:
                yield f"{command['name']} {option['name']}: {choice['value']!r}", choice["name"]
        yield from all_texts([option for option in command.get("options") or [] if option["type"] in NESTED])


def leaves(data: dict[str, Any], prefix: Path_ = ()) -> Iterator[Path_]:
    """Every key path in commands.toml that holds words."""
    for key, value in data.items():
        if isinstance(value, dict):
            yield from leaves(value, (*prefix, key))
        else:
            yield (*prefix, key)


async def test_every_description_comes_from_commands_toml(harness: Harness) -> None:
    commands, words = payloads(harness), load_content("commands")
    checked = list(expected_words(commands))
    assert len(checked) > 40  # every command, subcommand and option: a walk that found nothing would pass
    wrong = [
        f"{where}: the command says {text!r}, commands.toml {'.'.join(path)} says {word(words, path)!r}"
        for path, text, where in checked
        if word(words, path) != text
    ]
    assert not wrong, "\n".join(wrong)


async def test_choice_names_written_for_a_command_come_from_commands_toml(harness: Harness) -> None:
    commands, words = payloads(harness), load_content("commands")
    checked = list(choice_words(commands))
    assert {path[0] for path, _, _ in checked} >= {"practice", "setup"}
    wrong = [
        f"{where}: the command says {text!r}, commands.toml says {word(words, path)!r}"
        for path, text, where in checked
        if word(words, path) != text
    ]
    assert not wrong, "\n".join(wrong)


async def test_descriptions_and_choice_names_fit_discord(harness: Harness) -> None:
    too_long = [
        f"{where}: {len(text)} characters"
        for where, text in all_texts(payloads(harness))
        if not 1 <= len(text) <= DESCRIPTION_MAX
    ]
    assert not too_long, "\n".join(too_long)


async def test_every_word_in_commands_toml_is_used(harness: Harness) -> None:
    commands = payloads(harness)
    used = {path for path, _, _ in expected_words(commands)} | {path for path, _, _ in choice_words(commands)}
    dead = sorted(".".join(path) for path in leaves(load_content("commands")) if path not in used)
    assert not dead, f"data/commands.toml holds words no command uses: {dead}"
