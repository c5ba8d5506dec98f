"""The weekly digest: one cron job per server, the post itself, and re-drawing it without someone's wins."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import discord

from bot.client import BouncebackBot
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository
from bot.storage.userdata import ErasureOutcome
from bot.ui import NO_MENTIONS, WIN
from cogs.wins.logic import HIGHLIGHTS, WEEK, digest_description, digest_is_repeat, highlight_line, words
from cogs.wins.store import DigestRecord, WeekSummary, WinRepository, jump_link

log = logging.getLogger(__name__)

DIGEST_MISFIRE_GRACE = timedelta(hours=1)


def digest_embed(summary: WeekSummary, guild_id: int, week_number: int, *, show_checkins: bool = True) -> discord.Embed:
    """The weekly digest: counts only, plus a few wins their authors shared with their names."""
    text = words()["digest"]
    description = digest_description(summary, week_number, show_checkins=show_checkins)
    embed = discord.Embed(title=text["title"], description=description, colour=WIN)
    if summary.highlights:
        embed.add_field(
            name=text["highlights_title"],
            value="\n".join(highlight_line(item, guild_id) for item in summary.highlights)[:1024],
            inline=False,
        )
    return embed


def job_id(guild_id: int) -> str:
    """The scheduler's name for a server's digest job."""
    return f"digest:{guild_id}"


class Digests:
    """Every server's weekly digest: scheduled from its settings, posted, and kept free of erased members."""

    def __init__(self, bot: BouncebackBot, wins: WinRepository, guild_settings: GuildSettingsRepository) -> None:
        self.bot = bot
        self.wins = wins
        self.guild_settings = guild_settings
        self._job_ids: set[str] = set()

    async def schedule_all(self) -> None:
        """Schedule the digest of every server that has it on."""
        for settings in await self.guild_settings.with_digest_enabled():
            self.schedule(settings)

    def schedule(self, settings: GuildSettings) -> None:
        """(Re)build one server's weekly cron job from its settings, in its own time zone."""
        if not settings.digest_enabled:
            self.cancel(settings.guild_id)
        else:
            guild_id = settings.guild_id
            # Every process of the bot schedules every server's digest; the lease has one of them post it.
            self.bot.scheduler.cron(
                job_id(guild_id),
                settings.digest_trigger(),
                lambda: self._run(guild_id),
                grace=DIGEST_MISFIRE_GRACE,
                once_across_cluster=True,
            )
            self._job_ids.add(job_id(guild_id))
        self.bot.dispatch("digest_rescheduled", settings.guild_id)

    def cancel(self, guild_id: int) -> None:
        """Stop one server's digest job."""
        self.bot.scheduler.cancel_job(job_id(guild_id))
        self._job_ids.discard(job_id(guild_id))

    def cancel_all(self) -> None:
        """Stop every digest job (the cog is unloading)."""
        for name in list(self._job_ids):
            self.bot.scheduler.cancel_job(name)
        self._job_ids.clear()

    async def _run(self, guild_id: int) -> None:
        try:
            await self.post(guild_id, self.bot.now())
        except Exception:  # a failed digest must not take the scheduler down; next week tries again
            log.exception("weekly digest for guild %s failed", guild_id)

    async def post(self, guild_id: int, now: datetime) -> discord.Message | None:
        """Post the week ending `now` in the server's wins channel: counts only, a few named wins to celebrate."""
        settings = await self.guild_settings.get(guild_id)
        if not settings.digest_enabled or settings.wins_channel_id is None:
            log.info("digest for guild %s skipped: off or no wins channel", guild_id)
            return None
        last = settings.digest_last_posted_at
        if digest_is_repeat(last, now):
            log.info("digest for guild %s already posted at %s", guild_id, last.isoformat() if last else None)
            return None
        summary = await self.wins.week_summary(guild_id, now - WEEK, now, highlights=HIGHLIGHTS)
        embed = digest_embed(summary, guild_id, now.isocalendar().week, show_checkins=settings.digest_checkins_line)
        channel = self.bot.get_partial_messageable(settings.wins_channel_id, guild_id=guild_id)
        try:
            message = await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.warning("could not post the digest in guild %s: %s", guild_id, error)
            return None
        await self.guild_settings.mark_digest_posted(guild_id, now)
        await self.wins.record_digest(
            guild_id=guild_id,
            channel_id=settings.wins_channel_id,
            message_id=message.id,
            week_number=now.isocalendar().week,
            summary=summary,
            show_checkins=settings.digest_checkins_line,
            now=now,
        )
        return message

    async def drop(self, user_id: int, outcome: ErasureOutcome, win_id: int | None = None) -> None:
        """Re-draw the digests that quote the member (or just one of their wins) without them.

        A digest that can't be edited is taken down instead, later if need be (a tombstone, as for posts).
        """
        for record in await self.wins.digests_quoting(user_id):
            dropped = [w for w, u in record.quoted if (w == win_id if win_id is not None else u == user_id)]
            if not dropped:
                continue
            kept = [w for w, _ in record.quoted if w not in dropped]
            if await self._redraw(record, kept):
                outcome.add("digests")
            else:
                await self.wins.add_takedown(record.guild_id, record.channel_id, record.message_id, self.bot.now())
                outcome.still_up.append(jump_link(record.guild_id, record.channel_id, record.message_id))
            await self.wins.drop_quotes(record.id, dropped)

    async def _redraw(self, record: DigestRecord, win_ids: list[int]) -> bool:
        highlights = [item for item in [await self.wins.highlight(w) for w in win_ids] if item is not None]
        summary = WeekSummary(record.wins_shared, record.members_checked_in, highlights)
        embed = digest_embed(summary, record.guild_id, record.week_number, show_checkins=record.show_checkins)
        channel = self.bot.get_partial_messageable(record.channel_id, guild_id=record.guild_id)
        try:
            await channel.get_partial_message(record.message_id).edit(embed=embed, allowed_mentions=NO_MENTIONS)
        except discord.NotFound:
            log.info("digest %s was already deleted", record.id)
        except discord.HTTPException as error:
            log.warning("could not edit digest %s: %s", record.id, error)
            return False
        return True
