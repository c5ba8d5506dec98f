"""Components and forms a cog answers by custom id (`register_custom_id_route`), through the real client.

Practice's answer forms use this so an answer typed across a restart still arrives; the tests here pin down the
mechanism itself: the handler gets the match, a withdrawn route falls back to the kind "form lost" answer, and an
error that escapes a handler is logged rather than lost.
"""

from __future__ import annotations

import asyncio
import logging
import re

import pytest

from bot.client import Interaction
from bot.fallback import FORM_LOST
from tests.harness import Harness

ROUTE = re.compile(r"test:route:(?P<number>\d+)")


async def test_a_routed_form_reaches_its_handler_with_the_match(harness: Harness) -> None:
    bot = harness.running
    seen: list[tuple[int, int]] = []

    async def handler(interaction: Interaction, match: re.Match[str]) -> None:
        seen.append((interaction.user.id, int(match["number"])))
        await interaction.response.send_message("Got your form.", ephemeral=True)

    bot.register_custom_id_route(ROUTE, handler)
    alex = harness.member("alex")
    result = await alex.submit_custom_modal("test:route:42", {"answer": "hello"})
    assert result.ephemeral and result.message is not None
    assert result.message.text() == "Got your form."
    assert seen == [(alex.user_id, 42)]

    # An id the pattern matches only in part is not routed: it gets the fallback's answer.
    partial = await alex.submit_custom_modal("test:route:42:extra", {"answer": "hello"})
    assert partial.message is not None and FORM_LOST in partial.message.text()
    assert seen == [(alex.user_id, 42)]


async def test_a_withdrawn_route_is_answered_as_a_lost_form(harness: Harness) -> None:
    bot = harness.running
    calls: list[str] = []

    async def handler(interaction: Interaction, match: re.Match[str]) -> None:
        calls.append(match[0])
        await interaction.response.send_message("Got it.", ephemeral=True)

    bot.register_custom_id_route(ROUTE.pattern, handler)
    bot.unregister_custom_id_route(ROUTE)
    alex = harness.member("alex")
    result = await alex.submit_custom_modal("test:route:1", {"answer": "my words"})
    assert result.message is not None
    text = result.message.text()
    assert FORM_LOST in text and "my words" in text  # echoed back privately so nothing typed is lost
    assert result.ephemeral and calls == []


async def test_an_error_escaping_a_handler_is_logged(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    bot = harness.running

    async def handler(interaction: Interaction, match: re.Match[str]) -> None:
        await interaction.response.send_message("Saved.", ephemeral=True)
        raise RuntimeError("broke after answering")

    bot.register_custom_id_route(ROUTE, handler)
    caplog.set_level(logging.ERROR, logger="bot.fallback")
    result = await harness.member("alex").submit_custom_modal("test:route:7", {"answer": "x"})
    assert result.message is not None and result.message.text() == "Saved."
    for _ in range(100):
        if any("routed-interaction failed" in record.getMessage() for record in caplog.records):
            break
        await asyncio.sleep(0.01)
    failures = [record for record in caplog.records if "routed-interaction failed" in record.getMessage()]
    assert len(failures) == 1
    assert failures[0].exc_info is not None and "broke after answering" in str(failures[0].exc_info[1])
