"""Gateway faults in the middle of a flow: RECONNECT, a dropped socket, INVALID_SESSION.

The check-in is a three-step flow (/rejected → feeling → intensity); each fault lands between two steps, and the
flow must finish on the same messages, with the session resumed (or re-identified) as Discord expects.
"""

from __future__ import annotations

from emulator import EmulatedMessage, SimulatedMember
from tests.harness import Harness, message_of, plaintext


def stored_checkins(harness: Harness) -> list[tuple[str | None, str | None, int | None]]:
    """(company, feeling, intensity) of every check-in, straight from the database file."""
    stored = harness.rows("SELECT company_encrypted, feeling, intensity FROM checkins ORDER BY id")
    return [(plaintext(company), feeling, intensity) for company, feeling, intensity in stored]


async def start_and_pick(member: SimulatedMember, company: str) -> EmulatedMessage:
    """First two steps: /rejected and a feeling; returns the message with the intensity buttons."""
    start = await member.slash("rejected", company=company)
    picked = await member.select(message_of(start), "checkin:feeling", ["disappointed"])
    assert picked.message is not None
    return picked.message


async def finish(member: SimulatedMember, message: EmulatedMessage, level: int) -> EmulatedMessage:
    """Last step: the intensity button; returns the validation message."""
    button = next(b for b in message.buttons() if (b.custom_id or "").endswith(f":{level}"))
    final = await member.click(message, button.custom_id or "")
    assert final.message is not None
    return final.message


async def wait_connected(harness: Harness) -> None:
    """Until the bot has a live, identified (or resumed) gateway session again."""
    await harness.emulator.wait_for_connection(timeout=15)


async def test_reconnect_request_mid_flow_resumes_and_the_flow_completes(harness: Harness) -> None:
    stats = harness.emulator.stats
    alex = harness.member("alex")
    message = await start_and_pick(alex, "Acme")
    identifies, resumes = stats.identifies, stats.resumes

    assert await harness.emulator.gateway_reconnect_request() == 1
    await harness.emulator.wait_until(lambda: stats.resumes > resumes or None, 15, "the bot to RESUME")
    await wait_connected(harness)

    final = await finish(alex, message, 4)
    assert "Disappointed · 4/5" in final.text()
    assert (stats.identifies, stats.resumes) == (identifies, resumes + 1)  # resumed, not a new session
    assert stored_checkins(harness) == [("Acme", "disappointed", 4)]


async def test_dropped_socket_mid_flow_resumes_and_the_flow_completes(harness: Harness) -> None:
    stats = harness.emulator.stats
    alex = harness.member("alex")
    message = await start_and_pick(alex, "Globex")
    identifies, resumes = stats.identifies, stats.resumes

    assert await harness.emulator.gateway_drop() >= 1  # no close frame: the client only notices the dead socket
    await harness.emulator.wait_until(lambda: stats.resumes > resumes or None, 15, "the bot to RESUME")
    await wait_connected(harness)

    final = await finish(alex, message, 2)
    assert "Disappointed · 2/5" in final.text()
    assert (stats.identifies, stats.resumes) == (identifies, resumes + 1)
    assert stored_checkins(harness) == [("Globex", "disappointed", 2)]


async def test_events_sent_while_the_socket_is_down_are_replayed_on_resume(harness: Harness) -> None:
    """A click that happens while the socket is dead reaches the bot from the resume buffer, and is answered."""
    stats = harness.emulator.stats
    alex = harness.member("alex")
    message = await start_and_pick(alex, "Initech")
    resumes = stats.resumes
    await harness.emulator.gateway_drop()
    final = await finish(alex, message, 5)  # dispatched into the buffer of the dropped session
    assert "Disappointed · 5/5" in final.text()
    assert stats.resumes == resumes + 1
    assert stored_checkins(harness) == [("Initech", "disappointed", 5)]


async def test_invalid_session_identifies_again_and_old_buttons_still_work(harness: Harness) -> None:
    stats = harness.emulator.stats
    bot = harness.running

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before re-identifying; this test has no other client to stagger with."""

    bot.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    alex = harness.member("alex")
    message = await start_and_pick(alex, "Hooli")
    identifies, resumes = stats.identifies, stats.resumes
    ready_again = harness.running.wait_for("ready", timeout=15)

    assert await harness.emulator.gateway_invalidate_session(resumable=False) == 1
    await ready_again
    await wait_connected(harness)
    assert stats.identifies == identifies + 1
    assert stats.resumes == resumes

    final = await finish(alex, message, 3)  # persistent components survive the new session
    assert "Disappointed · 3/5" in final.text()
    again = await alex.slash("rejected", company="Pied Piper")  # and new commands are answered
    assert again.ephemeral
    assert stored_checkins(harness) == [("Hooli", "disappointed", 3), ("Pied Piper", None, None)]


async def test_resumable_invalid_session_resumes(harness: Harness) -> None:
    stats = harness.emulator.stats
    alex = harness.member("alex")
    message = await start_and_pick(alex, "Umbrella")
    identifies, resumes = stats.identifies, stats.resumes
    await harness.emulator.gateway_invalidate_session(resumable=True)
    await harness.emulator.wait_until(lambda: stats.resumes > resumes or None, 15, "the bot to RESUME")
    final = await finish(alex, message, 1)
    assert "Disappointed · 1/5" in final.text()
    assert stats.identifies == identifies
