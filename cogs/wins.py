"""`/win`: share good news in the server's wins channel — preview first, cheers, private milestones, weekly digest."""

from __future__ import annotations

import importlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.care import words as care_words
from bot.client import ASSESSES_OWN_TEXT, BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.content import load_content
from bot.delete_one import delete_this_button
from bot.storage.checkins import Checkin
from bot.storage.guild_settings import GuildSettings, GuildSettingsRepository, missing_channel_permissions
from bot.storage.userdata import ErasureOutcome
from bot.storage.wins import DigestRecord, Highlight, WeekSummary, Win, WinRepository, jump_link, milestone_for
from bot.text import has_visible, parse_id
from bot.ui import (
    NO_MENTIONS,
    SHARE_WIN_TEMPLATE,
    WIN,
    BaseModal,
    IntsFromCustomId,
    guarded,
    refuse_if_not_owner,
    reply,
    untracked,
)

log = logging.getLogger(__name__)

MAX_TEXT = 1000
EXCERPT = 160
WEEK = timedelta(days=7)
# A digest fired again within this span of the last one is a double fire (restart, clock fix), not a new week.
DIGEST_MIN_GAP = timedelta(days=6)
DIGEST_MISFIRE_GRACE = timedelta(hours=1)
HIGHLIGHTS = 3
CELEBRATION = "🎉"
TAKEDOWN_JOB_ID = "win-takedowns"
TAKEDOWN_RETRY_MINUTES = 15
# "[discord.com/gifts](https://evil.example)": the label can pretend to be any address.
MASKED_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"]*\")?\s*\)")

POST_ID = r"win:post:(?P<win_id>\d+):(?P<owner_id>\d+)"
EDIT_ID = r"win:edit:(?P<win_id>\d+):(?P<owner_id>\d+)"
CANCEL_ID = r"win:cancel:(?P<win_id>\d+):(?P<owner_id>\d+)"
DRAFT_ID = r"win:draft:(?P<win_id>\d+):(?P<owner_id>\d+)"
WHERE_ID = r"win:where:(?P<win_id>\d+):(?P<owner_id>\d+)"
CHEER_ID = r"win:cheer:(?P<win_id>\d+)"
REMOVE_ID = r"win:remove:(?P<win_id>\d+)"
REMOVE_OK_ID = r"win:removeok:(?P<win_id>\d+):(?P<user_id>\d+)"


def words() -> dict[str, Any]:
    """Everything the wins feature says, from data/wins.toml."""
    return load_content("wins")


def categories() -> dict[str, dict[str, str]]:
    """Win categories by key, in the data file's order."""
    return {category["key"]: category for category in words()["categories"]}


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


