"""`PreparedView`: ready-made component payloads must be exactly what discord.py would have built from items."""

from __future__ import annotations

import discord

from cogs.checkin.logic import feeling_table
from cogs.checkin.views import FeelingSelect, feeling_view


def select_of(view: discord.ui.View) -> dict[str, object]:
    """The one select in a one-row view's payload."""
    [row] = view.to_components()
    [select] = row["components"]
    return dict(select)


async def test_the_prepared_feelings_select_matches_the_item_it_stands_for() -> None:
    built = discord.ui.View(timeout=None).add_item(FeelingSelect(123, 456789))
    prepared = feeling_view(123, 456789)
    assert prepared.to_components() == built.to_components()
    options = select_of(prepared)["options"]
    assert isinstance(options, list)
    assert [option["value"] for option in options] == list(feeling_table())


async def test_each_check_in_gets_its_own_custom_id_and_the_template_is_untouched() -> None:
    ids = [select_of(feeling_view(checkin_id, owner_id))["custom_id"] for checkin_id, owner_id in ((1, 10), (2, 20))]
    assert ids == ["checkin:feeling:1:10", "checkin:feeling:2:20"]
    assert all(FeelingSelect.__discord_ui_compiled_template__.fullmatch(str(custom_id)) for custom_id in ids)
    assert select_of(feeling_view(3, 30))["custom_id"] == "checkin:feeling:3:30"


async def test_a_prepared_view_is_not_kept_or_timed_by_discord_py() -> None:
    view = feeling_view(1, 2)
    assert view.is_finished() and view.timeout is None and view.children == []
