"""Loads what the bot says from data/ and picks wording variants without repeats."""

from __future__ import annotations

import logging
import random
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from bot.config import DATA_DIR
from bot.storage import Database
from bot.storage.database import Connection

log = logging.getLogger(__name__)


@cache
def load_content(name: str, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Read `data/<name>.toml` once and keep it; the files are reviewed like code."""
    path = data_dir / f"{name}.toml"
    with path.open("rb") as handle:
        return tomllib.load(handle)


def command_words(name: str) -> dict[str, Any]:
    """One slash command's words in data/commands.toml, by its qualified name ("feedback draft").

    Read at import time by the cogs' decorators: `description`, and where the command has them `options`
    (option name -> description) and `choices` (option name -> choice value -> name). A group's words hold its
    subcommands' too.
    """
    words: dict[str, Any] = load_content("commands")
    for part in name.split():
        words = words[part]
    return words


class WordingPicker:
    """Chooses among wording variants so a member never gets the same one twice in a row."""

    def __init__(self, database: Database, rng: random.Random | None = None) -> None:
        self._database = database
        self._rng = rng or random.Random()

    async def pick(self, user_id: int, topic: str, variants: list[str]) -> str:
        """Return a variant for this member and topic, different from the one they saw last."""
        if len(variants) == 1:
            return variants[0]
        # One unit on the database thread: picks come before the first answer to many commands.
        return await self._database.run(lambda connection: self.pick_in(connection, user_id, topic, variants))

    def pick_in(self, connection: Connection, user_id: int, topic: str, variants: list[str]) -> str:
        """`pick`, in a unit of work already on the database thread (see `Database.run`)."""
        if not variants:
            raise ValueError(f"no wording variants for {topic!r}")
        if len(variants) == 1:
            return variants[0]
        row = connection.execute(
            "SELECT last_variant FROM wording_history WHERE user_id = ? AND topic = ?", (user_id, topic)
        ).fetchone()
        last = None if row is None else row[0]
        index = self._rng.choice([i for i in range(len(variants)) if i != last])
        connection.execute(
            "INSERT INTO wording_history (user_id, topic, last_variant) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, topic) DO UPDATE SET last_variant = excluded.last_variant",
            (user_id, topic, index),
        )
        return variants[index]


def plural(forms: Mapping[str, str], count: int, **values: Any) -> str:
    """The form of a phrase for `count` ('one' for exactly 1, else 'other'; 'many' is read as 'other')."""
    key = "one" if count == 1 and "one" in forms else ("other" if "other" in forms else "many")
    return str(forms[key]).format(count=count, **values)