def win_embed(win: Win, author: discord.abc.User) -> discord.Embed:
    """The post exactly as the channel sees it: name and avatar (or 'A member'), category, the words."""
    embed = discord.Embed(title=category_title(win.category), description=display_text(win.text), colour=WIN)
    if win.anonymous:
        embed.set_author(name=words()["post"]["anonymous_name"])
    else:
        embed.set_author(name=author.display_name, icon_url=author.display_avatar.url)
    return embed


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """One line of a win for the digest, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def digest_embed(
    summary: WeekSummary, guild_id: int, week_number: int, *, show_checkins: bool = True
) -> discord.Embed:
    """The weekly digest: counts only, plus a few wins their authors shared with their names.

    The check-in count is left out when the server turned it off, or when it is too small to hide anyone.
    """
    text = words()["digest"]
    intro: list[str] = text["intro"]
    outro: list[str] = text["outro"]
    # Rotating by week number means the wording never repeats two weeks running.
    lines = [intro[week_number % len(intro)]]
    counts: list[str] = []
    if summary.wins_shared:
        form = text["wins_line"]["one" if summary.wins_shared == 1 else "many"]
        counts.append("🎉 " + form.format(count=summary.wins_shared))
    checkins = summary.members_checked_in if show_checkins else 0
    if checkins < int(text["checkins_min_count"]):
        checkins = 0
    if checkins:
        form = text["checkins_line"]["one" if checkins == 1 else "many"]
        counts.append("🤝 " + form.format(count=checkins))
    if counts:
        lines.append("\n".join(counts))
        if checkins:
            lines.append(text["checkins_note"])
    else:
        lines.append(text["quiet"])
    lines.append(outro[week_number % len(outro)])
    embed = discord.Embed(title=text["title"], description="\n\n".join(lines), colour=WIN)
    if summary.highlights:
        embed.add_field(
            name=text["highlights_title"],
            value="\n".join(highlight_line(item, guild_id) for item in summary.highlights)[:1024],
            inline=False,
        )
    return embed


def highlight_line(item: Highlight, guild_id: int) -> str:
    """'📅 Got an interview · <@id>: “…” (link)'; mentions inside embeds never ping."""
    link = ""
    if item.channel_id and item.message_id:
        link = f" [↗](https://discord.com/channels/{guild_id}/{item.channel_id}/{item.message_id})"
    return f"{category_title(item.category)} · <@{item.user_id}>: “{excerpt(display_text(item.text))}”{link}"


def milestone_text(kind: str, count: int) -> str:
    """The private word for a milestone (wins shared, or shots taken)."""
    table = words()["milestones"][kind]
    return str(table.get(str(count), table["other"])).format(count=count)


# ----------------------------------------------------------------- views


def preview_view(win: Win, *, saved: Win | None = None, choices: list[discord.Guild] | None = None) -> discord.ui.View:
    """Post / Edit / Cancel (plus 'open saved draft' and a server picker when they apply)."""
    view = discord.ui.View(timeout=None)
    if choices:
        view.add_item(WhereSelect(win.id, win.user_id, choices))
    view.add_item(PostButton(win.id, win.user_id))
    view.add_item(EditButton(win.id, win.user_id))
    view.add_item(CancelButton(win.id, win.user_id))
    if saved is not None:
        view.add_item(SavedDraftButton(saved.id, saved.user_id))
    return untracked(view)  # all DynamicItems: discord.py needn't keep (and time) each ephemeral preview


def post_view(win_id: int, cheers: int) -> discord.ui.View:
    """The buttons under a posted win: Cheer (with its count) and Remove."""
    view = discord.ui.View(timeout=None)
    view.add_item(CheerButton(win_id, cheers))
    view.add_item(RemoveButton(win_id))
    return view


@dataclass
class Destination:
    """Where a draft would be posted: a server and its wins channel, several servers to choose from, or nowhere."""

    guild: discord.Guild | None = None
    guild_id: int | None = None
    channel_id: int | None = None
    choices: list[discord.Guild] = field(default_factory=list)


class Wins(commands.Cog):
    """Sharing wins: drafts and previews, the post, cheers, removal, milestones, the weekly digest."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.wins = WinRepository(bot.database, bot.cipher)
        self.guild_settings = GuildSettingsRepository(bot.database)
        self._posting: set[int] = set()
        self._digest_job_ids: set[str] = set()

    async def cog_load(self) -> None:
        """Register the persistent buttons and the erasure hook; schedule every server's digest."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.register_erasure_hook("wins", self.erase_member)
        self.bot.register_deleter("win", self.delete_one)
        for settings in await self.guild_settings.with_digest_enabled():
            self.schedule_digest(settings)
        # Posts that must come down but couldn't yet (see erase_member) are retried until they are gone.
        self.bot.scheduler.every(TAKEDOWN_JOB_ID, timedelta(minutes=TAKEDOWN_RETRY_MINUTES), self.retry_takedowns)

    async def cog_unload(self) -> None:
        """Withdraw the buttons, the hook and the digest jobs."""
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.unregister_erasure_hook("wins")
        self.bot.unregister_deleter("win")
        for job_id in [*self._digest_job_ids, TAKEDOWN_JOB_ID]:
            self._remove_job(job_id)

    # ----------------------------------------------------------------- /win

    @app_commands.command(
        name="win", description="Share a win with the server — big or small (you'll see a preview)",
        extras={ASSESSES_OWN_TEXT: True},
    )
    @app_commands.guild_only()
    @app_commands.describe(
        text="Your win, in your words (leave empty to pick up a saved draft)",
        category="What kind of win it is",
        anonymous="Post as “A member” instead of with your name",
    )
    @app_commands.choices(
        category=[app_commands.Choice(name=c["label"], value=c["key"]) for c in load_content("wins")["categories"]]
    )
    async def win(
        self,
        interaction: Interaction,
        text: app_commands.Range[str, 1, MAX_TEXT] | None = None,
        category: app_commands.Choice[str] | None = None,
        anonymous: bool = False,
    ) -> None:
        """Show a preview of the win (nothing is posted until the member presses Post)."""
        user_id = interaction.user.id
        chosen = category.value if category else "other"
        if text is None or not text.strip():
            saved = await self.wins.latest_draft(user_id, interaction.guild_id)
            if saved is None:
                await interaction.response.send_modal(
                    WinModal(self, owner_id=user_id, win_id=None, text="", category=chosen, anonymous=anonymous)
                )
                return  # a modal can't carry follow-ups; pending milestones wait for the next /win
            await self.wins.touch(saved.id, user_id, self.bot.now())
            await reply(interaction, **await self.render_preview(interaction, saved, note=None))
        elif not has_visible(text):
            await reply(interaction, words()["share"]["invisible"])
            return
        else:
            draft = await self.wins.create_draft(
                user_id=user_id, guild_id=interaction.guild_id, category=chosen, text=clean_text(text),
                anonymous=anonymous, source="command", now=self.bot.now(),
            )
            saved = await self.wins.latest_draft(user_id, interaction.guild_id, exclude=draft.id)
            note = words()["share"]["saved_draft_note"] if saved else None
            await reply(interaction, **await self.render_preview(interaction, draft, note=note, saved=saved))
        await self.deliver_pending_shots(interaction)

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
            if guild is not None and await self._is_member(guild, win.user_id):
                candidates.append((guild, settings))
        if len(candidates) == 1:
            guild, settings = candidates[0]
            await self.wins.set_guild(win.id, win.user_id, guild.id, self.bot.now())
            return Destination(guild, guild.id, settings.wins_channel_id)
        return Destination(choices=[guild for guild, _ in candidates][:25])

    async def _is_member(self, guild: discord.Guild, user_id: int) -> bool:
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
        self, interaction: Interaction, win: Win, *, note: str | None, saved: Win | None = None
    ) -> dict[str, Any]:
        """Message parts for a preview: what will be posted and where, Post / Edit / Cancel."""
        share = words()["share"]
        where = await self.destination(interaction, win)
        lines = [await self.bot.wording.pick(win.user_id, "win_preview", share["preview_intro"])]
        if where.channel_id is not None and where.guild is not None:
            lines.append(share["where_line"].format(channel=f"<#{where.channel_id}>", guild=where.guild.name))
        elif where.choices:
            lines.append(share["choose_guild"])
        elif where.guild_id is None:
            lines.append(share["nowhere_line"])
        if note:
            lines.append(note)
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
            last = await self.wins.last_posted_at(win.user_id)
            if last is None or now >= last + cooldown:
                await interaction.edit_original_response(content=share["gone"], embeds=[], view=None)
                return
            when = discord_timestamp(last + cooldown, "R")
            await self._keep_draft(interaction, win, share["cooldown"].format(when=when))
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
                embed=win_embed(win, interaction.user), view=post_view(win.id, cheers),
                allowed_mentions=NO_MENTIONS, nonce=f"win-{win.id}",
            )
        except discord.NotFound:
            await self._keep_draft(interaction, win, share["channel_gone"])
            return False
        except discord.Forbidden:
            missing = await self.missing_permissions(where.guild_id, where.channel_id)
            detail = f" (I'm missing {missing})" if missing else ""
            note = share["missing_permission"].format(channel=f"<#{where.channel_id}>", missing=detail)
            await self._keep_draft(interaction, win, note + (f"\n{share['missing_permission_admin']}" if admin else ""))
            return False
        if not await self.wins.mark_posted(
            win.id, win.user_id, guild_id=where.guild_id, channel_id=where.channel_id, message_id=message.id, now=now
        ):
            # Deleted while it was being posted (e.g. /mydata delete): it must not stay up without a record.
            await self._take_down_message(where.guild_id, where.channel_id, message.id)
            await interaction.edit_original_response(content=share["gone"], embeds=[], view=None)
            return False
        if await self.bot.care.active(win.user_id):
            # A hard day for them: the win is up, said plainly, with no 🎉 and no milestone.
            text = share["posted_quietly"]
        else:
            await self.add_celebration(message, where.channel_id)
            text = await self.bot.wording.pick(win.user_id, "win_posted", share["posted"])
        view = untracked(discord.ui.View(timeout=None).add_item(delete_this_button("win", win.id, win.user_id)))
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
        await interaction.edit_original_response(**await self.render_preview(interaction, win, note=note))

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
        table = words()["milestones"]
        count = await self.wins.shared_count(user_id)
        reached = milestone_for(count, table["wins_thresholds"], table["wins_every"])
        now = self.bot.now()
        if reached is None or await self.bot.care.active(user_id):
            return
        if not await self.wins.reach_milestone(user_id, "wins", reached, now):
            return
        embed = discord.Embed(description=milestone_text("wins", reached), colour=WIN)
        await reply(interaction, embed=embed)
        await self.wins.mark_milestone_delivered(user_id, "wins", reached, now)

    @commands.Cog.listener()
    async def on_checkin_logged(self, checkin: Checkin) -> None:
        """Count 'shots taken' (rejections logged); at a milestone, say so privately by DM."""
        table = words()["milestones"]
        count = await self.bot.checkins.count(checkin.user_id)
        reached = milestone_for(count, table["shots_thresholds"], table["shots_every"])
        now = self.bot.now()
        if reached is None or await self.bot.care.active(checkin.user_id):
            return  # no milestones on a hard day
        if not await self.wins.reach_milestone(checkin.user_id, "shots", reached, now):
            return
        if await self.bot.delivery.is_unreachable(checkin.user_id):
            return  # kept for their next /win
        result = await self.bot.delivery.send_dm(
            checkin.user_id, embed=self.shots_embed(reached), nonce=f"shots-{reached}"
        )
        if result.sent:
            await self.wins.mark_milestone_delivered(checkin.user_id, "shots", reached, now)

    def shots_embed(self, count: int) -> discord.Embed:
        """The private 'shots taken' milestone: a count of courage, not of failure."""
        embed = discord.Embed(description=milestone_text("shots", count), colour=WIN)
        embed.set_footer(text=words()["milestones"]["shots"]["dm_footer"])
        return embed

    async def deliver_pending_shots(self, interaction: Interaction) -> None:
        """Tell a member, privately, about a 'shots taken' milestone their DMs didn't let through."""
        user_id = interaction.user.id
        pending = await self.wins.undelivered_milestones(user_id, "shots")
        if not pending or await self.bot.care.active(user_id):
            return
        # Only the biggest one matters now; the smaller ones are history.
        await reply(interaction, embed=self.shots_embed(pending[-1]))
        now = self.bot.now()
        for threshold in pending:
            await self.wins.mark_milestone_delivered(user_id, "shots", threshold, now)

    # ----------------------------------------------------------------- sharing from elsewhere

    async def prefill(self, source: str, source_id: int, owner_id: int) -> tuple[str, str] | None:
        """Text and category for a 'Share as a win' button; None if the source row is gone."""
        share = words()["share"]
        if source == "nudge":
            return share["nudge_prefill"], share["nudge_category"]
        if source == "reflection":
            try:
                # Imported lazily: the reflections module is another feature's and may not be installed.
                module = importlib.import_module("bot.storage.reflections")
            except ImportError:
                log.warning("share from a reflection, but bot.storage.reflections is not available")
                return None
            reflection = await module.get_reflection(self.bot.database, self.bot.cipher, source_id, owner_id)
            if reflection is None:
                return None
            went_well = (getattr(reflection, "went_well", None) or "").strip()
            return clean_text(went_well) or share["reflection_fallback"], share["reflection_category"]
        return None

    # ----------------------------------------------------------------- cheers and removal

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
            win.channel_id is not None and win.message_id is not None
            and not await self._take_down_message(win.guild_id, win.channel_id, win.message_id)
        ):
            return False
        await self.wins.mark_removed(win.id, self.bot.now())
        return True

    async def _take_down_message(self, guild_id: int | None, channel_id: int, message_id: int) -> bool:
        """Delete one of the bot's messages in a channel; True when it is gone (already gone counts)."""
        try:
            await self.bot.http.delete_message(channel_id, message_id)
        except discord.NotFound:
            log.info("message %s in channel %s was already deleted", message_id, channel_id)
        except discord.HTTPException as error:
            log.warning("could not delete message %s in guild %s: %s", message_id, guild_id, error)
            return False
        return True

    async def erase_member(self, user_id: int) -> ErasureOutcome:
        """Before a member's data is deleted, take their posted wins down and drop them from the digests.

        Choice: the posts are deleted outright — anonymous ones too — rather than left up or anonymised, because
        the words are theirs and "delete my data" should not leave their stories on display. A post the bot
        can't delete right now (it lost View Channel or Manage Messages, Discord failed) is not pretended gone:
        it is reported with a jump link and kept as a tombstone (channel and message id only) that is retried
        until the message is gone. Their cheers on other people's wins are withdrawn and those counts refreshed.
        """
        outcome = ErasureOutcome()
        now = self.bot.now()
        for win in await self.wins.posted_by(user_id):
            if await self.take_down(win):
                outcome.add("posts")
            elif win.channel_id is not None and win.message_id is not None:
                await self.wins.add_takedown(win.guild_id, win.channel_id, win.message_id, now)
                outcome.still_up.append(jump_link(win.guild_id, win.channel_id, win.message_id))
        await self.drop_from_digests(user_id, outcome)
        for win in await self.wins.withdraw_cheers(user_id):
            await self.refresh_post(win)
        return outcome

    async def delete_one(self, win_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """'Delete this' on one win: take its post down (or leave a tombstone), drop it from digests, delete it."""
        win = await self.wins.get(win_id)
        if win is None or win.user_id != owner_id:
            return False, []
        outcome = ErasureOutcome()
        if win.state == "posted" and not await self.take_down(win) and win.channel_id and win.message_id:
            await self.wins.add_takedown(win.guild_id, win.channel_id, win.message_id, self.bot.now())
            outcome.still_up.append(jump_link(win.guild_id, win.channel_id, win.message_id))
        await self.drop_from_digests(owner_id, outcome, win_id=win.id)
        await self.wins.delete_win(win.id, owner_id)
        return True, outcome.still_up

    async def retry_takedowns(self) -> int:
        """Try again to delete every post still waiting to come down; return how many are now gone."""
        gone = 0
        try:
            for pending in await self.wins.pending_takedowns():
                if await self._take_down_message(pending.guild_id, pending.channel_id, pending.message_id):
                    await self.wins.takedown_done(pending.id)
                    gone += 1
                else:
                    await self.wins.takedown_failed(pending.id, self.bot.now())
        except Exception:  # the periodic job must survive a bad round and try again next time
            log.exception("retrying pending take-downs failed")
        return gone

    async def drop_from_digests(self, user_id: int, outcome: ErasureOutcome, win_id: int | None = None) -> None:
        """Re-draw the digests that quote the member (or just one of their wins) without them.

        A digest that can't be edited is taken down instead, later if need be (a tombstone, as for posts).
        """
        for record in await self.wins.digests_quoting(user_id):
            dropped = [w for w, u in record.quoted if (w == win_id if win_id is not None else u == user_id)]
            if not dropped:
                continue
            kept = [w for w, _ in record.quoted if w not in dropped]
            if await self._redraw_digest(record, kept):
                outcome.add("digests")
            else:
                await self.wins.add_takedown(record.guild_id, record.channel_id, record.message_id, self.bot.now())
                outcome.still_up.append(jump_link(record.guild_id, record.channel_id, record.message_id))
            await self.wins.drop_quotes(record.id, dropped)

    async def _redraw_digest(self, record: DigestRecord, win_ids: list[int]) -> bool:
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

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot left (or was removed from) a server: forget the server, its wins, digests and jobs.

        Members' private data (check-ins, reflections...) stays theirs; only what belonged to the server goes.
        """
        self._remove_job(f"digest:{guild.id}")
        removed = await self.wins.forget_guild(guild.id)
        await self.guild_settings.forget(guild.id)
        log.info("left guild %s: dropped its settings, digests and %d win(s)", guild.id, removed)

    # ----------------------------------------------------------------- weekly digest

    def schedule_digest(self, settings: GuildSettings) -> None:
        """(Re)build one server's weekly cron job from its settings, in its own time zone."""
        job_id = f"digest:{settings.guild_id}"
        if not settings.digest_enabled:
            self._remove_job(job_id)
        else:
            guild_id = settings.guild_id
            self.bot.scheduler.cron(
                job_id, settings.digest_trigger(), lambda: self._digest_job(guild_id), grace=DIGEST_MISFIRE_GRACE
            )
            self._digest_job_ids.add(job_id)
        self.bot.dispatch("digest_rescheduled", settings.guild_id)

    def _remove_job(self, job_id: str) -> None:
        self.bot.scheduler.cancel_job(job_id)
        self._digest_job_ids.discard(job_id)

    @commands.Cog.listener()
    async def on_digest_settings_changed(self, guild_id: int) -> None:
        """/setup changed a server's digest: rebuild its job."""
        self.schedule_digest(await self.guild_settings.get(guild_id))

    async def _digest_job(self, guild_id: int) -> None:
        try:
            await self.post_digest(guild_id, self.bot.now())
        except Exception:  # a failed digest must not take the scheduler down; next week tries again
            log.exception("weekly digest for guild %s failed", guild_id)

    async def post_digest(self, guild_id: int, now: datetime) -> discord.Message | None:
        """Post the week ending `now` in the server's wins channel: counts only, a few named wins to celebrate."""
        settings = await self.guild_settings.get(guild_id)
        if not settings.digest_enabled or settings.wins_channel_id is None:
            log.info("digest for guild %s skipped: off or no wins channel", guild_id)
            return None
        last = settings.digest_last_posted_at
        if last is not None and now - last < DIGEST_MIN_GAP:
            log.info("digest for guild %s already posted at %s", guild_id, last.isoformat())
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
            guild_id=guild_id, channel_id=settings.wins_channel_id, message_id=message.id,
            week_number=now.isocalendar().week, summary=summary, show_checkins=settings.digest_checkins_line, now=now,
        )
        return message


