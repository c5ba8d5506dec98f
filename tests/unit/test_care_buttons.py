"""The care buttons' custom ids: every action has a handler, and ids round-trip through the component base."""

from __future__ import annotations

from bot.care.items import ACTIONS, ACTIONS_PATTERN, CareButton
from bot.care.service import care_custom_id


def test_every_action_in_the_custom_id_pattern_has_a_handler_and_back() -> None:
    assert set(ACTIONS_PATTERN.split("|")) == set(ACTIONS)


def test_custom_ids_built_by_the_service_are_the_ones_the_button_answers() -> None:
    template = CareButton.__discord_ui_compiled_template__
    for action in ACTIONS:
        for guild_id in (None, 1234):
            custom_id = care_custom_id(action, 987654321, guild_id)
            match = template.fullmatch(custom_id)
            assert match is not None, custom_id
            parsed = (match["action"], int(match["owner_id"]), int(match["guild_id"]))
            assert parsed == (action, 987654321, guild_id or 0)
    assert template.fullmatch("care:explode:1:0") is None
