"""`/win`: share good news in the server's wins channel — preview first, cheers, private milestones, weekly digest."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ASSESSES_OWN_TEXT, BouncebackBot, Interaction
from bot.content import command_words, load_content
from bot.storage.checkins import Checkin
from bot.storage.guild_settings import GuildSettingsRepository
from bot.storage.userdata import ErasureOutcome
from bot.text import has_visible
from bot.ui import reply
from cogs.wins.digest import Digests
from cogs.wins.logic import MAX_TEXT, clean_text, words
from cogs.wins.posting import Sharing
from cogs.wins.store import WinRepository, jump_link
from cogs.wins.views import COG_NAME, DYNAMIC_ITEMS, WinModal

log = logging.getLogger(__name__)

TAKEDOWN_JOB_ID = "win-takedowns"
TAKEDOWN_RETRY_MINUTES = 15
WIN = command_words("win")


class Wins(commands.Cog, name=COG_NAME):
    """Sharing wins: drafts and previews, the post, cheers, removal, milestones, the weekly digest."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.wins = WinRepository(bot.database, bot.cipher)
        self.guild_settings = GuildSettingsRepository(bot.database)
        self.sharing = Sharing(bot, self.wins, self.guild_settings)
        self.digests = Digests(bot, self.wins, self.guild_settings)

    async def cog_load(self) -> None:
        """Register the persistent buttons and the erasure hook; schedule every server's digest."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.register_erasure_hook("wins", self.erase_member)
        self.bot.register_deleter("win", self.delete_one)
        await self.digests.schedule_all()
        # Posts that must come down but couldn't yet (see erase_member) are retried until they are gone.
        # One process retries them for the whole bot, so several processes don't spend requests on the same posts.
        self.bot.scheduler.every(
            TAKEDOWN_JOB_ID,
            timedelta(minutes=TAKEDOWN_RETRY_MINUTES),
            self.retry_takedowns,
            once_across_cluster=True,
        )

    async def cog_unload(self) -> None:
        """Withdraw the buttons, the hook and the digest jobs."""
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.unregister_erasure_hook("wins")
        self.bot.unregister_deleter("win")
        self.digests.cancel_all()
        self.bot.scheduler.cancel_job(TAKEDOWN_JOB_ID)

    @app_commands.command(name="win", description=WIN["description"], extras={ASSESSES_OWN_TEXT: True})
    @app_commands.guild_only()
    @app_commands.describe(**WIN["options"])
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
        sharing = self.sharing
        if text is None or not text.strip():
            saved = await self.wins.latest_draft(user_id, interaction.guild_id)
            if saved is None:
                await interaction.response.send_modal(
                    WinModal(self, owner_id=user_id, win_id=None, text="", category=chosen, anonymous=anonymous)
                )
                return  # a modal can't carry follow-ups; pending milestones wait for the next /win
            await self.wins.touch(saved.id, user_id, self.bot.now())
            await reply(interaction, **await sharing.render_preview(interaction, saved, note=None))
        elif not has_visible(text):
            await reply(interaction, words()["share"]["invisible"])
            return
        else:
            draft = await self.wins.create_draft(
                user_id=user_id,
                guild_id=interaction.guild_id,
                category=chosen,
                text=clean_text(text),
                anonymous=anonymous,
                source="command",
                now=self.bot.now(),
            )
            saved = await self.wins.latest_draft(user_id, interaction.guild_id, exclude=draft.id)
            note = words()["share"]["saved_draft_note"] if saved else None
            await reply(interaction, **await sharing.render_preview(interaction, draft, note=note, saved=saved))
        await sharing.deliver_pending_shots(interaction)

    @commands.Cog.listener()
    async def on_checkin_logged(self, checkin: Checkin) -> None:
        """Count 'shots taken' (rejections logged); at a milestone, say so privately by DM."""
        await self.sharing.count_shot(checkin.user_id)

    @commands.Cog.listener()
    async def on_digest_settings_changed(self, guild_id: int) -> None:
        """/setup changed a server's digest: rebuild its job."""
        self.digests.schedule(await self.guild_settings.get(guild_id))

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot left (or was removed from) a server: forget the server, its wins, digests and jobs.

        Members' private data (check-ins, reflections...) stays theirs; only what belonged to the server goes.
        """
        self.digests.cancel(guild.id)
        removed = await self.wins.forget_guild(guild.id)
        await self.guild_settings.forget(guild.id)
        log.info("left guild %s: dropped its settings, digests and %d win(s)", guild.id, removed)

    async def post_digest(self, guild_id: int, now: datetime) -> discord.Message | None:
        """Post a server's weekly digest for the week ending `now` (what its cron job runs)."""
        return await self.digests.post(guild_id, now)

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
            if await self.sharing.take_down(win):
                outcome.add("posts")
            elif win.channel_id is not None and win.message_id is not None:
                await self.wins.add_takedown(win.guild_id, win.channel_id, win.message_id, now)
                outcome.still_up.append(jump_link(win.guild_id, win.channel_id, win.message_id))
        await self.digests.drop(user_id, outcome)
        for win in await self.wins.withdraw_cheers(user_id):
            await self.sharing.refresh_post(win)
        return outcome

    async def delete_one(self, win_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """'Delete this' on one win: take its post down (or leave a tombstone), drop it from digests, delete it."""
        win = await self.wins.get(win_id)
        if win is None or win.user_id != owner_id:
            return False, []
        outcome = ErasureOutcome()
        if win.state == "posted" and not await self.sharing.take_down(win) and win.channel_id and win.message_id:
            await self.wins.add_takedown(win.guild_id, win.channel_id, win.message_id, self.bot.now())
            outcome.still_up.append(jump_link(win.guild_id, win.channel_id, win.message_id))
        await self.digests.drop(owner_id, outcome, win_id=win.id)
        await self.wins.delete_win(win.id, owner_id)
        return True, outcome.still_up

    async def retry_takedowns(self) -> int:
        """Try again to delete every post still waiting to come down; return how many are now gone."""
        gone = 0
        try:
            for pending in await self.wins.pending_takedowns():
                if await self.sharing.take_down_message(pending.guild_id, pending.channel_id, pending.message_id):
                    await self.wins.takedown_done(pending.id)
                    gone += 1
                else:
                    await self.wins.takedown_failed(pending.id, self.bot.now())
        except Exception:  # the periodic job must survive a bad round and try again next time
            log.exception("retrying pending take-downs failed")
        return gone
