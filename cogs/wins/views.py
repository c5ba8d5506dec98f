"""What a win looks like, and its persistent components: the preview's buttons, the post's Cheer and Remove."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import discord

from bot.client import Interaction
from bot.components import OwnedButton, OwnedSelect, StaticView
from bot.text import has_visible, parse_id
from bot.ui import WIN, BaseModal, reply
from cogs.wins.logic import (
    CELEBRATION,
    MAX_TEXT,
    categories,
    category_title,
    clean_text,
    display_text,
    known_category,
    may_remove,
    words,
)
from cogs.wins.store import Win

if TYPE_CHECKING:
    from cogs.wins.cog import Wins

COG_NAME = "Wins"


def wins_cog(interaction: discord.Interaction[Any]) -> Wins:
    """The loaded wins cog (its components are only registered while it is loaded)."""
    cog = interaction.client.get_cog(COG_NAME)
    if cog is None:
        raise RuntimeError("the wins cog is not loaded")
    return cast("Wins", cog)


def win_embed(win: Win, author: discord.abc.User) -> discord.Embed:
    """The post exactly as the channel sees it: name and avatar (or 'A member'), category, the words."""
    embed = discord.Embed(title=category_title(win.category), description=display_text(win.text), colour=WIN)
    if win.anonymous:
        embed.set_author(name=words()["post"]["anonymous_name"])
    else:
        embed.set_author(name=author.display_name, icon_url=author.display_avatar.url)
    return embed


def preview_view(win: Win, *, saved: Win | None = None, choices: list[discord.Guild] | None = None) -> discord.ui.View:
    """Post / Edit / Cancel (plus 'open saved draft' and a server picker when they apply)."""
    # All DynamicItems: discord.py needn't keep (and time) each ephemeral preview.
    view = StaticView()
    if choices:
        view.add_item(WhereSelect(win.id, win.user_id, choices))
    view.add_item(PostButton(win.id, win.user_id))
    view.add_item(EditButton(win.id, win.user_id))
    view.add_item(CancelButton(win.id, win.user_id))
    if saved is not None:
        view.add_item(SavedDraftButton(saved.id, saved.user_id))
    return view


def post_view(win_id: int, cheers: int) -> discord.ui.View:
    """The buttons under a posted win: Cheer (with its count) and Remove."""
    return StaticView(CheerButton(win_id, cheers), RemoveButton(win_id))


def own_draft(win: Win | None, owner_id: int) -> Win | None:
    """The win if it is still a draft of this member's, else None."""
    return win if win is not None and win.user_id == owner_id and win.is_draft else None


class PostButton(OwnedButton, prefix="win:post", fields=("win_id", "owner_id")):
    """Post the draft (works after a restart: the draft lives in the database)."""

    label, emoji, style = "Post", CELEBRATION, discord.ButtonStyle.success
    win_id: int
    owner_id: int

    async def pressed(self, interaction: Interaction) -> None:
        """Post it, or explain kindly why not and keep the draft."""
        await wins_cog(interaction).sharing.post(interaction, self.win_id, self.owner_id)


class DraftButton(OwnedButton):
    """A button under a draft's preview (a shared base, with no custom id of its own)."""

    win_id: int
    owner_id: int

    async def open_draft(self, interaction: Interaction) -> tuple[Wins, Win] | None:
        """The cog and the draft while it is still this member's draft; otherwise they are told it is gone."""
        cog = wins_cog(interaction)
        win = own_draft(await cog.wins.get(self.win_id), self.owner_id)
        if win is None:
            await reply(interaction, words()["share"]["gone"])
            return None
        return cog, win


class EditButton(DraftButton, prefix="win:edit", fields=("win_id", "owner_id")):
    """Open the draft in a modal to change its words, category or anonymity."""

    label, emoji = "Edit", "✏️"

    async def pressed(self, interaction: Interaction) -> None:
        """Show the edit modal, prefilled."""
        if (found := await self.open_draft(interaction)) is None:
            return
        cog, win = found
        await interaction.response.send_modal(
            WinModal(
                cog,
                owner_id=self.owner_id,
                win_id=win.id,
                text=win.text,
                category=win.category,
                anonymous=win.anonymous,
            )
        )


class CancelButton(OwnedButton, prefix="win:cancel", fields=("win_id", "owner_id")):
    """Throw the draft away."""

    label = "Cancel"
    win_id: int
    owner_id: int

    async def pressed(self, interaction: Interaction) -> None:
        """Delete the draft; nothing is posted."""
        deleted = await wins_cog(interaction).wins.delete_draft(self.win_id, self.owner_id)
        share = words()["share"]
        await interaction.response.edit_message(
            content=share["cancelled"] if deleted else share["gone"], embeds=[], view=None
        )


