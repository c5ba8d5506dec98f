"""The check-in's persistent components (feeling select, intensity and vent buttons), its modal and views."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import discord

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.components import OwnedButton, OwnedSelect, StaticView
from bot.delete_one import delete_this_button
from bot.retention import after_vent_kept
from bot.storage.checkins import Checkin
from bot.storage.database import Connection
from bot.ui import WARM, BaseModal, reply
from cogs.checkin.logic import (
    LEVELS,
    MAX_VENT,
    feeling_table,
    intensity_label,
    messages,
    signals_care,
    validation_title,
    validation_topics,
    words,
)


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
    return StaticView(*(IntensityButton(checkin_id, owner_id, level) for level in LEVELS))


def next_steps_view(bot: BouncebackBot, checkin_id: int, owner_id: int, *, offer_vent: bool) -> discord.ui.View:
    """The buttons that end a check-in: vent (optional) and whatever next steps the loaded cogs offer."""
    view = StaticView()
    if offer_vent:
        view.add_item(VentButton(checkin_id, owner_id))
    for step in bot.next_steps[:24]:
        view.add_item(
            discord.ui.Button(
                label=step.label,
                emoji=step.emoji,
                style=discord.ButtonStyle.primary,
                custom_id=step.custom_id(checkin_id, owner_id),
            )
        )
    # Every next-step button is answered by its own cog's DynamicItem, matched on the custom id.
    return view


def validation_embed(checkin: Checkin, lines: list[str]) -> discord.Embed:
    """The heart of the check-in: words fitted to the feeling and its strength, a reframe, a way forward."""
    embed = discord.Embed(title=validation_title(checkin), description="\n\n".join(lines), colour=WARM)
    embed.set_footer(text=words()["vent_prompt"])
    return embed


class FeelingSelect(OwnedSelect, prefix="checkin:feeling", fields=("checkin_id", "owner_id")):
    """The select of feelings; works after a restart because its state lives in its custom id."""

    checkin_id: int
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Select[Any]:
        """The ten feelings from data/checkin.toml."""
        return discord.ui.Select(
            placeholder=messages()["feeling_placeholder"], options=list(feeling_options()), custom_id=custom_id
        )

    async def pressed(self, interaction: Interaction) -> None:
        """Remember the feeling and ask how strong it is."""
        feeling = self.values[0] if self.values else None
        if feeling not in feeling_table():
            await reply(interaction, messages()["unknown_feeling"])
            return
        bot = interaction.client
        if not await bot.checkins.set_feeling(self.checkin_id, self.owner_id, feeling, None):
            await reply(interaction, messages()["gone"])
            return
        chosen = feeling_table()[feeling]
        embed = discord.Embed(
            title=f"{chosen['emoji']} {chosen['label']}",
            description=messages()["how_strong"],
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
        return discord.ui.Button(label=intensity_label(self.level), style=self.style, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Store the intensity, then validate, reframe and offer next steps: one trip to the database."""
        bot, now, heavy = interaction.client, interaction.client.now(), care_words()["heavy_feelings"]

        def answer(connection: Connection) -> tuple[Checkin, list[str]] | None:
            checkin = bot.checkins.get_in(connection, self.checkin_id, self.owner_id)
            if checkin is None or checkin.feeling is None:
                return None
            bot.checkins.set_feeling_in(connection, self.checkin_id, self.owner_id, checkin.feeling, self.level)
            checkin = dataclasses.replace(checkin, intensity=self.level)
            if signals_care(checkin.feeling, self.level, heavy):
                bot.care.signal_in(connection, self.owner_id, now)
            care = bot.care.active_in(connection, self.owner_id, now)
            topics = validation_topics(checkin, care=care)
            return checkin, [bot.wording.pick_in(connection, self.owner_id, *topic) for topic in topics]

        # The check-in, the care signal, care mode and the wording picks in one unit of work on the database thread.
        answered = await bot.database.run(answer) if self.level in LEVELS else None
        if answered is None:
            await reply(interaction, messages()["gone"])
            return
        checkin, lines = answered
        view = next_steps_view(bot, self.checkin_id, self.owner_id, offer_vent=checkin.vent is None)
        await interaction.response.edit_message(embed=validation_embed(checkin, lines), view=view)
        bot.dispatch("checkin_logged", checkin)


class VentButton(OwnedButton, prefix="checkin:vent", fields=("checkin_id", "owner_id")):
    """Opens the private vent."""

    emoji = "💬"
    checkin_id: int
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Labelled from data/checkin.toml."""
        label = messages()["vent_button"]
        return discord.ui.Button(label=label, emoji=self.emoji, style=self.style, custom_id=custom_id)

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
            style=discord.TextStyle.paragraph,
            max_length=MAX_VENT,
            required=True,
            placeholder=modal_words["placeholder"],
            custom_id="vent",
        )
        self.keep: discord.ui.Select[Any] = discord.ui.Select(
            custom_id="keep",
            min_values=1,
            max_values=1,
            required=True,
            options=[
                discord.SelectOption(label=modal_words["keep_no"][:100], value="no", default=True),
                discord.SelectOption(label=modal_words["keep_yes"][:100], value="yes"),
            ],
        )
        self.add_item(discord.ui.Label(text=modal_words["label"], component=self.vent))
        self.add_item(discord.ui.Label(text=modal_words["keep_label"], component=self.keep))

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Keep the vent if asked; lead with care if the words call for it, and then say nothing cheerful."""
        bot: BouncebackBot = interaction.client  # typed here: Modal.on_submit takes any client
        text = self.vent.value.strip()
        keep = (self.keep.values or ["no"])[0] == "yes"
        modal_words = words()["vent_modal"]
        assessment = await bot.care.assess(interaction, self.owner_id, text)
        care = await bot.care.reply_parts(interaction, assessment)
        kept = keep and bool(text)
        if kept and not await bot.checkins.keep_vent(self.checkin_id, self.owner_id, text, bot.now()):
            await reply(interaction, messages()["gone"], embeds=care.embeds, view=care.view())
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
