"""`/rejected`: a private check-in — how it feels, an optional vent, validation, a reframe, next steps."""

from __future__ import annotations

import functools
import logging
import sqlite3
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.care import words as care_words
from bot.client import ASSESSES_OWN_TEXT, BouncebackBot, Interaction
from bot.components import OwnedButton, OwnedSelect, StaticView
from bot.content import load_content
from bot.delete_one import delete_this_button
from bot.retention import VENT_WARNING_KIND, after_vent_kept
from bot.scale import INTENSITY_LABELS
from bot.storage.checkins import STAGES, Checkin
from bot.ui import (
    NO_MENTIONS,
    WARM,
    BaseModal,
    reply,
)

log = logging.getLogger(__name__)

MAX_VENT = 4000
MAX_FIELD = 100
GONE = "I couldn't find that check-in any more (it may have been deleted). You can start a fresh one with `/rejected`."


def words() -> dict[str, Any]:
    """The check-in's wording, from data/checkin.toml."""
    return load_content("checkin")


def feeling_table() -> dict[str, dict[str, str]]:
    """Feelings by key, in the order the data file lists them."""
    return {feeling["key"]: feeling for feeling in words()["feelings"]}


def intensity_band(intensity: int) -> str:
    """Which set of validation wording fits an intensity from 1 to 5."""
    if intensity <= 2:
        return "low"
    return "mid" if intensity == 3 else "high"


def clean_option(text: str | None) -> str | None:
    """Trim an optional text option; blank becomes None, and markdown can't break the layout."""
    if text is None:
        return None
    collapsed = " ".join(text.split())[:MAX_FIELD]
    return discord.utils.escape_markdown(collapsed) or None


def where_text(company: str | None, role: str | None, stage: str | None) -> str:
    """A short 'what happened' line, e.g. 'Engineer at Acme, onsite / final round'."""
    head = " at ".join(part for part in (role, company) if part)
    stage_label = STAGES.get(stage or "")
    if head and stage_label:
        return f"{head} · {stage_label.lower()}"
    return head or (stage_label.lower() if stage_label else "")


@functools.cache
def feeling_options() -> tuple[discord.SelectOption, ...]:
    """The feelings as select options, built once (each /rejected needs them before its first answer)."""
    return tuple(
        discord.SelectOption(label=f["label"], value=f["key"], emoji=f["emoji"], description=f["description"])
        for f in feeling_table().values()
    )


@functools.cache
def feeling_select_payload() -> dict[str, Any]:
    """The select of feelings as Discord receives it, built once; each check-in only has its own custom id."""
    return dict(FeelingSelect(0, 0).item.to_component_dict())


def feeling_view(checkin_id: int, owner_id: int) -> discord.ui.View:
    """Step one: the select of feelings (answered by `FeelingSelect`, matched on the custom id)."""
    select = {**feeling_select_payload(), "custom_id": FeelingSelect.custom_id_for(checkin_id, owner_id)}
    return StaticView.prepared([{"type": discord.ComponentType.action_row.value, "components": [select]}])


def intensity_view(checkin_id: int, owner_id: int) -> discord.ui.View:
    """Step two: how strong the feeling is, 1 to 5."""
    return StaticView(*(IntensityButton(checkin_id, owner_id, level) for level in INTENSITY_LABELS))


def next_steps_view(bot: BouncebackBot, checkin_id: int, owner_id: int, *, offer_vent: bool) -> discord.ui.View:
    """The buttons that end a check-in: vent (optional) and whatever next steps the loaded cogs offer."""
    view = StaticView()
    if offer_vent:
        view.add_item(VentButton(checkin_id, owner_id))
    for step in bot.next_steps[:24]:
        view.add_item(
            discord.ui.Button(
                label=step.label, emoji=step.emoji, style=discord.ButtonStyle.primary,
                custom_id=step.custom_id(checkin_id, owner_id),
            )
        )
    # Every next-step button is answered by its own cog's DynamicItem, matched on the custom id.
    return view


async def validation_embed(bot: BouncebackBot, checkin: Checkin, *, care: bool = False) -> discord.Embed:
    """The heart of the check-in: words fitted to the feeling and its strength, a reframe, a way forward.

    In care mode the reframe is left out: at a low moment, looking on the bright side is not what helps.
    """
    text = words()
    feeling = feeling_table().get(checkin.feeling or "")
    band = intensity_band(checkin.intensity or 3)
    lines: list[str] = []
    if feeling is not None:
        variants = text["validation"][feeling["key"]][band]
        lines.append(await bot.wording.pick(checkin.user_id, f"validation:{feeling['key']}:{band}", variants))
    if not care:
        lines.append(await bot.wording.pick(checkin.user_id, "reframe", text["reframes"]))
        lines.append(await bot.wording.pick(checkin.user_id, "next_intro", text["next_steps_intro"]))
    title = f"{feeling['emoji']} {feeling['label']}" if feeling else "Thank you for telling me"
    if checkin.intensity:
        title += f" · {checkin.intensity}/5"
    embed = discord.Embed(title=title, description="\n\n".join(lines), colour=WARM)
    embed.set_footer(text=text["vent_prompt"])
    return embed