class SavedDraftButton(DraftButton, prefix="win:draft", fields=("win_id", "owner_id")):
    """Open a saved draft's preview."""

    label, emoji = "Open my saved draft", "📝"

    async def pressed(self, interaction: Interaction) -> None:
        """Show the saved draft as its own preview."""
        if (found := await self.open_draft(interaction)) is None:
            return
        cog, win = found
        await cog.wins.touch(win.id, win.user_id, cog.bot.now())
        await cog.sharing.show_new_preview(interaction, win)


class WhereSelect(OwnedSelect, prefix="win:where", fields=("win_id", "owner_id")):
    """Pick which server a draft started in a DM goes to."""

    win_id: int
    owner_id: int

    def __init__(self, win_id: int, owner_id: int, guilds: list[discord.Guild] | None = None) -> None:
        # The options only matter when the select is sent; rebuilt from a custom id, it has none.
        self._choices = [discord.SelectOption(label=g.name[:100], value=str(g.id)) for g in guilds or []]
        super().__init__(win_id, owner_id)

    def build(self, custom_id: str) -> discord.ui.Select[Any]:
        """The member's servers that have a wins channel."""
        return discord.ui.Select(
            placeholder="Choose a server",
            custom_id=custom_id,
            options=self._choices or [discord.SelectOption(label="—", value="0")],
        )

    async def pressed(self, interaction: Interaction) -> None:
        """Remember the server and refresh the preview."""
        cog = wins_cog(interaction)
        share = words()["share"]
        if own_draft(await cog.wins.get(self.win_id), self.owner_id) is None:
            await reply(interaction, share["where_gone"])
            return
        guild = cog.bot.get_guild(parse_id(self.values[0] if self.values else None) or 0)
        if guild is None or not await cog.sharing.is_member(guild, self.owner_id):
            await reply(interaction, share["where_not_member"])
            return
        await cog.wins.set_guild(self.win_id, self.owner_id, guild.id, cog.bot.now())
        win = own_draft(await cog.wins.get(self.win_id), self.owner_id)
        if win is None:
            await interaction.response.edit_message(content=share["gone"], embeds=[], view=None)
            return
        await interaction.response.edit_message(**await cog.sharing.render_preview(interaction, win, note=None))


# The source is a word (reflection, nudge) so the id stays `win:share:<source>:<id>:<owner>`, as other
# capabilities build it (bot.ui.share_win_custom_id); an unknown word is still answered, kindly.
class ShareWinButton(OwnedButton, prefix="win:share", fields=(("source", "[a-z_]+"), "source_id", "owner_id")):
    """'Share as a win' from a reflection or a nudge: prefills a preview; nothing is posted without a click."""

    label, emoji = "Share as a win", CELEBRATION
    source: str
    source_id: int
    owner_id: int

    async def pressed(self, interaction: Interaction) -> None:
        """Make a draft from the source and show its preview."""
        cog = wins_cog(interaction)
        filled = await cog.sharing.prefill(self.source, self.source_id, self.owner_id)
        if filled is None:
            await reply(interaction, words()["share"]["source_gone"])
            return
        text, category = filled
        win = await cog.wins.create_draft(
            user_id=self.owner_id,
            guild_id=interaction.guild_id,
            category=category,
            text=text,
            anonymous=False,
            source=self.source,
            now=cog.bot.now(),
        )
        await cog.sharing.show_new_preview(interaction, win)


class CheerButton(OwnedButton, prefix="win:cheer", fields=("win_id",)):
    """Cheer a posted win. One cheer per member, never the author's own; pressing again says it already counted."""

    style = discord.ButtonStyle.primary
    win_id: int

    def __init__(self, win_id: int, cheers: int = 0) -> None:
        # Rebuilt from a custom id the count is 0: the real one comes from the database, not the label.
        self.cheers = cheers
        super().__init__(win_id)

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """'👏 Cheer · 3'."""
        return discord.ui.Button(
            label=f"{words()['post']['cheer_label']} · {self.cheers}",
            emoji="👏",
            style=self.style,
            custom_id=custom_id,
        )

    async def pressed(self, interaction: Interaction) -> None:
        """Count the cheer once and update the label."""
        cog = wins_cog(interaction)
        post = words()["post"]
        win = await cog.wins.get(self.win_id)
        if win is None or win.state != "posted":
            await reply(interaction, post["cheer_gone"])
            return
        if interaction.user.id == win.user_id:
            # Privately, so an anonymous win stays anonymous.
            await reply(interaction, post["own_cheer"])
            return
        if not await cog.wins.add_cheer(self.win_id, interaction.user.id, cog.bot.now()):
            await reply(interaction, post["already_cheered"])
            return
        count = await cog.wins.cheer_count(self.win_id)
        await interaction.response.edit_message(view=post_view(self.win_id, count))


