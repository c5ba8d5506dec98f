"""A tiny discord.py bot exercising what the emulator must support (not the project's bot)."""

from __future__ import annotations

import asyncio
import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

log = logging.getLogger(__name__)

TIMEZONES = ["Europe/London", "Europe/Lisbon", "America/New_York", "Asia/Tokyo"]


class VentModal(discord.ui.Modal, title="Vent"):
    """Classic modal: text inputs in action rows."""

    vent: discord.ui.TextInput[VentModal] = discord.ui.TextInput(
        label="What happened?", custom_id="vent", style=discord.TextStyle.paragraph, max_length=200
    )
    mood: discord.ui.TextInput[VentModal] = discord.ui.TextInput(label="One word", custom_id="word", required=False)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Echo back what was typed."""
        await interaction.response.send_message(f"heard: {self.vent.value} / {self.mood.value or '-'}", ephemeral=True)


class LabelModal(discord.ui.Modal, title="Reflect"):
    """Newer modal: Label components wrapping a text input and a select."""

    def __init__(self) -> None:
        super().__init__()
        self.text: discord.ui.TextInput[LabelModal] = discord.ui.TextInput(
            custom_id="lesson", style=discord.TextStyle.short, min_length=3
        )
        self.pick: discord.ui.Select[LabelModal] = discord.ui.Select(
            custom_id="energy",
            options=[
                discord.SelectOption(label="Low", value="low", default=True),
                discord.SelectOption(label="High", value="high"),
            ],
        )
        self.add_item(discord.ui.Label(text="Lesson learned", component=self.text))
        self.add_item(discord.ui.Label(text="Energy", component=self.pick))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Echo back both values."""
        await interaction.response.send_message(f"lesson={self.text.value} energy={self.pick.values}", ephemeral=True)


class MoodView(discord.ui.View):
    """A persistent view with two buttons and a select."""

    def __init__(self, owner_id: int | None = None) -> None:
        super().__init__(timeout=None)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the owner may use DM controls."""
        if self.owner_id is not None and interaction.user.id != self.owner_id:
            await interaction.response.send_message("Not yours.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Reflect now", custom_id="mood:reflect", style=discord.ButtonStyle.primary)
    async def reflect(self, interaction: discord.Interaction, button: discord.ui.Button[MoodView]) -> None:
        """Disable the button and update the message."""
        button.disabled = True
        await interaction.response.edit_message(content="Reflecting…", view=self)

    @discord.ui.button(label="Vent", custom_id="mood:vent")
    async def vent(self, interaction: discord.Interaction, button: discord.ui.Button[MoodView]) -> None:
        """Open the classic modal."""
        await interaction.response.send_modal(VentModal())

    @discord.ui.select(
        custom_id="mood:pick",
        placeholder="How do you feel?",
        options=[discord.SelectOption(label="Sad", value="sad"), discord.SelectOption(label="Okay", value="okay")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[MoodView]) -> None:
        """Acknowledge the choice ephemerally."""
        await interaction.response.send_message(f"you feel {select.values[0]}", ephemeral=True)


class TestBot(commands.Bot):
    """Records what it sees so tests can assert on the discord.py side."""

    __test__ = False

    def __init__(self, intents: discord.Intents | None = None) -> None:
        super().__init__(
            command_prefix="!",
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.1,
            help_command=None,
        )
        self.seen_messages: list[discord.Message] = []
        self.resumed = asyncio.Event()
        self.resumed_count = 0
        self.errors: list[BaseException] = []

    async def setup_hook(self) -> None:
        """Register persistent views and sync global commands."""
        self.add_view(MoodView())
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip discord.py's 5 s pause before re-IDENTIFY (real identify limits do not apply locally)."""

    async def on_message(self, message: discord.Message) -> None:
        """Record every message event."""
        self.seen_messages.append(message)

    async def on_resumed(self) -> None:
        """Count RESUMED events."""
        self.resumed_count += 1
        self.resumed.set()


