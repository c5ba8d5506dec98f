"""data/commands.toml keeps its shape and Discord's limits; the command tree itself: tests/e2e/test_command_words.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.content import command_words, load_content

DESCRIPTION_MAX = 100  # Discord: descriptions and choice names are 1-100 characters
WORD_TABLES = {"options", "choices"}


def tables(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Each command's (or subcommand's) table, with its path."""
    for name, value in data.items():
        assert isinstance(value, dict), f"{'.'.join((*prefix, name))}: a command is a table"
        yield (*prefix, name), value
        yield from tables(
            {key: sub for key, sub in value.items() if key not in WORD_TABLES | {"description"}}, (*prefix, name)
        )


def texts(table: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """A command table's own words: (key, text)."""
    yield "description", table.get("description")
    for option, text in table.get("options", {}).items():
        yield f"options.{option}", text
    for option, names in table.get("choices", {}).items():
        for value, text in names.items():
            yield f"choices.{option}.{value}", text


def test_every_command_has_a_description_and_every_word_fits_discord() -> None:
    found = list(tables(load_content("commands")))
    assert len(found) > 20
    for path, table in found:
        for key, text in texts(table):
            assert isinstance(text, str) and 1 <= len(text) <= DESCRIPTION_MAX, f"{'.'.join(path)}.{key}: {text!r}"


def test_command_words_reads_a_subcommand_by_its_qualified_name() -> None:
    assert command_words("feedback draft") is command_words("feedback")["draft"]
    assert "description" in command_words("setup wins-channel")
