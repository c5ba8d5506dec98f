"""Care mode end to end: every place a member writes, with crisis, concern and benign words.

Help comes first; nothing celebrates, critiques or goes public after a crisis or concern signal; an idiom of
job hunting gets the ordinary flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from emulator import EmulatedMessage, SimulatedMember
from tests.e2e.wins_helpers import log_rejection, posts, set_up_wins_channel
from tests.harness import Harness, message_of

CRISIS_HEADING = "Before anything else"
CONCERN_HEADING = "Can I ask you something?"
# Phrasings of risk kinds the old detector missed: preparation, method, passive wish.
CRISIS_WORDS = "i already wrote the goodbye letters to my family, i want to die"
SHORT_CRISIS_WORDS = "wrote my goodbye note. i want to die"
CONCERN_WORDS = "honestly whats the point of anything anymore"
BENIGN_WORDS = "this market is killing me, I'd kill for some actual feedback"
CHEER = ("🎉", "Well done", "strength", "Glad you", "lighter", "proud")
DAY = timedelta(days=1)


def rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows(sql, params)


# ---------------------------------------------------------------- one function per place a member writes


async def via_rejected_options(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    return message_of(await member.slash("rejected", company=text[:100]))


async def via_vent(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    final = await log_rejection(member)
    opened = await member.click(final, "Vent privately")
    assert opened.modal is not None
    return message_of(await member.submit_modal(opened.modal, {"vent": text, "keep": ["yes"]}))


async def via_reflection(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    opened = await member.slash("reflect", rejection="new")
    assert opened.modal is not None
    return message_of(await member.submit_modal(opened.modal, {"went_well": text}))


async def via_feedback_interviewer(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    await member.slash("rejected", company="Acme")
    checkin_id = rows(harness, "SELECT MAX(id) AS id FROM checkins")[0]["id"]
    return message_of(await member.slash("feedback draft", rejection=str(checkin_id), interviewer=text[:80]))


async def via_feedback_reply(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    await member.slash("rejected", company="Initech")
    checkin_id = rows(harness, "SELECT MAX(id) AS id FROM checkins")[0]["id"]
    drafted = await member.slash("feedback draft", rejection=str(checkin_id))
    await member.click(message_of(drafted), "I sent it")
    await harness.advance(7 * DAY + timedelta(hours=6))  # follow-ups wait for daytime (en-US: New York, 10:00)
    dm = await member.wait_for_dm()
    opened = await member.click(dm, "They replied")
    assert opened.modal is not None
    return message_of(await member.submit_modal(opened.modal, {"note": text}))


async def via_practice(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    question = message_of(await member.slash("practice"))
    opened = await member.click(question, "Answer")
    assert opened.modal is not None
    return message_of(await member.submit_modal(opened.modal, {"answer": text}))


async def via_win(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    return message_of(await member.slash("win", text=text))


async def via_win_form(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    opened = await member.slash("win")
    assert opened.modal is not None
    return message_of(await member.submit_modal(opened.modal, {"text": text}))


async def via_log(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    return message_of(await member.slash("log", options={"what": "applied", "company": text[:100]}))


async def via_goal(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    return message_of(await member.slash("goal", options={"aim": text[:150]}))


async def via_plan_form(harness: Harness, member: SimulatedMember, text: str) -> EmulatedMessage:
    listing = message_of(await member.slash("plan"))
    opened = await member.click(listing, "Add my own")
    assert opened.modal is not None
    return message_of(await member.submit_modal(opened.modal, {"text": text[:200]}))


EntryPoint = Callable[[Harness, SimulatedMember, str], Awaitable[EmulatedMessage]]
ENTRY_POINTS: dict[str, EntryPoint] = {
    "rejected options": via_rejected_options,
    "vent": via_vent,
    "reflection": via_reflection,
    "feedback interviewer": via_feedback_interviewer,
    "feedback reply": via_feedback_reply,
    "practice answer": via_practice,
    "win": via_win,
    "win form": via_win_form,
    "log": via_log,
    "goal": via_goal,
    "plan form": via_plan_form,
}


async def delete_everything(member: SimulatedMember) -> None:
    """/mydata delete, confirmed, waiting until it is done."""
    asked = await member.slash("mydata delete")
    done = await member.click(message_of(asked), "Delete everything")
    if done.deferred:
        await done.followup()


def labels(message: EmulatedMessage) -> list[str]:
    return [button.label or "" for button in message.buttons()]


def assert_no_cheer(message: EmulatedMessage) -> None:
    text = message.text()
    assert not any(word in text for word in CHEER), text
    assert not any(label in ("Post", "🎉 Post", "Share as a win") for label in labels(message)), labels(message)
    assert "Share as a win" not in labels(message) and "Rate" not in text


@pytest.mark.parametrize("entry", ENTRY_POINTS)
async def test_crisis_words_get_help_first_and_nothing_else(harness: Harness, entry: str) -> None:
    wins = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    message = await ENTRY_POINTS[entry](harness, alex, CRISIS_WORDS)
    assert message.embeds[0]["title"] == CRISIS_HEADING, message.embeds
    assert "findahelpline.com" in message.text()
    assert_no_cheer(message)
    assert "Talk to someone now" in labels(message) and "I'm okay for now, carry on" in labels(message)
    assert posts(harness, wins) == []
    assert len(rows(harness, "SELECT * FROM care_signals WHERE user_id = ?", (alex.user_id,))) == 1


@pytest.mark.parametrize("entry", ENTRY_POINTS)
async def test_concern_words_ask_plainly_whether_they_are_safe(harness: Harness, entry: str) -> None:
    wins = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    message = await ENTRY_POINTS[entry](harness, alex, CONCERN_WORDS)
    assert message.embeds[0]["title"] == CONCERN_HEADING, message.embeds
    assert "safe right now" in message.text()
    assert_no_cheer(message)
    assert {"I'm not safe right now", "I'm safe, carry on", "Talk to someone"} <= set(labels(message))
    assert posts(harness, wins) == []


@pytest.mark.parametrize("entry", ENTRY_POINTS)
async def test_job_hunting_idioms_get_the_ordinary_flow(harness: Harness, entry: str) -> None:
    await set_up_wins_channel(harness)
    alex = harness.member("alex")
    message = await ENTRY_POINTS[entry](harness, alex, BENIGN_WORDS)
    assert all(embed.get("title") not in (CRISIS_HEADING, CONCERN_HEADING) for embed in message.embeds)
    assert rows(harness, "SELECT * FROM care_signals") == []


async def test_a_crisis_win_cannot_be_posted_even_from_an_older_preview(harness: Harness) -> None:
    wins = await set_up_wins_channel(harness)
    alex = harness.member("alex")
    preview = message_of(await alex.slash("win", text="Got through a whole week of applications"))
    assert "Post" in " ".join(labels(preview))
    post_id = next(b.custom_id or "" for b in preview.buttons() if (b.custom_id or "").startswith("win:post:"))
    # The draft's text is edited to words of crisis, then the old preview's Post is pressed.
    edit = await alex.click(preview, "Edit")
    assert edit.modal is not None
    held = message_of(await alex.submit_modal(edit.modal, {"text": CRISIS_WORDS}))
    assert held.embeds[0]["title"] == CRISIS_HEADING
    assert not any("Post" in label for label in labels(held))
    # A replayed Post (a tampered client) still posts nothing.
    await alex.click_custom_id(preview, post_id)
    await harness.tick()
    assert posts(harness, wins) == []
    assert rows(harness, "SELECT state FROM wins")[0]["state"] == "draft"


async def test_not_safe_leads_to_the_crisis_path_and_safe_carries_on(harness: Harness) -> None:
    alex = harness.member("alex")
    message = await via_vent(harness, alex, CONCERN_WORDS)
    unsafe = await alex.click(message, "I'm not safe right now")
    assert message_of(unsafe).embeds[0]["title"] == CRISIS_HEADING
    assert "A one-minute grounding exercise" in labels(message_of(unsafe))
    grounding = await alex.click(message_of(unsafe), "A one-minute grounding exercise")
    assert "five things you can see" in message_of(grounding).text()
    talk = await alex.click(message_of(unsafe), "Talk to someone now")
    assert "findahelpline.com" in message_of(talk).text()
    safe = await alex.click(message, "I'm safe, carry on")
    assert "/resources" in message_of(safe).text()
    assert_no_cheer(message_of(safe))


async def test_a_mood_of_one_from_a_nudge_is_a_concern(harness: Harness) -> None:
    alex = harness.member("alex")
    await (await alex.slash("nudges start", time="10:00", timezone="Europe/London")).wait_final()
    await harness.advance(timedelta(hours=1, minutes=1))  # 10:01 in London: today's nudge is due
    nudges_cog = harness.running.get_cog("NudgesCog")
    assert nudges_cog is not None
    await nudges_cog.run_due_nudges()  # type: ignore[attr-defined]
    nudge = next(m for m in alex.dms() if "Log how I feel" in labels(m))
    levels = await alex.click(nudge, "Log how I feel")
    one = next(b for b in message_of(levels).buttons() if (b.custom_id or "").endswith(":1"))
    logged = await alex.click(message_of(levels), one.custom_id or "")
    followup = await logged.followup()
    assert followup.embeds[0]["title"] == CONCERN_HEADING
    assert "I'm not safe right now" in labels(followup)


async def test_for_a_day_after_a_crisis_no_milestone_and_the_nudge_is_a_gentle_check_in(harness: Harness) -> None:
    alex = harness.member("alex")
    await (await alex.slash("nudges start", time="10:00", timezone="Europe/London")).wait_final()
    await via_vent(harness, alex, CRISIS_WORDS)  # the first rejection logged, in crisis: no "first shot" DM
    assert not any("shot" in m.text().lower() for m in alex.dms())
    await harness.advance(timedelta(hours=2))
    nudges_cog = harness.running.get_cog("NudgesCog")
    assert nudges_cog is not None
    await nudges_cog.run_due_nudges()  # type: ignore[attr-defined]
    nudge = next(m for m in alex.dms() if "Log how I feel" in labels(m))
    assert nudge.embeds[0]["title"] == "Just checking in"
    assert "One to practise" not in nudge.text() and "Well done" not in nudge.text()
    # A day later care mode is over; the daily nudge is ordinary again.
    await harness.advance(DAY)
    await nudges_cog.run_due_nudges()  # type: ignore[attr-defined]
    latest = [m for m in alex.dms() if "Log how I feel" in labels(m)][-1]
    assert latest.embeds[0]["title"] != "Just checking in"


async def test_a_5_of_5_sad_check_in_brings_no_milestone(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected")
    picked = await alex.select(message_of(start), "checkin:feeling", ["sad"])
    five = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(":5"))
    final = await alex.click(message_of(picked), five.custom_id or "")
    assert "Sad · 5/5" in message_of(final).text()
    await harness.tick()
    assert alex.dms() == []  # the first-shot milestone waits for a better day
    harness.clock.advance(2 * DAY)
    await log_rejection(alex)
    assert rows(harness, "SELECT * FROM care_signals WHERE until > '2026-11-28'") == []


async def test_check_in_tomorrow_arrives_at_a_sensible_local_hour_across_a_restart(harness: Harness) -> None:
    alex = harness.member("alex", locale="en-US")  # no nudge zone: the language suggests America/New_York
    message = await via_vent(harness, alex, CRISIS_WORDS)
    planned = await alex.click(message, "Check in with me tomorrow")
    assert "tomorrow" in message_of(planned).text()
    again = await alex.click(message, "Check in with me tomorrow")
    assert "already" in message_of(again).text()
    await harness.restart()
    # Thursday 09:00 UTC is 04:00 in New York; 10:00 there on Friday is 15:00 UTC.
    await harness.advance(timedelta(hours=29, minutes=59))
    assert alex.dms() == []
    await harness.advance(timedelta(minutes=1))
    dm = await alex.wait_for_dm()
    assert dm.embeds[0]["title"] == "Checking in"
    assert labels(dm) == ["I'm okay", "Still finding it hard", "Talk to someone now"]
    hard = await alex.click(dm, "Still finding it hard")
    assert "findahelpline.com" in message_of(hard).text()
    okay = await alex.click(dm, "I'm okay")
    assert "won't check in again" in (await okay.followup()).text()
    await harness.advance(3 * DAY)
    assert len([m for m in alex.dms() if m.embeds and m.embeds[0].get("title") == "Checking in"]) == 1


async def test_okay_ends_the_check_in_and_deletion_cancels_it(harness: Harness) -> None:
    alex = harness.member("alex")
    await (await alex.slash("nudges start", time="10:00", timezone="Asia/Tokyo")).wait_final()
    message = await via_vent(harness, alex, CONCERN_WORDS)
    await alex.click(message, "Check in with me tomorrow")
    pending = rows(harness, "SELECT due_at FROM timers WHERE kind = 'care_checkin' AND state = 'pending'")
    # 18:00 in Tokyo now: 10:00 there tomorrow is 01:00 UTC.
    assert [row["due_at"] for row in pending] == ["2026-11-27T01:00:00.000000Z"]
    await delete_everything(alex)
    assert rows(harness, "SELECT * FROM timers WHERE kind = 'care_checkin' AND state = 'pending'") == []
    assert rows(harness, "SELECT * FROM care_signals") == []
    await harness.advance(2 * DAY)
    assert not any(m.embeds and m.embeds[0].get("title") == "Checking in" for m in alex.dms())


async def test_ask_a_moderator_posts_only_the_request_across_a_restart(harness: Harness) -> None:
    emulator = harness.emulator
    mods = emulator.create_role(harness.guild_id, "Moderators")
    everyone_id = harness.guild_id  # @everyone's role id is the guild id
    view, send = 1 << 10, 1 << 11
    private = emulator.create_text_channel(
        harness.guild_id, "mod-support", overwrites={everyone_id: (0, view), emulator.bot_user_id: (view | send, 0)}
    )
    admin = harness.member("sam", admin=True)
    alex = harness.member("alex")
    before = await alex.slash("rejected", company=CRISIS_WORDS)
    assert "Ask a moderator to reach out" not in labels(message_of(before))  # nothing to press until a server opts in
    saved = await admin.slash("setup support-channel", channel=private, role=mods)
    assert "never their words" in message_of(saved).text() and "everyone in the server" not in message_of(saved).text()
    message = await via_vent(harness, alex, CRISIS_WORDS)
    assert "Ask a moderator to reach out" in labels(message)
    await harness.restart()
    asked = await alex.click(message, "Ask a moderator to reach out")
    assert "only told them that you asked" in message_of(asked).text()
    requests = [m for m in emulator.channel_messages(private.id) if m.author_id == emulator.bot_user_id]
    assert len(requests) == 1
    posted = requests[0]
    assert f"<@{alex.user_id}>" in posted.content and f"<@&{mods.id}>" in posted.content
    assert "goodbye" not in posted.content.lower() and "letters" not in posted.content.lower()
    assert posted.mention_roles == [mods.id] and posted.mentions == [] and not posted.mention_everyone
    twice = await alex.click(message, "Ask a moderator to reach out")
    assert "a little while ago" in message_of(twice).text()
    assert len([m for m in emulator.channel_messages(private.id) if m.author_id == emulator.bot_user_id]) == 1
    shown = await admin.slash("setup show")
    assert "mod-support" in message_of(shown).text() or str(private.id) in message_of(shown).text()
    off = await admin.slash("setup support-channel")
    assert "off" in message_of(off).text()
    later = await via_vent(harness, alex, CRISIS_WORDS)
    assert "Ask a moderator to reach out" not in labels(later)


async def test_a_public_support_channel_gets_a_warning(harness: Harness) -> None:
    mods = harness.emulator.create_role(harness.guild_id, "Moderators")
    public = harness.emulator.create_text_channel(harness.guild_id, "general-help")
    admin = harness.member("sam", admin=True)
    saved = await admin.slash("setup support-channel", channel=public, role=mods)
    assert "everyone in the server can see" in message_of(saved).text()


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("nudges start", {"time": "10:00", "timezone": SHORT_CRISIS_WORDS}),
        ("resources", {"country": SHORT_CRISIS_WORDS}),
        ("feedback draft", {"rejection": CRISIS_WORDS}),
        ("log", {"what": "interview", "company": "Initech", "role": SHORT_CRISIS_WORDS}),
    ],
)
async def test_any_other_text_option_is_read_before_the_command_runs(
    harness: Harness, command: str, options: dict[str, str]
) -> None:
    alex = harness.member("alex")
    result = await alex.slash(command, options=options)
    assert message_of(result).embeds[0]["title"] == CRISIS_HEADING
    assert rows(harness, "SELECT * FROM nudge_subscriptions") == []


async def test_the_nudge_form_is_read_too(harness: Harness) -> None:
    alex = harness.member("alex")
    final = await log_rejection(alex)
    opened = await alex.click(final, "Daily nudges")
    assert opened.modal is not None
    result = await alex.submit_modal(opened.modal, {"timezone": "i dont want to wake up tomorrow"})
    assert message_of(result).embeds[0]["title"] == CRISIS_HEADING
    assert rows(harness, "SELECT * FROM nudge_subscriptions") == []


def helplines_title(message: EmulatedMessage) -> str:
    """The title of the helplines embed under a crisis lead."""
    return str(message.embeds[1]["title"])


async def test_crisis_helplines_follow_country_then_time_zone_then_language(harness: Harness) -> None:
    # Language only: pt-BR points to Brazil, and the lead names Brazil's emergency number.
    ana = harness.member("ana", locale="pt-BR")
    message = await via_vent(harness, ana, CRISIS_WORDS)
    assert "188" in message.text() and "192" in message.text()
    # A nudge time zone beats the language: a German-language member living in Tokyo.
    kai = harness.member("kai", locale="de")
    await (await kai.slash("nudges start", time="10:00", timezone="Asia/Tokyo")).wait_final()
    message = await via_vent(harness, kai, CRISIS_WORDS)
    assert "TELL Lifeline" in message.text() and "call 119" in message.text()
    # A country given to /resources beats both, and is remembered.
    named = await kai.slash("resources", country="Germany")
    assert "from now on" in message_of(named).text()
    message = await via_vent(harness, kai, CRISIS_WORDS)
    assert "0800 111 0 111" in message.text() and "112" in message.text()
    again = await kai.slash("resources")
    assert "the country you gave me before" in message_of(again).text()
    # /mydata delete forgets the country with everything else.
    await delete_everything(kai)
    assert rows(harness, "SELECT * FROM member_context WHERE user_id = ?", (kai.user_id,)) == []
