"""`/progress`: a private dashboard of shots taken, reflections, feedback, practice, wins, streak and a chart."""

from __future__ import annotations

import io
import logging
import random
import re
from datetime import date, datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.charts import ChartInput, ChartPoint, heaviness, mood_group, mood_heaviness, render_progress_chart_async
from bot.client import BouncebackBot, Interaction
from bot.content import load_content, plural
from bot.observations import CheckinFacts, MemberFacts, load_themes, observe
from bot.storage.progress import ProgressData, ProgressRepository
from bot.streaks import FILL_WINDOW_DAYS, Streak, current_streak
from bot.ui import CALM, BaseModal, MemberCooldown, guarded, refuse_if_not_owner, reply, untracked

log = logging.getLogger(__name__)

CHART_FILENAME = "progress.png"
PROGRESS_COOLDOWN_SECONDS = 20
FILL_ID = r"progress:fill:(?P<day>\d{8}):(?P<owner_id>\d+)"
NOT_YOURS = "This button belongs to someone else's progress page, so it won't do anything for you. Try `/progress`."


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
    value = text["one"] if streak.days == 1 else text["many"].format(days=streak.days)
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
    return str(text["one"] if days == 1 else text["many"].format(days=days))


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
        points=points, now=now, zone=data.zone, words=chart_words,
        reflections=tuple(data.reflections or ()), wins=tuple(data.wins or ()),
        unrated_rejections=tuple(r.at for r in data.rejections if r.intensity is None),
    )


def weight(feeling: str | None, intensity: int | None) -> int | None:
    """A check-in's heaviness (1 light to 5 heavy), as on the chart."""
    if intensity is None:
        return None
    return heaviness(intensity, words()["chart"]["feeling_group"].get(feeling or "", "unknown"))


def observation_lines(data: ProgressData) -> list[str]:
    """One or two observations from the member's own data, already worded."""
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
    found = observe(facts, load_themes(text["themes"]), feeling_labels=labels)
    return [observation.render(text["observations"]) for observation in found]


def empty_embed() -> discord.Embed:
    """What a brand-new member sees: kind, and a few ways to start."""
    text = words()
    embed = discord.Embed(
        title=text["empty_title"], description=f"{random.choice(text['empty'])}\n\n{text['empty_steps']}", colour=CALM
    )
    embed.set_footer(text=text["footer"])
    return embed


async def dashboard_embed(bot: BouncebackBot, user_id: int, data: ProgressData, streak: Streak) -> discord.Embed:
    """The figures, the streak and the observations, with the chart as the embed's image."""
    text = words()
    fields = text["fields"]
    intro = await bot.wording.pick(user_id, "progress_intro", text["intros"])
    embed = discord.Embed(title=text["title"], description=intro, colour=CALM)
    embed.add_field(name=fields["shots"], value=fields["shots_value"].format(count=data.shots), inline=False)
    if data.reflections is not None:
        embed.add_field(name=fields["reflections"], value=str(len(data.reflections)))
    if data.feedback is not None:
        feedback = data.feedback
        embed.add_field(
            name=fields["feedback"],
            value=fields["feedback_value"].format(asked=feedback.asked, replied=feedback.replied,
                                                  ghosted=feedback.ghosted),
        )
    if data.practice_sessions is not None:
        embed.add_field(name=fields["practice"], value=str(data.practice_sessions))
    if data.wins is not None:
        embed.add_field(name=fields["wins"], value=str(len(data.wins)))
    embed.add_field(name=fields["streak"], value=streak_text(streak), inline=False)
    last = data.last_rejection_at
    if last is not None:
        embed.add_field(name=fields["since"], value=since_text(last, bot.now(), data), inline=False)
    lines = observation_lines(data)
    if lines:
        embed.add_field(name=fields["observations"], value="\n\n".join(lines)[:1024], inline=False)
    embed.set_image(url=f"attachment://{CHART_FILENAME}")
    embed.set_footer(text=text["footer"])
    return embed


def today_for(bot: BouncebackBot, data: ProgressData) -> date:
    """The member's local date now."""
    return bot.now().astimezone(data.zone).date()


class FillInButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=FILL_ID):
    """"Fill in yesterday": log how a missed day felt, afterwards, so a slip doesn't cost the streak."""

    def __init__(self, day: date, owner_id: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or words()["fill"]["button"].format(day=day.isoformat()),
                emoji="🗓️", style=discord.ButtonStyle.secondary,
                custom_id=f"progress:fill:{day:%Y%m%d}:{owner_id}",
            )
        )
        self.day = day
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FillInButton:
        """Rebuild from a custom id (works after a restart)."""
        return cls(datetime.strptime(match["day"], "%Y%m%d").date(), int(match["owner_id"]))  # noqa: DTZ007

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Open the fill-in modal, if that day can still be filled in."""
        if await refuse_if_not_owner(interaction, self.owner_id, NOT_YOURS):
            return
        bot = interaction.client
        repo = ProgressRepository(bot.database, bot.cipher)
        data = await repo.load(self.owner_id)
        today = today_for(bot, data)
        text = words()["fill"]
        label = day_label(self.day, today)
        if not 1 <= (today - self.day).days <= FILL_WINDOW_DAYS:
            await reply(interaction, text["too_old"])
            return
        if self.day in data.checkin_days():
            await reply(interaction, text["already"].format(day=label))
            return
        await interaction.response.send_modal(FillInModal(self.day, self.owner_id, label))


class FillInModal(BaseModal):
    """How a missed day felt: the feeling and how strong it was."""

    def __init__(self, day: date, owner_id: int, label: str) -> None:
        text = words()["fill"]
        super().__init__(title=text["modal_title"].format(day=label)[:45],
                         custom_id=f"progress:fillmodal:{day:%Y%m%d}:{owner_id}")
        self.day = day
        self.owner_id = owner_id
        self.label = label
        self.feeling: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="feeling", min_values=1, max_values=1, required=True,
            options=[
                discord.SelectOption(label=f["label"], value=f["key"], emoji=f["emoji"])
                for f in feelings().values()
            ],
        )
        self.intensity: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="intensity", min_values=1, max_values=1, required=True,
            options=[
                discord.SelectOption(label=label, value=str(level))
                for level, label in {1: "1 · a little", 2: "2", 3: "3", 4: "4", 5: "5 · a lot"}.items()
            ],
        )
        self.add_item(discord.ui.Label(text=text["feeling_label"], component=self.feeling))
        self.add_item(discord.ui.Label(text=text["intensity_label"], component=self.intensity))

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Store the filled-in day and show the streak it keeps."""
        bot = interaction.client
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


class ProgressCog(commands.Cog):
    """The private `/progress` dashboard."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.repository = ProgressRepository(bot.database, bot.cipher)
        self.cooldown = MemberCooldown(PROGRESS_COOLDOWN_SECONDS)

    async def cog_load(self) -> None:
        """Register the persistent fill-in button."""
        self.bot.add_dynamic_items(FillInButton)

    async def cog_unload(self) -> None:
        """Withdraw the persistent fill-in button."""
        self.bot.remove_dynamic_items(FillInButton)

    @commands.Cog.listener()
    async def on_member_data_erased(self, user_id: int) -> None:
        """Forget when the member last drew their chart, too."""
        self.cooldown.forget(user_id)

    @app_commands.command(name="progress", description="Your private progress: shots taken, streak, wins and a chart")
    async def progress(self, interaction: Interaction) -> None:
        """Show the member's dashboard (only to them), with a chart of how their check-ins felt."""
        user_id = interaction.user.id
        wait = self.cooldown.retry_after(user_id, self.bot.now())
        if wait is not None:  # drawing the chart is the heaviest thing the bot does
            await reply(interaction, plural(load_content("progress")["cooldown"]["text"], wait))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.repository.load(user_id)
        if data.is_empty:
            await reply(interaction, embed=empty_embed())
            return
        now = self.bot.now()
        today = today_for(self.bot, data)
        streak = current_streak(data.checkin_days(), today)
        embed = await dashboard_embed(self.bot, user_id, data, streak)
        png = await render_progress_chart_async(chart_input(data, now))
        chart = discord.File(io.BytesIO(png), filename=CHART_FILENAME, description=words()["chart_alt"])
        extra: dict[str, Any] = {}
        if streak.fillable_day is not None:
            label = words()["fill"]["button"].format(day=day_label(streak.fillable_day, today))
            view = discord.ui.View(timeout=None)
            view.add_item(FillInButton(streak.fillable_day, user_id, label[:80]))
            extra["view"] = untracked(view)
        await reply(interaction, embed=embed, file=chart, **extra)


async def setup(bot: BouncebackBot) -> None:
    """Load the progress cog."""
    await bot.add_cog(ProgressCog(bot))
