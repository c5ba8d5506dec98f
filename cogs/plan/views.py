"""The plan's persistent components ("Add to my plan", the item picker, Done/Edit/Drop, "Add my own"), its form,
and the list /plan shows. Every component keeps its state and owner in its custom id, so it survives a restart."""

from __future__ import annotations

from typing import Any, ClassVar

import discord

from bot.client import BouncebackBot, Interaction
from bot.components import OwnedButton, OwnedSelect, StaticView
from bot.content import plural
from bot.text import parse_id
from bot.ui import CALM, WARM, BaseModal, reply, share_win_custom_id
from cogs.plan.logic import ACTIONS, MAX_OPEN, action_phrase, clean_text, source_phrase, words
from cogs.plan.store import PlanItem, PlanStore

FORM_PREFIX = "plan:form"
TEXT_FIELD = "text"
ACTION_FIELD = "action"


def plan_store(bot: BouncebackBot) -> PlanStore:
    """The plan's table over the bot's database and cipher."""
    return PlanStore(bot.database, bot.cipher)


def quote(text: str) -> str:
    """An item's words in quotes, safe from markdown."""
    return f"“{discord.utils.escape_markdown(text)}”"


def plan_embed(items: list[PlanItem], done: int, *, care: bool = False) -> discord.Embed:
    """The list: each open item with what to do and where it came from; a gentle line first in care mode."""
    text = words()
    lines = [
        text["line"].format(
            number=number,
            text=discord.utils.escape_markdown(item.text),
            action=action_phrase(item.action),
            source=source_phrase(item.source_kind),
        )
        for number, item in enumerate(items, start=1)
    ]
    description = "\n".join(lines) if lines else text["empty"]
    if care:
        description = f"{text['care_note']}\n\n{description}"
    embed = discord.Embed(title=text["title"], description=description, colour=CALM)
    footer = plural(text["footer"], len(items), cap=MAX_OPEN)
    if done:
        footer += plural(text["done_footer"], done)
    embed.set_footer(text=footer)
    return embed


def plan_view(items: list[PlanItem], owner_id: int) -> StaticView:
    """The picker (when there is anything to pick) and "Add my own"."""
    view = StaticView()
    if items:
        view.add_item(PickSelect(owner_id, items))
    view.add_item(NewButton(owner_id))
    return view


class PlanButton(OwnedButton):
    """What every plan button shares: someone else pressing it is told it's another member's plan."""

    not_yours: ClassVar[str] = str(words()["not_yours"])
    owner_id: int


