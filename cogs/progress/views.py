"""What `/progress` shows: the dashboard embed, the chart's data, and "Fill in yesterday" with its form."""

from __future__ import annotations

import logging
import random
from datetime import date, datetime, timedelta
from typing import Any

import discord

from bot.client import BouncebackBot, Interaction
from bot.components import OwnedButton, StaticView
from bot.content import load_content, plural
from bot.scale import INTENSITY_LABELS
from bot.ui import CALM, BaseModal, reply
from cogs.progress.charts import ChartInput, ChartPoint, heaviness, mood_group, mood_heaviness
from cogs.progress.funnel import funnel, funnel_text
from cogs.progress.observations import MAX_OBSERVATIONS, CheckinFacts, MemberFacts, load_themes, observe
from cogs.progress.store import ProgressData, ProgressRepository
from cogs.progress.streaks import FILL_WINDOW_DAYS, Streak, current_streak

log = logging.getLogger(__name__)

CHART_FILENAME = "progress.png"


def words() -> dict[str, Any]:
    """The dashboard's wording, from data/progress.toml."""
    return load_content("progress")


def feelings() -> dict[str, dict[str, str]]:
    """The check-in feelings by key (shared with `/rejected`)."""
    return {feeling["key"]: feeling for feeling in load_content("checkin")["feelings"]}


def day_label(day: date, today: date) -> str:
    """'yesterday', or 'Tuesday 3 Nov' for an older day."""
    if day == today - timedelta(days=1):
        return "yesterday"
    return f"{day:%A} {day.day} {day:%b}"


def streak_text(streak: Streak) -> str:
    """The streak field: days, whether grace was used, and what would keep it going."""
    text = words()["streak"]
    if not streak.active:
        return str(text["none"])
    value = plural({"one": text["one"], "other": text["other"]}, streak.days)
    if streak.graces_used:
        value += text["grace"]
    if streak.checked_in_today:
        value += text["today_done"]
    elif streak.at_risk:
        value += text["at_risk"]
    return str(value)


def since_text(last: datetime, now: datetime, data: ProgressData) -> str:
    """Whole local days since the last logged rejection."""
    days = (now.astimezone(data.zone).date() - last.astimezone(data.zone).date()).days
    text = words()["since"]
    if days <= 0:
        return str(text["today"])
    return plural({"one": text["one"], "other": text["other"]}, days)


def chart_input(data: ProgressData, now: datetime) -> ChartInput:
    """Turn the member's timelines into plain chart data."""
    chart_words = words()["chart"]
    groups: dict[str, str] = chart_words["feeling_group"]
    points = []
    for point in data.moods:
        if point.intensity is None:
            continue
        if point.source == "mood":
            points.append(ChartPoint(point.at, mood_heaviness(point.intensity), mood_group(point.intensity), "mood"))
        else:
            group = groups.get(point.feeling or "", "unknown")
            points.append(ChartPoint(point.at, heaviness(point.intensity, group), group, point.source))
    return ChartInput(
        points=points,
        now=now,
        zone=data.zone,
        words=chart_words,
        reflections=tuple(data.reflections or ()),
        wins=tuple(data.wins or ()),
        unrated_rejections=tuple(r.at for r in data.rejections if r.intensity is None),
    )


def weight(feeling: str | None, intensity: int | None) -> int | None:
    """A check-in's heaviness (1 light to 5 heavy), as on the chart."""
    if intensity is None:
        return None
    return heaviness(intensity, words()["chart"]["feeling_group"].get(feeling or "", "unknown"))


def observation_lines(data: ProgressData, quiet: frozenset[str] = frozenset()) -> list[str]:
    """One or two observations from the member's own data, already worded (leaving out the `quiet` kinds)."""
    text = words()
    facts = MemberFacts(
        checkins=[CheckinFacts(r.stage, r.feeling, weight(r.feeling, r.intensity)) for r in data.rejections],
        hard_questions=data.hard_questions,
        feedback_replied=data.feedback.replied if data.feedback else 0,
        feedback_ghosted=data.feedback.ghosted if data.feedback else 0,
        practice_sessions=data.practice_sessions or 0,
        wins_shared=len(data.wins or ()),
    )
    labels = {key: feeling["label"] for key, feeling in feelings().items()}
    found = observe(facts, load_themes(text["themes"]), feeling_labels=labels, limit=MAX_OBSERVATIONS + len(quiet))
    kept = [observation for observation in found if observation.key not in quiet][:MAX_OBSERVATIONS]
    return [observation.render(text["observations"]) for observation in kept]


def empty_embed() -> discord.Embed:
    """What a brand-new member sees: kind, and a few ways to start."""
    text = words()
    embed = discord.Embed(
        title=text["empty_title"], description=f"{random.choice(text['empty'])}\n\n{text['empty_steps']}", colour=CALM
    )
    embed.set_footer(text=text["footer"])
    return embed