class FeelingSelect(OwnedSelect, prefix="checkin:feeling", fields=("checkin_id", "owner_id")):
    """The select of feelings; works after a restart because its state lives in its custom id."""

    checkin_id: int
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Select[Any]:
        """The ten feelings from data/checkin.toml."""
        return discord.ui.Select(
            placeholder="How are you feeling right now?", options=list(feeling_options()), custom_id=custom_id
        )

    async def pressed(self, interaction: Interaction) -> None:
        """Remember the feeling and ask how strong it is."""
        feeling = self.values[0] if self.values else None
        if feeling not in feeling_table():
            await reply(interaction, "I didn't recognise that choice — please pick one from the list.")
            return
        bot = interaction.client
        if not await bot.checkins.set_feeling(self.checkin_id, self.owner_id, feeling, None):
            await reply(interaction, GONE)
            return
        chosen = feeling_table()[feeling]
        embed = discord.Embed(
            title=f"{chosen['emoji']} {chosen['label']}",
            description="Thanks for naming it. How strong is it right now, from 1 (a little) to 5 (a lot)?",
            colour=WARM,
        )
        await interaction.response.edit_message(embed=embed, view=intensity_view(self.checkin_id, self.owner_id))


class IntensityButton(OwnedButton, prefix="checkin:intensity", fields=("checkin_id", "owner_id", "level")):
    """One of the five intensity buttons."""

    checkin_id: int
    owner_id: int
    level: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Labelled 1 (a little) to 5 (a lot)."""
        label = INTENSITY_LABELS.get(self.level, str(self.level))
        return discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Store the intensity, then validate, reframe and offer next steps."""
        bot = interaction.client
        checkin = await bot.checkins.get(self.checkin_id, self.owner_id)
        if checkin is None or checkin.feeling is None or self.level not in INTENSITY_LABELS:
            await reply(interaction, GONE)
            return
        await bot.checkins.set_feeling(self.checkin_id, self.owner_id, checkin.feeling, self.level)
        checkin = await bot.checkins.get(self.checkin_id, self.owner_id)
        assert checkin is not None
        if self.level == 5 and checkin.feeling in care_words()["heavy_feelings"]:
            await bot.care.signal(self.owner_id)  # the strongest hard feeling: a quiet day, no milestones
        embed = await validation_embed(bot, checkin, care=await bot.care.active(self.owner_id))
        view = next_steps_view(bot, self.checkin_id, self.owner_id, offer_vent=checkin.vent is None)
        await interaction.response.edit_message(embed=embed, view=view)
        bot.dispatch("checkin_logged", checkin)


class VentButton(OwnedButton, prefix="checkin:vent", fields=("checkin_id", "owner_id")):
    """Opens the private vent."""

    label, emoji = "Vent privately", "💬"
    checkin_id: int
    owner_id: int

    async def pressed(self, interaction: Interaction) -> None:
        """Show the vent modal."""
        await interaction.response.send_modal(VentModal(self.checkin_id, self.owner_id))


