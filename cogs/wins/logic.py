"""The rules of sharing wins, with no Discord in them: wording, posting policy, milestones, the digest's words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.content import load_content, plural
from cogs.wins.store import Highlight, WeekSummary, Win

MAX_TEXT = 1000
EXCERPT = 160
WEEK = timedelta(days=7)
# A digest fired again within this span of the last one is a double fire (restart, clock fix), not a new week.
DIGEST_MIN_GAP = timedelta(days=6)
HIGHLIGHTS = 3
CELEBRATION = "🎉"
# "[discord.com/gifts](https://evil.example)": the label can pretend to be any address.
MASKED_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"]*\")?\s*\)")


def words() -> dict[str, Any]:
    """Everything the wins feature says, from data/wins.toml."""
    return load_content("wins")


def categories() -> dict[str, dict[str, str]]:
    """Win categories by key, in the data file's order."""
    return {category["key"]: category for category in words()["categories"]}


def known_category(key: str | None) -> str:
    """A category key the data file knows; anything else is 'other'."""
    return key if key is not None and key in categories() else "other"


def category_title(key: str) -> str:
    """e.g. '📅 Got an interview' (unknown keys fall back to 'other')."""
    table = categories()
    category = table.get(key) or table["other"]
    return str(words()["post"]["post_title"]).format(emoji=category["emoji"], label=category["label"])


def clean_text(text: str) -> str:
    """Trim a win's text; keep the member's own line breaks and formatting."""
    return text.strip()[:MAX_TEXT]


def display_text(text: str) -> str:
    """A win's words as they are shown: a masked link shows where it really goes, 'label (address)'."""
    for _ in range(5):  # nested brackets can hide a second link inside the first
        unmasked = MASKED_LINK.sub(lambda m: f"{m[1].strip()} ({m[2]})" if m[1].strip() else m[2], text)
        if unmasked == text:
            break
        text = unmasked
    return text.replace("](", "] (")  # whatever is left can't become a link either


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """One line of a win for the digest, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


# ----------------------------------------------------------------- posting policy


def cooldown_ends(last_posted: datetime | None, now: datetime, cooldown: timedelta) -> datetime | None:
    """When the member may post again, if their last post is still inside the cooldown; else None."""
    if last_posted is None or now >= last_posted + cooldown:
        return None
    return last_posted + cooldown


def may_remove(presser_id: int, presser_guild_id: int | None, manage_messages: bool, win: Win) -> bool:
    """The author may always take their win down; otherwise Manage Messages in that server's channel is needed."""
    if presser_id == win.user_id:
        return True
    return presser_guild_id == win.guild_id and manage_messages


def prefill(source: str, went_well: str | None) -> tuple[str, str] | None:
    """Text and category a 'Share as a win' button starts from; None when its source is unknown or gone.

    `went_well` is the reflection's answer, or a finished plan item's words for "plan" (None when the source is
    gone; unused for a nudge or an offer).
    """
    share = words()["share"]
    if source == "nudge":
        return share["nudge_prefill"], share["nudge_category"]
    if source == "plan" and went_well is not None:
        return share["plan_prefill"].format(item=clean_text(went_well)), share["plan_category"]
    if source == "offer":  # no company or role: the post is public, the member adds them if they want to
        return share["offer_prefill"], share["offer_category"]
    if source == "reflection" and went_well is not None:
        return clean_text(went_well) or share["reflection_fallback"], share["reflection_category"]
    return None


def digest_is_repeat(last_posted: datetime | None, now: datetime) -> bool:
    """A digest already went out less than a week ago (a double fire after a restart or a clock fix)."""
    return last_posted is not None and now - last_posted < DIGEST_MIN_GAP


# ----------------------------------------------------------------- milestones


def milestone_for(count: int, thresholds: Sequence[int], every_after: int) -> int | None:
    """The milestone `count` lands on, if any: a listed threshold, or each `every_after` past the last one."""
    if count in thresholds:
        return count
    last = max(thresholds, default=0)
    if every_after > 0 and count > last and count % every_after == 0:
        return count
    return None


def milestone_reached(kind: str, count: int) -> int | None:
    """The milestone of this kind ('wins' shared, 'shots' taken) that `count` lands on, from data/wins.toml."""
    table = words()["milestones"]
    return milestone_for(count, table[f"{kind}_thresholds"], table[f"{kind}_every"])


def milestone_text(kind: str, count: int) -> str:
    """The private word for a milestone (wins shared, or shots taken)."""
    table = words()["milestones"][kind]
    return str(table.get(str(count), table["other"])).format(count=count)


# ----------------------------------------------------------------- the weekly digest's words


def digest_description(summary: WeekSummary, week_number: int, *, show_checkins: bool = True) -> str:
    """The digest's body: counts only. The check-in count is left out when turned off or too small to hide anyone."""
    text = words()["digest"]
    intro: list[str] = text["intro"]
    outro: list[str] = text["outro"]
    # Rotating by week number means the wording never repeats two weeks running.
    lines = [intro[week_number % len(intro)]]
    counts: list[str] = []
    if summary.wins_shared:
        counts.append("🎉 " + plural(text["wins_line"], summary.wins_shared))
    checkins = summary.members_checked_in if show_checkins else 0
    if checkins < int(text["checkins_min_count"]):
        checkins = 0
    if checkins:
        counts.append("🤝 " + plural(text["checkins_line"], checkins))
    if counts:
        lines.append("\n".join(counts))
        if checkins:
            lines.append(text["checkins_note"])
    else:
        lines.append(text["quiet"])
    lines.append(outro[week_number % len(outro)])
    return "\n\n".join(lines)


def highlight_line(item: Highlight, guild_id: int) -> str:
    """'📅 Got an interview · <@id>: “…” (link)'; mentions inside embeds never ping."""
    link = ""
    if item.channel_id and item.message_id:
        link = f" [↗](https://discord.com/channels/{guild_id}/{item.channel_id}/{item.message_id})"
    return f"{category_title(item.category)} · <@{item.user_id}>: “{excerpt(display_text(item.text))}”{link}"
