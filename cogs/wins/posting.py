"""From draft to post: where a win goes, its preview, posting it (or keeping the draft and saying why),
the private milestones, and taking a post down again."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.components import StaticView
from bot.delete_one import delete_this_button
from bot.readmodel import logged_offer, plan_item_text, reflection_went_well
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository, missing_channel_permissions
from bot.ui import NO_MENTIONS, WIN, reply
from cogs.wins.logic import CELEBRATION, cooldown_ends, milestone_reached, milestone_text, prefill, words
from cogs.wins.store import Win, WinRepository
from cogs.wins.views import post_view, preview_view, win_embed

log = logging.getLogger(__name__)


@dataclass
class Destination:
    """Where a draft would be posted: a server and its wins channel, several servers to choose from, or nowhere."""

    guild: discord.Guild | None = None
    guild_id: int | None = None
    channel_id: int | None = None
    choices: list[discord.Guild] = field(default_factory=list)


class Sharing:
    """Previews, posting, milestones and take-downs, for the /win command and the wins components."""

    def __init__(self, bot: BouncebackBot, wins: WinRepository, guild_settings: GuildSettingsRepository) -> None:
        self.bot = bot
        self.wins = wins
        self.guild_settings = guild_settings
        self._posting: set[int] = set()

    # ----------------------------------------------------------------- previews

    async def destination(self, interaction: Interaction, win: Win) -> Destination:
        """Where this draft goes: the server it was written in, or the member's one server with a wins channel."""
        guild_id = interaction.guild_id or win.guild_id
        if guild_id is not None:
            settings = await self.guild_settings.get(guild_id)
            return Destination(self.bot.get_guild(guild_id), guild_id, settings.wins_channel_id)
        candidates: list[tuple[discord.Guild, GuildSettings]] = []
        for settings in await self.guild_settings.with_wins_channel():
            guild = self.bot.get_guild(settings.guild_id)
            if guild is not None and await self.is_member(guild, win.user_id):
                candidates.append((guild, settings))
        if len(candidates) == 1:
            guild, settings = candidates[0]
            await self.wins.set_guild(win.id, win.user_id, guild.id, self.bot.now())
            return Destination(guild, guild.id, settings.wins_channel_id)
        return Destination(choices=[guild for guild, _ in candidates][:25])

    async def is_member(self, guild: discord.Guild, user_id: int) -> bool:
        """Whether the member is (still) in the server; a failed lookup counts as no."""
        if guild.get_member(user_id) is not None:
            return True
        try:
            await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        except discord.HTTPException as error:
            log.warning("could not check membership in guild %s: %s", guild.id, error)
            return False
        return True

    async def render_preview(
        self,
        interaction: Interaction,
        win: Win,
        *,
        note: str | None,
        saved: Win | None = None,
        held: str | None = None,
    ) -> dict[str, Any]:
        """Message parts for a preview: what will be posted and where, Post / Edit / Cancel.

        `held` says why a pressed Post is waiting; it leads, in place of the intro about pressing Post.
        """
        share = words()["share"]
        where = await self.destination(interaction, win)
        lines = [held or await self.bot.wording.pick(win.user_id, "win_preview", share["preview_intro"])]
        if where.channel_id is not None and where.guild is not None:
            lines.append(share["where_line"].format(channel=f"<#{where.channel_id}>", guild=where.guild.name))
        elif where.choices:
            lines.append(share["choose_guild"])
        elif where.guild_id is None:
            lines.append(share["nowhere_line"])
        if note:
            lines.append(note)
        lines = list(dict.fromkeys(lines))  # a held reason can be the same words as the where line
        assessment = await self.bot.care.assess(interaction, win.user_id, win.text)
        if assessment.needs_care:
            # Nothing in crisis reaches the community: the draft stays private, with support and no Post button.
            care = await self.bot.care.reply_parts(interaction, assessment, owner_id=win.user_id)
            return {"content": care_words()["quiet"]["win_held"], "embeds": care.embeds, "view": care.view()}
        embeds = [win_embed(win, interaction.user)]
        return {
            "content": "\n\n".join(lines),
            "embeds": embeds,
            "view": preview_view(win, saved=saved, choices=where.choices if len(where.choices) > 1 else None),
        }

    async def show_new_preview(self, interaction: Interaction, win: Win) -> None:
        """Answer with a fresh preview message (from a share button or the write-a-win modal)."""
        await reply(interaction, **await self.render_preview(interaction, win, note=None))

    async def prefill(self, source: str, source_id: int, owner_id: int) -> tuple[str, str] | None:
        """Text and category for a 'Share as a win' button; None if the source row is gone."""
        went_well = None
        if source == "reflection":
            went_well = await reflection_went_well(self.bot.database, self.bot.cipher, source_id, owner_id)
        elif source == "plan":  # "Draft it as a win" after finishing a plan item
            went_well = await plan_item_text(self.bot.database, self.bot.cipher, owner_id, source_id)
        elif source == "offer" and not await logged_offer(self.bot.database, source_id, owner_id):
            return None  # the offer logged with /log is gone (deleted with their data)
        return prefill(source, went_well)

    # ----------------------------------------------------------------- posting

    async def post(self, interaction: Interaction, win_id: int, owner_id: int) -> None:
        """Post a draft: cooldown, channel and permission checks; the draft is kept whenever it can't go up."""
        await interaction.response.defer()
        share = words()["share"]
        win = await self.wins.get(win_id)
        if win is None or win.user_id != owner_id or win.state == "removed":
            await interaction.edit_original_response(content=share["gone"], embeds=[], view=None)
            return
        if win.state == "posted":
            text = share["already_posted"].format(channel=f"<#{win.channel_id}>")
            await interaction.edit_original_response(content=text, embeds=[], view=None)
            return
        if win_id in self._posting:
            return
        self._posting.add(win_id)
        try:
            await self._post_draft(interaction, win)
        finally:
            self._posting.discard(win_id)

    async def _post_draft(self, interaction: Interaction, win: Win) -> None:
        share = words()["share"]
        if self.bot.safety.assess(win.text).needs_care:
            await interaction.edit_original_response(**await self.render_preview(interaction, win, note=None))
            return
        now = self.bot.now()
        cooldown = timedelta(seconds=self.bot.settings.win_cooldown_seconds)
        # Claimed in one conditional UPDATE, so several drafts posted at once can't all slip past the cooldown.
        if not await self.wins.claim_post_slot(win.id, win.user_id, now, cooldown):
            ends = cooldown_ends(await self.wins.last_posted_at(win.user_id), now, cooldown)
            if ends is None:
                await interaction.edit_original_response(content=share["gone"], embeds=[], view=None)
                return
            await self._keep_draft(interaction, win, share["cooldown"].format(when=discord_timestamp(ends, "R")))
            return
        posted = False
        try:
            posted = await self._send_post(interaction, win, now)
        finally:
            if not posted:
                await self.wins.release_post_slot(win.id, win.user_id)

    async def _send_post(self, interaction: Interaction, win: Win, now: datetime) -> bool:
        """Post a draft whose slot is claimed; True once it is up."""
        share = words()["share"]
        where = await self.destination(interaction, win)
        if where.guild_id is None:
            note = share["choose_guild"] if where.choices else share["nowhere_line"]
            await self._keep_draft(interaction, win, note)
            return False
        admin = isinstance(interaction.user, discord.Member) and interaction.user.guild_permissions.manage_guild
        if where.channel_id is None:
            note = share["no_channel"] + (f"\n{share['no_channel_admin']}" if admin else "")
            await self._keep_draft(interaction, win, note)
            return False
        channel = self.bot.get_partial_messageable(
            where.channel_id, guild_id=where.guild_id, type=discord.ChannelType.text
        )
        cheers = await self.wins.cheer_count(win.id)
        try:
            message = await channel.send(
                embed=win_embed(win, interaction.user),
                view=post_view(win.id, cheers),
                allowed_mentions=NO_MENTIONS,
                nonce=f"win-{win.id}",
            )
        except discord.NotFound:
            await self._keep_draft(interaction, win, share["channel_gone"])
            return False
        except discord.Forbidden:
            missing = await self.missing_permissions(where.guild_id, where.channel_id)
            detail = share["missing_detail"].format(missing=missing) if missing else ""
            note = share["missing_permission"].format(channel=f"<#{where.channel_id}>", missing=detail)
            await self._keep_draft(interaction, win, note + (f"\n{share['missing_permission_admin']}" if admin else ""))
            return False
        if not await self.wins.mark_posted(
            win.id, win.user_id, guild_id=where.guild_id, channel_id=where.channel_id, message_id=message.id, now=now
        ):
            # Deleted while it was being posted (e.g. /mydata delete): it must not stay up without a record.
            await self.take_down_message(where.guild_id, where.channel_id, message.id)
            await interaction.edit_original_response(content=share["gone"], embeds=[], view=None)
            return False
        if await self.bot.care.active(win.user_id):
            # A hard day for them: the win is up, said plainly, with no 🎉 and no milestone.
            text = share["posted_quietly"]
        else:
            await self.add_celebration(message, where.channel_id)
            text = await self.bot.wording.pick(win.user_id, "win_posted", share["posted"])
        view = StaticView(delete_this_button("win", win.id, win.user_id))
        await interaction.edit_original_response(
            content=text.format(channel=f"<#{where.channel_id}>"), embeds=[win_embed(win, interaction.user)], view=view
        )
        await self.celebrate_milestone(interaction, win.user_id)
        return True

    async def add_celebration(self, message: discord.Message, channel_id: int) -> None:
        """Add the bot's 🎉 under a new post; a missing Add Reactions permission is not worth failing over."""
        try:
            await message.add_reaction(CELEBRATION)
        except discord.HTTPException as error:
            log.info("could not add the celebration reaction in channel %s: %s", channel_id, error)

    async def _keep_draft(self, interaction: Interaction, win: Win, note: str) -> None:
        """Explain why the win didn't go up; the preview and its buttons stay, so it can be posted later."""
        await self.wins.touch(win.id, win.user_id, self.bot.now())
        await interaction.edit_original_response(**await self.render_preview(interaction, win, note=None, held=note))

    async def missing_permissions(self, guild_id: int, channel_id: int) -> str:
        """Name the permissions the bot lacks in a channel, e.g. '**Send Messages** and **Embed Links**'."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return ""
        try:
            channel = await guild.fetch_channel(channel_id)
        except discord.HTTPException:
            # Without View Channel the bot can't even read the channel's settings.
            return "**View Channel**"
        return missing_channel_permissions(channel.permissions_for(guild.me))

    # ----------------------------------------------------------------- milestones

    async def celebrate_milestone(self, interaction: Interaction, user_id: int) -> None:
        """A private word at the 1st, 5th, 10th… win shared."""
        reached = milestone_reached("wins", await self.wins.shared_count(user_id))
        now = self.bot.now()
        if reached is None or await self.bot.care.active(user_id):
            return
        if not await self.wins.reach_milestone(user_id, "wins", reached, now):
            return
        embed = discord.Embed(description=milestone_text("wins", reached), colour=WIN)
        await reply(interaction, embed=embed)
        await self.wins.mark_milestone_delivered(user_id, "wins", reached, now)

    async def count_shot(self, user_id: int) -> None:
        """A rejection was logged: at a 'shots taken' milestone, say so privately by DM (or at the next /win)."""
        reached = milestone_reached("shots", await self.bot.checkins.count(user_id))
        now = self.bot.now()
        if reached is None or await self.bot.care.active(user_id):
            return  # no milestones on a hard day
        if not await self.wins.reach_milestone(user_id, "shots", reached, now):
            return
        if await self.bot.delivery.is_unreachable(user_id):
            return  # kept for their next /win
        result = await self.bot.delivery.send_dm(user_id, embed=shots_embed(reached), nonce=f"shots-{reached}")
        if result.sent:
            await self.wins.mark_milestone_delivered(user_id, "shots", reached, now)

    async def deliver_pending_shots(self, interaction: Interaction) -> None:
        """Tell a member, privately, about a 'shots taken' milestone their DMs didn't let through."""
        user_id = interaction.user.id
        pending = await self.wins.undelivered_milestones(user_id, "shots")
        if not pending or await self.bot.care.active(user_id):
            return
        # Only the biggest one matters now; the smaller ones are history.
        await reply(interaction, embed=shots_embed(pending[-1]))
        now = self.bot.now()
        for threshold in pending:
            await self.wins.mark_milestone_delivered(user_id, "shots", threshold, now)

    # ----------------------------------------------------------------- taking posts down

    async def refresh_post(self, win: Win) -> None:
        """Update a post's cheer count (after cheers were withdrawn); tolerate a post that is gone."""
        if win.channel_id is None or win.message_id is None:
            return
        channel = self.bot.get_partial_messageable(win.channel_id, guild_id=win.guild_id)
        try:
            cheers = await self.wins.cheer_count(win.id)
            await channel.get_partial_message(win.message_id).edit(view=post_view(win.id, cheers))
        except discord.HTTPException as error:
            log.info("could not refresh the cheer count of win %s: %s", win.id, error)

    async def take_down(self, win: Win) -> bool:
        """Delete a posted win's message and mark it removed; a message already gone counts as taken down."""
        if (
            win.channel_id is not None
            and win.message_id is not None
            and not await self.take_down_message(win.guild_id, win.channel_id, win.message_id)
        ):
            return False
        await self.wins.mark_removed(win.id, self.bot.now())
        return True

    async def take_down_message(self, guild_id: int | None, channel_id: int, message_id: int) -> bool:
        """Delete one of the bot's messages in a channel; True when it is gone (already gone counts)."""
        try:
            await self.bot.http.delete_message(channel_id, message_id)
        except discord.NotFound:
            log.info("message %s in channel %s was already deleted", message_id, channel_id)
        except discord.HTTPException as error:
            log.warning("could not delete message %s in guild %s: %s", message_id, guild_id, error)
            return False
        return True


def shots_embed(count: int) -> discord.Embed:
    """The private 'shots taken' milestone: a count of courage, not of failure."""
    embed = discord.Embed(description=milestone_text("shots", count), colour=WIN)
    embed.set_footer(text=words()["milestones"]["shots"]["dm_footer"])
    return embed