def make_bot(intents: discord.Intents | None = None) -> TestBot:
    """Build the bot with its app commands."""
    bot = TestBot(intents)
    tree = bot.tree

    @tree.command(name="rejected", description="Log a rejection")
    @app_commands.describe(company="Company", stage="Stage")
    @app_commands.choices(
        stage=[app_commands.Choice(name="Onsite", value="onsite"), app_commands.Choice(name="Phone", value="phone")]
    )
    async def rejected(
        interaction: discord.Interaction,
        company: str,
        stage: app_commands.Choice[str],
        rounds: app_commands.Range[int, 1, 10] | None = None,
        channel: discord.TextChannel | None = None,
        buddy: discord.Member | None = None,
    ) -> None:
        extra = f" rounds={rounds}" if rounds else ""
        extra += f" channel={channel.name}" if channel else ""
        extra += f" buddy={buddy.name}" if buddy else ""
        await interaction.response.send_message(f"Logged {company} at {stage.value}{extra}", ephemeral=True)

    @tree.command(name="slow", description="Defers then follows up")
    async def slow(interaction: discord.Interaction, ephemeral: bool = False) -> None:
        await interaction.response.defer(thinking=True, ephemeral=ephemeral)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done thinking")
        await interaction.followup.send("and one more")

    @tree.command(name="mood", description="Post the mood panel")
    async def mood(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("How are you?", view=MoodView())

    @tree.command(name="reflect", description="Open the label modal")
    async def reflect(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(LabelModal())

    @tree.command(name="dmme", description="DM me a file")
    async def dmme(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        try:
            await interaction.user.send(
                "Here is your report",
                file=discord.File(io.BytesIO(b"weekly report"), "report.txt"),
                view=MoodView(owner_id=interaction.user.id),
            )
        except discord.Forbidden as exc:
            await interaction.followup.send(f"cannot DM you ({exc.code})", ephemeral=True)
            return
        await interaction.followup.send("sent", ephemeral=True)

    @tree.command(name="config", description="Managers only")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    async def config(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("configured", ephemeral=True)

    @config.error
    async def config_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await interaction.response.send_message("You need Manage Server.", ephemeral=True)

    @tree.command(name="sleepy", description="Answers too late")
    async def sleepy(interaction: discord.Interaction, seconds: float) -> None:
        await asyncio.sleep(seconds)
        try:
            await interaction.response.send_message("late")
        except discord.HTTPException as exc:
            bot.errors.append(exc)

    nudges = app_commands.Group(name="nudges", description="Nudges")

    @nudges.command(name="start", description="Start nudges")
    async def start(interaction: discord.Interaction, time: str, timezone: str) -> None:
        await interaction.response.send_message(f"nudging at {time} {timezone}", ephemeral=True)

    @start.autocomplete("timezone")
    async def tz_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in TIMEZONES if current.lower() in z.lower()]

    tree.add_command(nudges)
    return bot


def add_extra_commands(bot: TestBot) -> None:
    """Commands for webhook edits, context menus and DM use."""
    tree = bot.tree

    @tree.command(name="progress", description="Edits and deletes its own responses")
    async def progress(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("step 1")
        await interaction.edit_original_response(content="step 2")
        original = await interaction.original_response()
        note = await interaction.followup.send(f"original said {original.content}", wait=True)
        await note.edit(content="note edited")
        extra = await interaction.followup.send("temporary", wait=True, ephemeral=True)
        await extra.delete()

    @tree.context_menu(name="Cheer on")
    async def cheer(interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.send_message(f"cheering {member.name}", ephemeral=True)

    @tree.context_menu(name="Save win")
    async def save(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"saved {message.content}", ephemeral=True)

    @tree.command(name="where", description="Says where it was used")
    async def where(interaction: discord.Interaction) -> None:
        place = "dm" if interaction.guild is None else interaction.guild.name
        await interaction.response.send_message(f"in {place}")

    @tree.command(name="panel", description="Deferred component update")
    async def panel(interaction: discord.Interaction) -> None:
        view = discord.ui.View(timeout=30)
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(label="Later", custom_id="panel:later")

        async def later(inner: discord.Interaction) -> None:
            await inner.response.defer()
            await inner.edit_original_response(content="updated later", view=None)

        button.callback = later  # type: ignore[method-assign, assignment]
        view.add_item(button)
        await interaction.response.send_message("panel", view=view)

    @tree.command(name="upload", description="Reads an attachment")
    async def upload(
        interaction: discord.Interaction, file: discord.Attachment, role: discord.Role | None = None
    ) -> None:
        data = await file.read()
        suffix = f" for {role.name}" if role else ""
        await interaction.response.send_message(f"{file.filename}: {len(data)} bytes{suffix}", ephemeral=True)

    @tree.command(name="chart", description="Responds with a file")
    async def chart(interaction: discord.Interaction) -> None:
        file = discord.File(io.BytesIO(b"\x89PNG fake chart"), "progress.png")
        await interaction.response.send_message("your chart", file=file, ephemeral=True)
        await interaction.followup.send("public copy", file=discord.File(io.BytesIO(b"copy"), "copy.png"))