async def win_to_remove(interaction: Interaction, win_id: int) -> Win | str:
    """The posted win if the member pressing may take it down (see `logic.may_remove`), else why not."""
    post = words()["post"]
    win = await wins_cog(interaction).wins.get(win_id)
    if win is None or win.state != "posted":
        return str(post["remove_gone"])
    if not may_remove(interaction.user.id, interaction.guild_id, interaction.permissions.manage_messages, win):
        return str(post["remove_refused"])
    return win


class RemoveButton(OwnedButton, prefix="win:remove", fields=("win_id",)):
    """Take a posted win down: its author, or a member with Manage Messages. Asks first."""

    win_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """'Remove', from data/wins.toml."""
        return discord.ui.Button(label=words()["post"]["remove_label"], style=self.style, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Refuse politely, or ask the author / moderator to confirm."""
        win = await win_to_remove(interaction, self.win_id)
        if isinstance(win, str):
            await reply(interaction, win)
            return
        post = words()["post"]
        view = StaticView(RemoveConfirmButton(win.id, interaction.user.id))
        await reply(interaction, post["remove_confirm"].format(channel=f"<#{win.channel_id}>"), view=view)


class RemoveConfirmButton(OwnedButton, prefix="win:removeok", fields=("win_id", "owner_id")):
    """The private 'yes, take it down' button (its owner is whoever pressed Remove)."""

    style = discord.ButtonStyle.danger
    win_id: int
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """'Yes, take it down', from data/wins.toml."""
        return discord.ui.Button(label=words()["post"]["remove_confirm_button"], style=self.style, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Delete the post and mark the win removed."""
        win = await win_to_remove(interaction, self.win_id)
        if isinstance(win, str):
            await interaction.response.edit_message(content=win, view=None)
            return
        post = words()["post"]
        if not await wins_cog(interaction).sharing.take_down(win):
            await reply(interaction, post["remove_failed"])
            return
        await interaction.response.edit_message(content=post["removed"], view=None)


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
            style=discord.TextStyle.paragraph,
            max_length=MAX_TEXT,
            required=True,
            custom_id="text",
            placeholder=share["modal_text_placeholder"],
            default=text or None,
        )
        self.category: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="category",
            min_values=1,
            max_values=1,
            required=True,
            options=[
                discord.SelectOption(label=c["label"], value=c["key"], emoji=c["emoji"], default=c["key"] == category)
                for c in categories().values()
            ],
        )
        self.anonymous: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="anonymous",
            min_values=1,
            max_values=1,
            required=True,
            options=[
                discord.SelectOption(label=share["with_name"], value="no", default=not anonymous),
                discord.SelectOption(label=share["as_anonymous"][:100], value="yes", default=anonymous),
            ],
        )
        self.add_item(discord.ui.Label(text=share["modal_text_label"], component=self.text))
        self.add_item(discord.ui.Label(text=share["modal_category_label"], component=self.category))
        self.add_item(discord.ui.Label(text=share["modal_anonymous_label"], component=self.anonymous))

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Save the draft and show (or refresh) its preview."""
        cog = self.cog
        text = clean_text(self.text.value)
        if not has_visible(text):
            await reply(interaction, words()["share"]["invisible"])
            return
        category = known_category(self.category.values[0] if self.category.values else None)
        anonymous = (self.anonymous.values or ["no"])[0] == "yes"
        now = cog.bot.now()
        if self.win_id is None:
            win = await cog.wins.create_draft(
                user_id=self.owner_id,
                guild_id=interaction.guild_id,
                category=category,
                text=text,
                anonymous=anonymous,
                source="command",
                now=now,
            )
            await cog.sharing.show_new_preview(interaction, win)
            return
        updated = await cog.wins.update_draft(
            self.win_id, self.owner_id, text=text, category=category, anonymous=anonymous, now=now
        )
        edited = await cog.wins.get(self.win_id) if updated else None
        if edited is None:
            await reply(interaction, words()["share"]["gone"])
            return
        parts = await cog.sharing.render_preview(interaction, edited, note=None)
        if interaction.message is not None:
            await interaction.response.edit_message(**parts)
        else:
            await reply(interaction, **parts)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    PostButton,
    EditButton,
    CancelButton,
    SavedDraftButton,
    WhereSelect,
    ShareWinButton,
    CheerButton,
    RemoveButton,
    RemoveConfirmButton,
)