class VentModal(BaseModal):
    """A private place to let it out; kept in the journal only if the member chooses so."""

    def __init__(self, checkin_id: int, owner_id: int) -> None:
        modal_words = words()["vent_modal"]
        super().__init__(title=modal_words["title"], custom_id=f"checkin:ventmodal:{checkin_id}:{owner_id}")
        self.checkin_id = checkin_id
        self.owner_id = owner_id
        self.vent: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, max_length=MAX_VENT, required=True,
            placeholder=modal_words["placeholder"], custom_id="vent",
        )
        self.keep: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="keep", min_values=1, max_values=1, required=True,
            options=[
                discord.SelectOption(label=modal_words["keep_no"][:100], value="no", default=True),
                discord.SelectOption(label=modal_words["keep_yes"][:100], value="yes"),
            ],
        )
        self.add_item(discord.ui.Label(text=modal_words["label"], component=self.vent))
        self.add_item(discord.ui.Label(text=modal_words["keep_label"], component=self.keep))

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Keep the vent if asked; lead with care if the words call for it, and then say nothing cheerful."""
        bot = interaction.client
        text = self.vent.value.strip()
        keep = (self.keep.values or ["no"])[0] == "yes"
        modal_words = words()["vent_modal"]
        assessment = await bot.care.assess(interaction, self.owner_id, text)
        care = await bot.care.reply_parts(interaction, assessment)
        kept = keep and bool(text)
        if kept and not await bot.checkins.keep_vent(self.checkin_id, self.owner_id, text, bot.now()):
            await reply(interaction, GONE, embeds=care.embeds, view=care.view())
            return
        if assessment.needs_care:
            confirmation = care_words()["quiet"]["vent_kept" if kept else "vent_not_kept"]
        elif kept:
            confirmation = await bot.wording.pick(self.owner_id, "vent_kept", modal_words["kept_confirmation"])
        else:
            confirmation = await bot.wording.pick(self.owner_id, "vent_not_kept", modal_words["not_kept_confirmation"])
        extra: list[discord.ui.Item[Any]] = []
        if kept:
            # How long it is kept and until when, said now; and a way to delete just this one.
            confirmation = f"{confirmation}\n\n{await after_vent_kept(bot, self.checkin_id, self.owner_id)}"
            extra.append(delete_this_button("vent", self.checkin_id, self.owner_id))
        embeds = [*care.embeds, discord.Embed(description=confirmation, colour=WARM)]
        await reply(interaction, embeds=embeds, view=care.view(*extra))


class CheckinCog(commands.Cog):
    """The `/rejected` check-in."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the persistent components and how one kept vent is deleted."""
        self.bot.add_dynamic_items(FeelingSelect, IntensityButton, VentButton)
        self.bot.register_deleter("vent", self.delete_vent)

    async def cog_unload(self) -> None:
        """Withdraw the persistent components and the deleter."""
        self.bot.remove_dynamic_items(FeelingSelect, IntensityButton, VentButton)
        self.bot.unregister_deleter("vent")

    async def delete_vent(self, checkin_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """"Delete this" on a vent: the words go, the check-in (feeling, stage) stays; no warning DM follows."""
        found = await self.bot.checkins.delete_vent(checkin_id, owner_id)
        await self.bot.timers.cancel(VENT_WARNING_KIND, user_id=owner_id, payload_match={"checkin_id": checkin_id})
        return found, []

    @app_commands.command(
        name="rejected", description="Had a rejection? Check in privately and take the next step",
        extras={ASSESSES_OWN_TEXT: True},
    )
    @app_commands.describe(
        company="The company (optional, only you will see it)",
        role="The role you went for (optional)",
        stage="How far you got",
    )
    @app_commands.choices(stage=[app_commands.Choice(name=label, value=key) for key, label in STAGES.items()])
    async def rejected(
        self,
        interaction: Interaction,
        company: app_commands.Range[str, 1, MAX_FIELD] | None = None,
        role: app_commands.Range[str, 1, MAX_FIELD] | None = None,
        stage: app_commands.Choice[str] | None = None,
    ) -> None:
        """Acknowledge the rejection and ask how it feels."""
        company_text, role_text = clean_option(company), clean_option(role)
        stage_key = stage.value if stage else None
        bot, user_id, openings = self.bot, interaction.user.id, words()["openings"]
        assessment = await bot.care.assess(interaction, user_id, company, role)
        now = bot.now()

        def start(connection: sqlite3.Connection) -> tuple[int, str]:
            checkin_id = bot.checkins.create_now(
                connection, user_id=user_id, guild_id=interaction.guild_id, now=now,
                company=company_text, role=role_text, stage=stage_key,
            )
            return checkin_id, bot.wording.pick_now(connection, user_id, "opening", openings)

        # One trip to the database before the first answer: the check-in and its opening line together.
        checkin_id, opening = await bot.database.run(start)
        embed = discord.Embed(title="That's a hard one", description=opening, colour=WARM)
        context = where_text(company_text, role_text, stage_key)
        if context:
            embed.add_field(name="What happened", value=context, inline=False)
        if assessment.needs_care:
            # Support first; the feeling select stays below it, for when they're ready.
            care = await bot.care.reply_parts(interaction, assessment)
            embeds, view = [*care.embeds, embed], care.view(FeelingSelect(checkin_id, user_id))
        else:
            embeds, view = [embed], feeling_view(checkin_id, user_id)
        await interaction.response.send_message(
            embeds=embeds, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: BouncebackBot) -> None:
    """Load the check-in cog."""
    await bot.add_cog(CheckinCog(bot))
