"""Pure helpers of the unclaimed-interaction fallback: reading a raw form, and ids safe for the log."""

from __future__ import annotations

from bot.fallback import _shape, _text_values


def test_text_values_are_read_from_action_rows_and_labels() -> None:
    components = [
        {"type": 1, "components": [{"type": 4, "custom_id": "time", "value": "09:00"}]},
        {"type": 18, "component": {"type": 4, "custom_id": "vent", "value": "It stung."}},
        {"type": 18, "component": {"type": 3, "custom_id": "keep", "values": ["yes"]}},
        "not a component",
    ]
    assert list(_text_values(components)) == ["09:00", "It stung."]
    assert list(_text_values(None)) == []


def test_ids_in_the_log_lose_their_numbers() -> None:
    assert _shape("checkin:ventmodal:12:1575417716888699592") == "checkin:ventmodal:#:#"
    assert len(_shape("x:" * 100)) == 80