# ----------------------------------------------------------------- persistent components


def _cog(interaction: Interaction) -> Wins:
    cog = interaction.client.get_cog("Wins")
    assert isinstance(cog, Wins)
    return cog


class PostButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=POST_ID):
    """Post the draft (works after a restart: the draft lives in the database)."""

    def __init__(self, win_id: int, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Post", emoji=CELEBRATION, style=discord.ButtonStyle.success,
                custom_id=f"win:post:{win_id}:{owner_id}",
            )
        )
        self.win_id = win_id
        self.owner_id = owner_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Post it, or explain kindly why not and keep the draft."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        await _cog(interaction).post(interaction, self.win_id, self.owner_id)


class EditButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=EDIT_ID):
    """Open the draft in a modal to change its words, category or anonymity."""

    def __init__(self, win_id: int, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Edit", emoji="✏️", style=discord.ButtonStyle.secondary,
                custom_id=f"win:edit:{win_id}:{owner_id}",
            )
        )
        self.win_id = win_id
        self.owner_id = owner_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Show the edit modal, prefilled."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        cog = _cog(interaction)
        win = await cog.wins.get(self.win_id)
        if win is None or win.user_id != self.owner_id or not win.is_draft:
            await reply(interaction, words()["share"]["gone"])
            return
        await interaction.response.send_modal(
            WinModal(cog, owner_id=self.owner_id, win_id=win.id, text=win.text, category=win.category,
                     anonymous=win.anonymous)
        )


class CancelButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=CANCEL_ID):
    """Throw the draft away."""

    def __init__(self, win_id: int, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cancel", style=discord.ButtonStyle.secondary, custom_id=f"win:cancel:{win_id}:{owner_id}"
            )
        )
        self.win_id = win_id
        self.owner_id = owner_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Delete the draft; nothing is posted."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        cog = _cog(interaction)
        deleted = await cog.wins.delete_draft(self.win_id, self.owner_id)
        share = words()["share"]
        await interaction.response.edit_message(
            content=share["cancelled"] if deleted else share["gone"], embeds=[], view=None
        )


class SavedDraftButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=DRAFT_ID):
    """Open a saved draft's preview."""

    def __init__(self, win_id: int, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Open my saved draft", emoji="📝", style=discord.ButtonStyle.secondary,
                custom_id=f"win:draft:{win_id}:{owner_id}",
            )
        )
        self.win_id = win_id
        self.owner_id = owner_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Show the saved draft as its own preview."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        cog = _cog(interaction)
        win = await cog.wins.get(self.win_id)
        if win is None or win.user_id != self.owner_id or not win.is_draft:
            await reply(interaction, words()["share"]["gone"])
            return
        await cog.wins.touch(win.id, win.user_id, cog.bot.now())
        await cog.show_new_preview(interaction, win)


