"""SHARD_COUNT and SHARD_IDS: parsing, validation (one line naming the problem), the client they choose."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.client import BouncebackBot, ShardedBouncebackBot, create_bot, shard_of
from bot.config import Settings, describe_settings_error

TOKEN = "a-token-for-the-tests-only"


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("SHARD_COUNT", "SHARD_IDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"DISCORD_TOKEN": TOKEN, **env}.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def problem(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(monkeypatch, **env)
    return describe_settings_error(caught.value)


def test_unsharded_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = settings(monkeypatch)
    assert (plain.shard_count, plain.shard_ids, plain.sharded) == (None, None, False)
    assert plain.process_shards() == () and plain.rate_share() == 1.0


@pytest.mark.parametrize(
    ("env", "shards", "share"),
    [
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0"}, (0,), 0.5),
        ({"SHARD_COUNT": "3", "SHARD_IDS": " 2 , 0 "}, (2, 0), 2 / 3),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "3"}, (3,), 0.25),
        ({"SHARD_COUNT": "3"}, (0, 1, 2), 1.0),  # no SHARD_IDS: this process runs every shard
        ({"SHARD_COUNT": "1", "SHARD_IDS": ""}, (0,), 1.0),
    ],
)
def test_shards_and_this_processs_share(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], shards: tuple[int, ...], share: float
) -> None:
    chosen = settings(monkeypatch, **env)
    assert chosen.sharded and chosen.process_shards() == shards
    assert chosen.rate_share() == pytest.approx(share)


def test_the_shares_of_a_cluster_add_up_to_the_whole_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    layout = ["0,1", "2", "3"]  # three processes, four shards, unevenly
    shares = [settings(monkeypatch, SHARD_COUNT="4", SHARD_IDS=ids).rate_share() for ids in layout]
    assert sum(shares) == pytest.approx(1.0) and shares == [0.5, 0.25, 0.25]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "SHARD_IDS 2 not within 0..1 (SHARD_COUNT=2)"),
        ({"SHARD_COUNT": "3", "SHARD_IDS": "1,1"}, "SHARD_IDS lists a shard twice (1,1)"),
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "zero"}, "SHARD_IDS: Value error, must be shard numbers"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "-1"}, "SHARD_IDS: Value error, must be shard numbers"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: Input should be greater than or equal to 1"),
    ],
)
def test_bad_shard_settings_name_the_problem_in_one_line(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    text = problem(monkeypatch, **env)
    assert message in text and "\n" not in text


def test_the_settings_choose_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = create_bot(settings(monkeypatch), extensions=[])
    assert type(plain) is BouncebackBot and plain.shard_count is None and plain.shard_id is None
    sharded: Any = create_bot(settings(monkeypatch, SHARD_COUNT="3", SHARD_IDS="1,2"), extensions=[])
    assert isinstance(sharded, ShardedBouncebackBot)
    assert (sharded.shard_ids, sharded.shard_count) == ([1, 2], 3)


def test_shard_of_is_discords_formula() -> None:
    guild_id = 81384788765712384
    assert shard_of(guild_id, 1) == 0
    assert [shard_of(guild_id, n) for n in (2, 3, 5)] == [(guild_id >> 22) % n for n in (2, 3, 5)]
    assert shard_of(7 << 22, 4) == 3 and shard_of((8 << 22) + 4_000_000, 4) == 0
