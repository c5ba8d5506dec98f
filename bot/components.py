"""One base for the bot's persistent components: state in the custom id, the owner check, errors in one place.

A button under a message must keep working after a restart, and only for the member it was shown to. So a
component's state is a few integers in its custom id (`win:post:<win_id>:<owner_id>`), discord.py rebuilds it
from that id (a DynamicItem), and this base does the rest once:

    class PostButton(OwnedButton, prefix="win:post", fields=("win_id", "owner_id")):
        label, emoji, style = "Post", "🎉", discord.ButtonStyle.success
        win_id: int
        owner_id: int

        async def pressed(self, interaction: Interaction) -> None:
            ...

`PostButton(win.id, member.id)` builds it; the custom id pattern and string come from the same spec; someone
else pressing it is refused kindly in `interaction_check`; an error in `pressed` reaches the member with a
reference (discord.py would only log it).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Generic, Self, TypeVar

import discord

from bot.ui import NOT_YOURS, STEP_UNAVAILABLE, NextStep, refuse_if_not_owner, reply, report_error

NEVER = r"(?!)"  # the template of an abstract base: matches no custom id
OWNER = "owner_id"

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])


# A field is a name (an integer, like an id) or (name, pattern) for a short word from a fixed set, e.g.
# ("kind", "vent|reflection|win"); the values come back as int and str respectively.
Field = str | tuple[str, str]
Value = int | str


def field_name(field: Field) -> str:
    """A field's name."""
    return field if isinstance(field, str) else field[0]


def custom_id_pattern(prefix: str, fields: tuple[Field, ...]) -> str:
    """The regular expression a DynamicItem matches: the prefix, then one group per field."""
    groups = (f":(?P<{f}>\\d+)" if isinstance(f, str) else f":(?P<{f[0]}>(?:{f[1]}))" for f in fields)
    return re.escape(prefix) + "".join(groups)


class OwnedItem(discord.ui.DynamicItem[ItemT], Generic[ItemT], template=NEVER):
    """A persistent component whose integer state lives in its custom id; see the module docstring."""

    prefix: ClassVar[str] = ""
    fields: ClassVar[tuple[Field, ...]] = ()
    not_yours: ClassVar[str] = NOT_YOURS

    def __init_subclass__(cls, *, prefix: str | None = None, fields: tuple[Field, ...] = (), **kwargs: Any) -> None:
        if prefix is None:  # an abstract middle class (e.g. the buttons under a nudge share a base)
            super().__init_subclass__(template=NEVER, **kwargs)
            return
        cls.prefix, cls.fields = prefix, fields
        super().__init_subclass__(template=custom_id_pattern(prefix, fields), **kwargs)

    def __init__(self, *values: Value) -> None:
        names = [field_name(field) for field in self.fields]
        if len(values) != len(names):
            raise TypeError(f"{type(self).__name__} takes {len(names)} values ({', '.join(names)})")
        for name, value in zip(names, values, strict=True):
            setattr(self, name, value)
        super().__init__(self.build(self.custom_id_for(*values)))

    @classmethod
    def custom_id_for(cls, *values: Value) -> str:
        """The custom id for these values, in the order of `fields`."""
        return ":".join([cls.prefix, *(str(value) for value in values)])

    def build(self, custom_id: str) -> ItemT:
        """The discord.py item to send (a button, a select...) with this custom id."""
        raise NotImplementedError(f"{type(self).__name__} must say what it looks like")

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild from a custom id (after a restart, or for any message discord.py no longer holds)."""
        return cls(*(int(match[f]) if isinstance(f, str) else str(match[f[0]]) for f in cls.fields))

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the member the component was made for may use it; anyone else is told so, privately."""
        if OWNER not in map(field_name, self.fields):
            return True
        return not await refuse_if_not_owner(interaction, getattr(self, OWNER), self.not_yours)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Run `pressed`; a failure reaches the member with a reference instead of vanishing into the log."""
        try:
            await self.pressed(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        """What the component does (subclasses)."""
        raise NotImplementedError


class OwnedButton(OwnedItem[discord.ui.Button[Any]]):
    """A persistent button; subclasses set `label`, `emoji` and `style` (or override `build`)."""

    label: ClassVar[str | None] = None
    emoji: ClassVar[str | None] = None
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """A button drawn from the class's label, emoji and style."""
        return discord.ui.Button(label=self.label, emoji=self.emoji, style=self.style, custom_id=custom_id)


class OwnedSelect(OwnedItem[discord.ui.Select[Any]]):
    """A persistent select menu; subclasses override `build` to give its options."""

    @property
    def values(self) -> list[str]:
        """What the member picked."""
        return list(self.item.values)


class StaticView(discord.ui.View):
    """A view discord.py never keeps: every item in it is answered by a registered DynamicItem's custom id.

    discord.py keeps each view it sends until the view times out, and gives an ephemeral one a 15-minute timer
    task: memory and a task per message that nobody needs when DynamicItems answer by custom id. This view is
    stopped and never dispatchable, so it is neither kept nor timed. Never put items with their own callbacks
    in it: those would not be called.
    """

    def __init__(self, *items: discord.ui.Item[Any], rows: list[dict[str, Any]] | None = None) -> None:
        super().__init__(timeout=None)
        for item in items:
            self.add_item(item)
        self._rows = rows
        self.stop()

    def is_dispatchable(self) -> bool:
        """Never stored per message (100,000 DMs a day would otherwise pile up in the view store)."""
        return False

    def to_components(self) -> list[dict[str, Any]]:
        """The component payloads: ready-made rows if given (see `prepared`), else built from the items."""
        return self._rows if self._rows is not None else super().to_components()

    @classmethod
    def prepared(cls, rows: list[dict[str, Any]]) -> StaticView:
        """Components sent as ready-made payloads: nothing is built per message but what differs (the ids).

        For /rejected's first answer (a select of ten feelings), building discord.py's item objects only to
        serialise them again was about a tenth of the bot's CPU in a burst of a thousand check-ins.
        """
        return cls(rows=rows)


class NextStepButton(OwnedButton, prefix="next", fields=(("key", "[a-z_]+"), "checkin_id", "owner_id")):
    """Every button after `/rejected`: the base checks the owner, then the step its capability registered runs."""

    key: str
    checkin_id: int
    owner_id: int

    async def pressed(self, interaction: discord.Interaction[Any]) -> None:
        """Run the registered step, or say it isn't available (its capability isn't loaded)."""
        steps: list[NextStep] = getattr(interaction.client, "next_steps", [])
        step = next((candidate for candidate in steps if candidate.key == self.key), None)
        if step is None or step.action is None:
            await reply(interaction, STEP_UNAVAILABLE)
            return
        await step.action(interaction, self.checkin_id, self.owner_id)
