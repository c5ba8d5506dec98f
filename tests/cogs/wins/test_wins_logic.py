"""Pure wins logic: milestones, digest wording and counts, excerpts, permission advice."""

from __future__ import annotations

import discord
import pytest

from bot.storage.guild_settings import human_join, missing_channel_permissions, permission_gaps
from cogs.wins.digest import digest_embed
from cogs.wins.logic import category_title, excerpt, highlight_line, milestone_for, milestone_text, words
from cogs.wins.store import Highlight, WeekSummary


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, None),
        (1, 1),
        (2, None),
        (5, 5),
        (10, 10),
        (24, None),
        (25, 25),
        (100, 100),
        (101, None),
        (150, 150),
        (200, 200),
        (175, None),
    ],
)
def test_win_milestones_follow_the_list_then_every_fifty(count: int, expected: int | None) -> None:
    assert milestone_for(count, [1, 5, 10, 25, 50, 100], 50) == expected


def test_no_repeating_milestones_when_every_after_is_zero() -> None:
    assert milestone_for(200, [1, 5], 0) is None


def test_shots_milestones_from_the_data_file_start_at_five() -> None:
    table = words()["milestones"]
    hits = [n for n in range(1, 60) if milestone_for(n, table["shots_thresholds"], table["shots_every"])]
    assert hits == [5, 10, 25, 50]


def test_milestone_words_exist_for_listed_counts_and_fall_back_with_the_number() -> None:
    assert "first win" in milestone_text("wins", 1).lower()
    assert "150" in milestone_text("wins", 150)
    assert "courage" in milestone_text("shots", 5)
    assert "75" in milestone_text("shots", 75)


def test_excerpt_cuts_at_a_word_and_flattens_lines() -> None:
    assert excerpt("short\nand sweet") == "short and sweet"
    long = "word " * 60
    cut = excerpt(long, 40)
    assert len(cut) <= 40 and cut.endswith("…") and not cut.endswith(" …")


def test_category_titles_and_unknown_keys() -> None:
    assert category_title("interview") == "📅 Got an interview"
    assert category_title("no-such-key") == category_title("other")


def summary(wins: int, members: int, highlights: list[Highlight] | None = None) -> WeekSummary:
    """A week in numbers."""
    return WeekSummary(wins_shared=wins, members_checked_in=members, highlights=highlights or [])


def test_digest_counts_in_singular_and_plural() -> None:
    one = digest_embed(summary(1, 5), 9, week_number=1).description or ""
    assert "**1** win shared" in one and "**5** members checked in" in one
    many = digest_embed(summary(4, 7), 9, week_number=1).description or ""
    assert "**4** wins shared" in many and "**7** members checked in" in many


def test_a_check_in_count_below_five_or_switched_off_is_never_published() -> None:
    for count in (1, 2, 4):
        text = digest_embed(summary(1, count), 9, week_number=1).description or ""
        assert "checked in" not in text and "**1** win shared" in text
    off = digest_embed(summary(1, 9), 9, week_number=1, show_checkins=False).description or ""
    assert "checked in" not in off


def test_a_quiet_week_is_named_gently() -> None:
    text = digest_embed(summary(0, 0), 9, week_number=1).description or ""
    assert "quiet week" in text and "**0**" not in text


def test_only_wins_or_only_check_ins() -> None:
    wins_only = digest_embed(summary(2, 0), 9, week_number=1).description or ""
    assert "wins shared" in wins_only and "checked in" not in wins_only
    checkins_only = digest_embed(summary(0, 6), 9, week_number=1).description or ""
    assert "checked in" in checkins_only and "wins shared" not in checkins_only


def test_digest_wording_changes_from_one_week_to_the_next() -> None:
    texts = [(digest_embed(summary(1, 1), 9, week_number=n).description or "") for n in range(1, 4)]
    assert texts[0] != texts[1] and texts[1] != texts[2]


def test_highlights_link_to_the_post_and_name_by_mention() -> None:
    item = Highlight(win_id=1, user_id=77, category="offer", text="Got it!", channel_id=5, message_id=6, cheers=3)
    line = highlight_line(item, 9)
    assert line.startswith("🌟 Got an offer · <@77>: “Got it!”")
    assert "https://discord.com/channels/9/5/6" in line
    embed = digest_embed(summary(1, 0, [item]), 9, week_number=1)
    assert embed.fields[0].name == "A few to celebrate" and "Got it!" in (embed.fields[0].value or "")


def test_digest_fits_discord_limits_with_long_wins() -> None:
    items = [
        Highlight(win_id=n, user_id=n, category="other", text="x" * 1000, channel_id=1, message_id=n, cheers=0)
        for n in range(3)
    ]
    embed = digest_embed(summary(3, 3, items), 9, week_number=1)
    assert len(embed.fields[0].value or "") <= 1024
    assert len(embed) <= 6000


def test_permission_advice_names_the_root_cause() -> None:
    assert permission_gaps(discord.Permissions.none()) == (["View Channel"], [])
    no_send = discord.Permissions(view_channel=True, embed_links=True, add_reactions=True, read_message_history=True)
    assert permission_gaps(no_send) == (["Send Messages"], [])
    no_embeds = discord.Permissions(view_channel=True, send_messages=True, read_message_history=True)
    assert permission_gaps(no_embeds) == (["Embed Links"], ["Add Reactions"])
    everything = discord.Permissions(
        view_channel=True, send_messages=True, embed_links=True, add_reactions=True, read_message_history=True
    )
    assert permission_gaps(everything) == ([], [])
    assert missing_channel_permissions(everything) == ""
    assert missing_channel_permissions(no_embeds) == "**Embed Links**"


def test_human_join() -> None:
    assert human_join([]) == ""
    assert human_join(["A"]) == "**A**"
    assert human_join(["A", "B"]) == "**A** and **B**"
    assert human_join(["A", "B", "C"]) == "**A**, **B** and **C**"