async def dashboard_embed(
    bot: BouncebackBot,
    user_id: int,
    data: ProgressData,
    streak: Streak,
    quiet: frozenset[str] = frozenset(),
    care: bool = False,
) -> discord.Embed:
    """The figures, the streak and the observations (but the `quiet` kinds; none in care mode), with the chart."""
    text = words()
    fields = text["fields"]
    intro = await bot.wording.pick(user_id, "progress_intro", text["intros"])
    embed = discord.Embed(title=text["title"], description=intro, colour=CALM)
    journey = funnel(data.steps)
    shots = plural(fields["shots_journey_value"], journey.shots) if journey.logged else None
    embed.add_field(name=fields["shots"], value=shots or plural(fields["shots_value"], data.shots), inline=False)
    line = funnel_text(journey, text["funnel"])
    if line:
        embed.add_field(name=fields["funnel"], value=line, inline=False)
    if data.reflections is not None:
        embed.add_field(name=fields["reflections"], value=str(len(data.reflections)))
    if data.feedback is not None:
        feedback = data.feedback
        embed.add_field(
            name=fields["feedback"],
            value=fields["feedback_value"].format(
                asked=feedback.asked, replied=feedback.replied, ghosted=feedback.ghosted
            ),
        )
    if data.practice_sessions is not None:
        embed.add_field(name=fields["practice"], value=str(data.practice_sessions))
    if data.wins is not None:
        embed.add_field(name=fields["wins"], value=str(len(data.wins)))
    embed.add_field(name=fields["streak"], value=streak_text(streak), inline=False)
    last = data.last_rejection_at
    if last is not None:
        embed.add_field(name=fields["since"], value=since_text(last, bot.now(), data), inline=False)
    lines = [] if care else observation_lines(data, quiet)
    if lines:
        embed.add_field(name=fields["observations"], value="\n\n".join(lines)[:1024], inline=False)
    embed.set_image(url=f"attachment://{CHART_FILENAME}")
    embed.set_footer(text=text["footer"])
    return embed


def today_for(bot: BouncebackBot, data: ProgressData) -> date:
    """The member's local date now."""
    return bot.now().astimezone(data.zone).date()


class FillInButton(OwnedButton, prefix="progress:fill", fields=("day", "owner_id")):
    """ "Fill in yesterday": log how a missed day felt, afterwards, so a slip doesn't cost the streak.

    `day` is the local date as a number, YYYYMMDD (the custom id is `progress:fill:20261125:<owner_id>`).
    """

    emoji = "🗓️"
    not_yours = str(words()["fill"]["not_yours"])
    day: int
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Labelled with the date; `fill_view` relabels it relative to today ('Fill in yesterday')."""
        day = day_from_number(self.day)
        label = words()["fill"]["button"].format(day=day.isoformat() if day else self.day)
        return discord.ui.Button(label=label, emoji=self.emoji, style=self.style, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Open the fill-in modal, if that day can still be filled in."""
        bot = interaction.client
        data = await ProgressRepository(bot.database, bot.cipher).load(self.owner_id)
        today = today_for(bot, data)
        text = words()["fill"]
        day = day_from_number(self.day)
        if day is None or not 1 <= (today - day).days <= FILL_WINDOW_DAYS:
            await reply(interaction, text["too_old"])
            return
        label = day_label(day, today)
        if day in data.checkin_days():
            await reply(interaction, text["already"].format(day=label))
            return
        await interaction.response.send_modal(FillInModal(day, self.owner_id, label))


def day_from_number(number: int) -> date | None:
    """20261125 as a date; None if it is no date."""
    try:
        return datetime.strptime(f"{number:08d}", "%Y%m%d").date()  # noqa: DTZ007  (a calendar date)
    except ValueError:
        return None


def fill_view(day: date, today: date, owner_id: int) -> discord.ui.View:
    """The "Fill in yesterday" button under the dashboard."""
    button = FillInButton(int(f"{day:%Y%m%d}"), owner_id)
    button.item.label = words()["fill"]["button"].format(day=day_label(day, today))[:80]
    return StaticView(button)


class FillInModal(BaseModal):
    """How a missed day felt: the feeling and how strong it was."""

    def __init__(self, day: date, owner_id: int, label: str) -> None:
        text = words()["fill"]
        super().__init__(
            title=text["modal_title"].format(day=label)[:45], custom_id=f"progress:fillmodal:{day:%Y%m%d}:{owner_id}"
        )
        self.day = day
        self.owner_id = owner_id
        self.label = label
        self.feeling: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="feeling",
            min_values=1,
            max_values=1,
            required=True,
            options=[
                discord.SelectOption(label=f["label"], value=f["key"], emoji=f["emoji"]) for f in feelings().values()
            ],
        )
        self.intensity: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="intensity",
            min_values=1,
            max_values=1,
            required=True,
            options=[discord.SelectOption(label=label, value=str(level)) for level, label in INTENSITY_LABELS.items()],
        )
        self.add_item(discord.ui.Label(text=text["feeling_label"], component=self.feeling))
        self.add_item(discord.ui.Label(text=text["intensity_label"], component=self.intensity))

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Store the filled-in day and show the streak it keeps."""
        bot: BouncebackBot = interaction.client  # typed here: Modal.on_submit takes any client
        chosen = self.feeling.values[0] if self.feeling.values else None
        feeling = chosen if chosen in feelings() else None
        try:
            intensity: int | None = int((self.intensity.values or ["3"])[0])
        except ValueError:
            intensity = None
        if intensity is not None and not 1 <= intensity <= 5:
            intensity = None
        repo = ProgressRepository(bot.database, bot.cipher)
        text = words()["fill"]
        if not await repo.fill_in(self.owner_id, self.day, feeling, intensity, bot.now()):
            await reply(interaction, text["already"].format(day=self.label))
            return
        data = await repo.load(self.owner_id)
        streak = current_streak(data.checkin_days(), today_for(bot, data))
        await reply(interaction, text["saved"].format(day=self.label, streak=streak_text(streak).split("\n")[0]))