class PickSelect(OwnedSelect, prefix="plan:pick", fields=("owner_id",)):
    """The select under /plan: open one item to mark it done, edit it or drop it."""

    not_yours: ClassVar[str] = str(words()["not_yours"])
    owner_id: int

    def __init__(self, owner_id: int, items: list[PlanItem] | None = None) -> None:
        self._items = items or []  # none when rebuilt from a custom id: only the choice matters then
        super().__init__(owner_id)

    def build(self, custom_id: str) -> discord.ui.Select[Any]:
        """One option per open item."""
        options = [
            discord.SelectOption(
                label=clean_text(f"{number}. {item.text}", 100),
                value=str(item.id),
                description=action_phrase(item.action)[:100],
            )
            for number, item in enumerate(self._items[:25], start=1)
        ] or [discord.SelectOption(label="—", value="0")]
        return discord.ui.Select(placeholder=words()["pick_placeholder"], options=options, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Show the chosen item with Done, Edit and Drop."""
        item_id = parse_id(self.values[0] if self.values else "0") or 0
        item = await plan_store(interaction.client).get(item_id, self.owner_id)
        if item is None or item.state != "open":
            await reply(interaction, words()["gone"])
            return
        await reply(interaction, embed=item_embed(item), view=item_view(item))


def item_embed(item: PlanItem) -> discord.Embed:
    """One item: its words, what to do about it, where it came from."""
    text = words()
    description = text["item_text"].format(
        text=quote(item.text), action=action_phrase(item.action), source=source_phrase(item.source_kind)
    )
    return discord.Embed(title=text["item_title"], description=description, colour=CALM)


def item_view(item: PlanItem) -> StaticView:
    """Done, Edit and Drop for one item."""
    return StaticView(*(ItemButton(action, item.id, item.user_id) for action in ("done", "edit", "drop")))


class ItemButton(PlanButton, prefix="plan:item", fields=(("action", "done|edit|drop"), "item_id", "owner_id")):
    """Done, Edit or Drop on one item."""

    LOOKS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "done": ("✅", discord.ButtonStyle.success),
        "edit": ("✏️", discord.ButtonStyle.secondary),
        "drop": ("🗑️", discord.ButtonStyle.secondary),
    }
    action: str
    item_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Labelled from data/plan.toml."""
        emoji, style = self.LOOKS[self.action]
        label = str(words()[f"{self.action}_button"])
        return discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Mark it done (a warm line, and an invitation to draft a win), open the form, or drop it."""
        bot = interaction.client
        store = plan_store(bot)
        item = await store.get(self.item_id, self.owner_id)
        if item is None or item.state != "open":
            await reply(interaction, words()["gone"])
            return
        if self.action == "edit":
            await send_form(interaction, ItemForm(self.owner_id, item))
        elif self.action == "drop":
            await store.drop(item.id, self.owner_id)
            await reply(interaction, words()["dropped"].format(text=quote(item.text)))
        elif await store.finish(item.id, self.owner_id, bot.now()):
            await finished(bot, interaction, item)
        else:
            await reply(interaction, words()["gone"])


async def finished(bot: BouncebackBot, interaction: Interaction, item: PlanItem) -> None:
    """A warm line for a finished item and a button to draft it as a win, privately; in care mode a plain line."""
    text = words()
    if await bot.care.active(item.user_id):
        await reply(interaction, text["done_quiet"].format(text=quote(item.text)))
        return
    line = await bot.wording.pick(item.user_id, "plan:done", text["done"])
    embed = discord.Embed(description=line.format(text=quote(item.text)), colour=WARM)
    embed.set_footer(text=text["share_hint"])
    # The wins capability answers this custom id (bot.ui.share_win_custom_id): a private preview, never a post.
    share = discord.ui.Button[Any](
        label=text["share_win"], emoji="🎉", style=discord.ButtonStyle.secondary, custom_id=share_id(item)
    )
    await reply(interaction, embed=embed, view=StaticView(share))


def share_id(item: PlanItem) -> str:
    """The "draft it as a win" custom id the wins capability answers."""
    return share_win_custom_id("plan", item.id, item.user_id)


class NewButton(PlanButton, prefix="plan:new", fields=("owner_id",)):
    """ "Add my own": the form for an item in the member's own words (or a kind word when the plan is full)."""

    emoji, style = "➕", discord.ButtonStyle.primary

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Labelled from data/plan.toml."""
        return discord.ui.Button(label=words()["add_own"], emoji=self.emoji, style=self.style, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Open the form, unless the plan is already full."""
        if len(await plan_store(interaction.client).open_items(self.owner_id)) >= MAX_OPEN:
            await reply(interaction, words()["full"].format(cap=MAX_OPEN))
            return
        await send_form(interaction, ItemForm(self.owner_id, None))


async def send_form(interaction: Interaction, form: ItemForm) -> None:
    """Open the form; the cog's custom-id route receives it, so discord.py need not keep listening for it."""
    await interaction.response.send_modal(form)
    form.stop()


def form_custom_id(item_id: int, owner_id: int) -> str:
    """Custom id of the add/edit form (item 0: a new item); the cog's custom-id route receives it."""
    return f"{FORM_PREFIX}:{item_id}:{owner_id}"


class ItemForm(BaseModal):
    """What to work on and what to do about it; answered by the cog's route, so it arrives across a restart."""

    def __init__(self, owner_id: int, item: PlanItem | None) -> None:
        form = words()["form"]
        title = form["edit_title"] if item else form["add_title"]
        super().__init__(title=title, custom_id=form_custom_id(item.id if item else 0, owner_id))
        self.owner_id = owner_id
        self.text: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            custom_id=TEXT_FIELD,
            required=True,
            max_length=200,
            placeholder=form["text_placeholder"],
            default=item.text if item else None,
        )
        chosen = item.action if item else "own"
        self.action: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=ACTION_FIELD,
            min_values=1,
            max_values=1,
            options=[
                discord.SelectOption(label=action_phrase(action), value=action, default=action == chosen)
                for action in ACTIONS
            ],
        )
        self.add_item(discord.ui.Label(text=form["text_label"], component=self.text))
        self.add_item(discord.ui.Label(text=form["action_label"], component=self.action))


def submitted(components: list[Any], custom_id: str) -> list[str] | None:
    """A field's value(s) in a raw modal submission: a text input's value as one item, a select's values."""
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == custom_id:
            if "value" in component:
                return [str(component["value"])]
            if "values" in component:
                return [str(value) for value in component["values"]]
        nested = component.get("components") or ([component["component"]] if "component" in component else [])
        found = submitted(nested, custom_id)
        if found is not None:
            return found
    return None