class WhereSelect(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Select[Any]], template=WHERE_ID):
    """Pick which server a draft started in a DM goes to."""

    def __init__(self, win_id: int, owner_id: int, guilds: list[discord.Guild] | None = None) -> None:
        options = [discord.SelectOption(label=g.name[:100], value=str(g.id)) for g in guilds or []]
        super().__init__(
            discord.ui.Select(
                placeholder="Choose a server", custom_id=f"win:where:{win_id}:{owner_id}",
                options=options or [discord.SelectOption(label="—", value="0")],
            )
        )
        self.win_id = win_id
        self.owner_id = owner_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Remember the server and refresh the preview."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        cog = _cog(interaction)
        share = words()["share"]
        mine = await cog.wins.get(self.win_id)
        if mine is None or mine.user_id != self.owner_id or not mine.is_draft:
            await reply(interaction, share["where_gone"])
            return
        value = parse_id(self.item.values[0] if self.item.values else None) or 0
        guild = cog.bot.get_guild(value)
        if guild is None or not await cog._is_member(guild, self.owner_id):
            await reply(interaction, share["where_not_member"])
            return
        await cog.wins.set_guild(self.win_id, self.owner_id, guild.id, cog.bot.now())
        win = await cog.wins.get(self.win_id)
        if win is None or win.user_id != self.owner_id or not win.is_draft:
            await interaction.response.edit_message(content=words()["share"]["gone"], embeds=[], view=None)
            return
        await interaction.response.edit_message(**await cog.render_preview(interaction, win, note=None))


class ShareWinButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=SHARE_WIN_TEMPLATE):
    """'Share as a win' from a reflection or a nudge: prefills a preview; nothing is posted without a click."""

    def __init__(self, source: str, source_id: int, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Share as a win", emoji=CELEBRATION, style=discord.ButtonStyle.secondary,
                custom_id=f"win:share:{source}:{source_id}:{owner_id}",
            )
        )
        self.source = source
        self.source_id = source_id
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ShareWinButton:
        """Rebuild from a custom id."""
        return cls(match["source"], int(match["source_id"]), int(match["owner_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Make a draft from the source and show its preview."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        cog = _cog(interaction)
        filled = await cog.prefill(self.source, self.source_id, self.owner_id)
        if filled is None:
            await reply(
                interaction,
                "I couldn't find what this button was sharing any more, so there's nothing to prefill. "
                "You can still share a win in your own words with `/win` in your server.",
            )
            return
        text, category = filled
        win = await cog.wins.create_draft(
            user_id=self.owner_id, guild_id=interaction.guild_id, category=category, text=text, anonymous=False,
            source=self.source, now=cog.bot.now(),
        )
        await cog.show_new_preview(interaction, win)


class CheerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CHEER_ID):
    """Cheer a posted win. Idempotent: one cheer per member; pressing again says it already counted."""

    def __init__(self, win_id: int, cheers: int = 0) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{words()['post']['cheer_label']} · {cheers}", emoji="👏", style=discord.ButtonStyle.primary,
                custom_id=f"win:cheer:{win_id}",
            )
        )
        self.win_id = win_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CheerButton:
        """Rebuild from a custom id (the count comes from the database, not the label)."""
        return cls(int(match["win_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Count the cheer once and update the label."""
        cog = _cog(interaction)
        post = words()["post"]
        win = await cog.wins.get(self.win_id)
        if win is None or win.state != "posted":
            await reply(interaction, post["cheer_gone"])
            return
        if not await cog.wins.add_cheer(self.win_id, interaction.user.id, cog.bot.now()):
            await reply(interaction, post["already_cheered"])
            return
        count = await cog.wins.cheer_count(self.win_id)
        await interaction.response.edit_message(view=post_view(self.win_id, count))


class RemoveButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=REMOVE_ID):
    """Take a posted win down: its author, or a member with Manage Messages. Asks first."""

    def __init__(self, win_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=words()["post"]["remove_label"], style=discord.ButtonStyle.secondary,
                custom_id=f"win:remove:{win_id}",
            )
        )
        self.win_id = win_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Refuse politely, or ask the author / moderator to confirm."""
        cog = _cog(interaction)
        post = words()["post"]
        win = await cog.wins.get(self.win_id)
        if win is None or win.state != "posted":
            await reply(interaction, post["remove_gone"])
            return
        if not may_remove(interaction, win):
            await reply(interaction, post["remove_refused"])
            return
        view = untracked(discord.ui.View(timeout=None).add_item(RemoveConfirmButton(win.id, interaction.user.id)))
        await reply(interaction, post["remove_confirm"].format(channel=f"<#{win.channel_id}>"), view=view)


class RemoveConfirmButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=REMOVE_OK_ID):
    """The private 'yes, take it down' button."""

    def __init__(self, win_id: int, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=words()["post"]["remove_confirm_button"], style=discord.ButtonStyle.danger,
                custom_id=f"win:removeok:{win_id}:{user_id}",
            )
        )
        self.win_id = win_id
        self.user_id = user_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Delete the post and mark the win removed."""
        if await refuse_if_not_owner(interaction, self.user_id):
            return
        cog = _cog(interaction)
        post = words()["post"]
        win = await cog.wins.get(self.win_id)
        if win is None or win.state != "posted":
            await interaction.response.edit_message(content=post["remove_gone"], view=None)
            return
        if not may_remove(interaction, win):
            await interaction.response.edit_message(content=post["remove_refused"], view=None)
            return
        if not await cog.take_down(win):
            await reply(interaction, post["remove_failed"])
            return
        await interaction.response.edit_message(content=post["removed"], view=None)


def may_remove(interaction: Interaction, win: Win) -> bool:
    """The author may always take their win down; otherwise Manage Messages in that channel is needed."""
    if interaction.user.id == win.user_id:
        return True
    return interaction.guild_id == win.guild_id and interaction.permissions.manage_messages


class WinModal(BaseModal):
    """Write or edit a win: the words, the category, and whether to post anonymously."""

    def __init__(
        self, cog: Wins, *, owner_id: int, win_id: int | None, text: str, category: str, anonymous: bool
    ) -> None:
        share = words()["share"]
        super().__init__(title=share["modal_title"], custom_id=f"win:modal:{win_id or 0}:{owner_id}")
        self.cog = cog
        self.owner_id = owner_id
        self.win_id = win_id
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, max_length=MAX_TEXT, required=True, custom_id="text",
            placeholder=share["modal_text_placeholder"], default=text or None,
        )
        self.category: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="category", min_values=1, max_values=1, required=True,
            options=[
                discord.SelectOption(label=c["label"], value=c["key"], emoji=c["emoji"], default=c["key"] == category)
                for c in categories().values()
            ],
        )
        self.anonymous: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="anonymous", min_values=1, max_values=1, required=True,
            options=[
                discord.SelectOption(label=share["with_name"], value="no", default=not anonymous),
                discord.SelectOption(label=share["as_anonymous"][:100], value="yes", default=anonymous),
            ],
        )
        self.add_item(discord.ui.Label(text=share["modal_text_label"], component=self.text))
        self.add_item(discord.ui.Label(text=share["modal_category_label"], component=self.category))
        self.add_item(discord.ui.Label(text=share["modal_anonymous_label"], component=self.anonymous))

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Save the draft and show (or refresh) its preview."""
        cog = self.cog
        text = clean_text(self.text.value)
        if not has_visible(text):
            await reply(interaction, words()["share"]["invisible"])
            return
        category = self.category.values[0] if self.category.values else "other"
        category = category if category in categories() else "other"
        anonymous = (self.anonymous.values or ["no"])[0] == "yes"
        now = cog.bot.now()
        if self.win_id is None:
            win = await cog.wins.create_draft(
                user_id=self.owner_id, guild_id=interaction.guild_id, category=category, text=text,
                anonymous=anonymous, source="command", now=now,
            )
            await cog.show_new_preview(interaction, win)
            return
        updated = await cog.wins.update_draft(
            self.win_id, self.owner_id, text=text, category=category, anonymous=anonymous, now=now
        )
        edited = await cog.wins.get(self.win_id) if updated else None
        if edited is None:
            await reply(interaction, words()["share"]["gone"])
            return
        parts = await cog.render_preview(interaction, edited, note=None)
        if interaction.message is not None:
            await interaction.response.edit_message(**parts)
        else:
            await reply(interaction, **parts)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    PostButton, EditButton, CancelButton, SavedDraftButton, WhereSelect, ShareWinButton,
    CheerButton, RemoveButton, RemoveConfirmButton,
)


async def setup(bot: BouncebackBot) -> None:
    """Load the wins cog."""
    await bot.add_cog(Wins(bot))
