"""Plain-text rendering of Discord messages and modals for the terminal sandbox (`python -m bot --sandbox`).

Pure functions over Discord's JSON shapes (content, embeds, components), so they are easy to test and never
touch the network or the emulator.
"""

from __future__ import annotations

import logging
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.content import plural

log = logging.getLogger(__name__)

INDENT = "  "
EMBED_BAR = "│ "
EPHEMERAL_FLAG = 1 << 6
LINK_STYLE = 5
SELECT_TYPES = {3, 5, 6, 7, 8}
STRING_SELECT = 3
BUTTON = 2
TEXT_DISPLAY = 10

TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
CHANNEL_MENTION = re.compile(r"<#(\d+)>")
CUSTOM_EMOJI = re.compile(r"<a?:(\w+):\d+>")
COMMAND_MENTION = re.compile(r"</([\w -]+):\d+>")
MASKED_LINK = re.compile(r"\[([^\]\n]+)\]\((<?https?://[^)\s]+>?)\)")
SUPPRESSED_LINK = re.compile(r"<(https?://[^>\s]+)>")
BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
HEADING = re.compile(r"^(?:#{1,3}|-#) ", re.MULTILINE)
DISCORD_MESSAGE_LINK = ("https://discord.com/channels/", "https://discordapp.com/channels/")
ESCAPED = re.compile(r"\\([\\*_~`|>#\-\[\]()])")


class Names(Protocol):
    """Looks up the display names that mentions refer to (None when unknown)."""

    def user(self, user_id: int) -> str | None:
        """A user's name."""
        ...

    def channel(self, channel_id: int) -> str | None:
        """A channel's name."""
        ...

    def role(self, role_id: int) -> str | None:
        """A role's name."""
        ...


class NoNames:
    """A `Names` that knows nobody; mentions fall back to their ids."""

    def user(self, user_id: int) -> str | None:
        """Unknown."""
        return None

    def channel(self, channel_id: int) -> str | None:
        """Unknown."""
        return None

    def role(self, role_id: int) -> str | None:
        """Unknown."""
        return None


@dataclass(frozen=True)
class Action:
    """One numbered thing a member can do with a message: click a button or pick a select option."""

    number: int
    kind: str  # "button" or "option"
    label: str
    custom_id: str
    value: str | None = None
    max_values: int = 1


@dataclass
class Rendered:
    """A message as lines of text, plus the actions its numbers stand for."""

    lines: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def text(self) -> str:
        """The lines joined with newlines."""
        return "\n".join(self.lines)


class ModalFieldLike(Protocol):
    """What the renderer needs to know about one field of a modal."""

    custom_id: str
    label: str | None
    type: int
    required: bool
    min_length: int | None
    max_length: int | None
    value: str | None
    options: list[dict[str, Any]]
    min_values: int
    max_values: int
    description: str | None
    placeholder: str | None


# ---------------------------------------------------------------------------------------------- inline text


def counted(count: int, one: str, other: str) -> str:
    """'1 character', '2 characters': real plural forms through the bot's one plural helper."""
    return plural({"one": f"{{count}} {one}", "other": f"{{count}} {other}"}, count)


def format_timestamp(moment: datetime, style: str, now: datetime) -> str:
    """Render a Discord timestamp tag's moment the way a reader in UTC would see it."""
    moment = moment.astimezone(UTC)
    if style == "R":
        return relative_time(moment, now)
    day = f"{moment.day} {moment:%B %Y}"
    formats: dict[str, Callable[[], str]] = {
        "t": lambda: f"{moment:%H:%M} UTC",
        "T": lambda: f"{moment:%H:%M:%S} UTC",
        "d": lambda: f"{moment:%d/%m/%Y}",
        "D": lambda: day,
        "f": lambda: f"{day} {moment:%H:%M} UTC",
        "F": lambda: f"{moment:%A}, {day} {moment:%H:%M} UTC",
    }
    return formats.get(style, formats["f"])()


def relative_time(moment: datetime, now: datetime) -> str:
    """'in 3 hours' / '2 days ago', as Discord's relative timestamps read."""
    delta = moment - now
    seconds = abs(delta.total_seconds())
    units = ((365 * 86400, "year"), (30 * 86400, "month"), (86400, "day"), (3600, "hour"), (60, "minute"))
    if seconds < 45:
        amount = "a few seconds"
    else:
        size, name = next(((size, name) for size, name in units if seconds >= size * 0.9), (60, "minute"))
        count = max(1, round(seconds / size))
        amount = counted(count, name, name + "s")
    return f"in {amount}" if delta >= timedelta(0) else f"{amount} ago"


def plain(text: str, names: Names, now: datetime) -> str:
    """Turn Discord markup (mentions, timestamps, custom emoji, bold, headings, escapes) into readable text."""

    def timestamp(match: re.Match[str]) -> str:
        return format_timestamp(datetime.fromtimestamp(int(match.group(1)), UTC), match.group(2) or "f", now)

    def user(match: re.Match[str]) -> str:
        return f"@{names.user(int(match.group(1))) or match.group(1)}"

    def role(match: re.Match[str]) -> str:
        return f"@{names.role(int(match.group(1))) or match.group(1)}"

    def channel(match: re.Match[str]) -> str:
        return f"#{names.channel(int(match.group(1))) or match.group(1)}"

    text = TIMESTAMP.sub(timestamp, text)
    text = ROLE_MENTION.sub(role, text)
    text = USER_MENTION.sub(user, text)
    text = CHANNEL_MENTION.sub(channel, text)
    text = CUSTOM_EMOJI.sub(r":\1:", text)
    text = COMMAND_MENTION.sub(r"/\1", text)
    text = MASKED_LINK.sub(_masked_link, text)
    text = SUPPRESSED_LINK.sub(r"\1", text)
    text = BOLD.sub(r"\1", text)
    text = HEADING.sub("", text)
    return ESCAPED.sub(r"\1", text)


def _masked_link(match: re.Match[str]) -> str:
    url = match.group(2).strip("<>")
    # A jump link to a Discord message can't be opened from the terminal; its text says enough.
    if url.startswith(DISCORD_MESSAGE_LINK):
        return match.group(1)
    return f"{match.group(1)} ({url})"


def emoji_prefix(component: dict[str, Any]) -> str:
    """A component's emoji followed by a space, or nothing."""
    emoji = component.get("emoji") or {}
    name = emoji.get("name")
    if not name:
        return ""
    return f"{name} " if not emoji.get("id") else f":{name}: "


# ---------------------------------------------------------------------------------------------- messages


def render_message(
    *,
    content: str,
    embeds: Sequence[dict[str, Any]],
    components: Sequence[dict[str, Any]],
    attachments: Sequence[str] = (),
    names: Names | None = None,
    now: datetime,
    numbered: bool = True,
    width: int | None = None,
) -> Rendered:
    """Render a message body (indented) and number its enabled buttons and select options from 1.

    `attachments` are already-described lines (e.g. "chart.png, saved to /tmp/..."). With `numbered=False`
    buttons and options are shown without numbers (an older message whose numbers no longer apply).
    With a `width`, long lines of text are wrapped under their own indentation.
    """
    names = names or NoNames()
    out = Rendered()
    if content:
        for line in plain(content, names, now).splitlines():
            out.lines.extend(wrap(INDENT, line, width))
    for embed in embeds:
        for line in embed_lines(embed, names, now):
            out.lines.extend(wrap(INDENT + EMBED_BAR, line, width))
    for attachment in attachments:
        out.lines.append(f"{INDENT}📎 {attachment}")
    _render_components(list(components), out, _Style(names, now, numbered, width))
    if not out.lines:
        out.lines.append(f"{INDENT}(an empty message)")
    return out


def wrap(prefix: str, line: str, width: int | None) -> list[str]:
    """One line of text under a prefix, wrapped to `width` with continuation lines indented like the first."""
    if not line.strip():
        return [prefix.rstrip()]
    if width is None or len(prefix) + len(line) <= width:
        return [(prefix + line).rstrip()]
    lead = re.match(r"\s*(?:[•\-—*] |\d+[.)] )?", line)
    hanging = " " * (lead.end() if lead else 0)
    pieces = textwrap.wrap(
        line,
        max(20, width - len(prefix)),
        subsequent_indent=hanging,
        break_long_words=False,
        break_on_hyphens=False,
        drop_whitespace=True,
    )
    return [(prefix + piece).rstrip() for piece in pieces] or [prefix.rstrip()]


def embed_lines(embed: dict[str, Any], names: Names, now: datetime) -> list[str]:
    """An embed as lines: author, title, description, fields, image, footer."""
    lines: list[str] = []
    author = (embed.get("author") or {}).get("name")
    if author:
        lines.append(f"from {plain(str(author), names, now)}")
    if embed.get("title"):
        title = plain(str(embed["title"]), names, now)
        lines.append(title)
    if embed.get("description"):
        lines.extend(plain(str(embed["description"]), names, now).splitlines())
    for item in embed.get("fields") or []:
        name = plain(str(item.get("name", "")), names, now).strip()
        value = plain(str(item.get("value", "")), names, now)
        value_lines = value.splitlines() or [""]
        if len(value_lines) == 1 and len(name) + len(value_lines[0]) <= 80:
            lines.append(f"{name}: {value_lines[0]}" if name and name != "\u200b" else value_lines[0])
        else:
            if name and name != "\u200b":
                lines.append(f"{name}:")
            lines.extend(INDENT + line if line else "" for line in value_lines)
    image = (embed.get("image") or {}).get("url")
    if image:
        lines.append(f"[image: {image.removeprefix('attachment://')}]")
    footer = (embed.get("footer") or {}).get("text")
    if footer:
        lines.append(f"— {plain(str(footer), names, now)}")
    return lines


@dataclass(frozen=True)
class _Style:
    names: Names
    now: datetime
    numbered: bool
    width: int | None


def _render_components(components: list[dict[str, Any]], out: Rendered, style: _Style) -> None:
    for component in components:
        kind = component.get("type")
        if kind == 1:
            children = list(component.get("components", []))
            buttons = [_button(c, out, style.numbered) for c in children if c.get("type") == BUTTON]
            out.lines.extend(_row(buttons, style.width))
            _render_components([c for c in children if c.get("type") != BUTTON], out, style)
        elif kind == BUTTON:
            out.lines.append(INDENT + _button(component, out, style.numbered))
        elif kind in SELECT_TYPES:
            _select(component, out, style.numbered)
        elif kind == TEXT_DISPLAY:
            for line in plain(str(component.get("content", "")), style.names, style.now).splitlines():
                out.lines.extend(wrap(INDENT, line, style.width))
        else:
            nested = list(component.get("components") or [])
            for key in ("accessory", "component"):
                if isinstance(component.get(key), dict):
                    nested.append(component[key])
            _render_components(nested, out, style)


def _row(buttons: list[str], width: int | None) -> list[str]:
    """Buttons side by side, starting a new line rather than running past `width`."""
    lines: list[str] = []
    current = ""
    for button in buttons:
        candidate = f"{current}  {button}" if current else button
        if current and width is not None and len(INDENT + candidate) > width:
            lines.append(INDENT + current)
            candidate = button
        current = candidate
    if current:
        lines.append(INDENT + current)
    return lines


def _button(button: dict[str, Any], out: Rendered, numbered: bool) -> str:
    label = emoji_prefix(button) + str(button.get("label") or "").strip()
    label = label.strip() or str(button.get("custom_id") or "button")
    if button.get("style") == LINK_STYLE or button.get("url"):
        return f"[{label} → {button.get('url')}]"
    if button.get("disabled"):
        return f"[{label} (not available)]"
    if not numbered:
        return f"[{label}]"
    number = len(out.actions) + 1
    out.actions.append(Action(number, "button", label, str(button.get("custom_id"))))
    return f"[{number}] {label}"


def _select(select: dict[str, Any], out: Rendered, numbered: bool) -> None:
    placeholder = str(select.get("placeholder") or "Choose")
    max_values = int(select.get("max_values", 1))
    how = f" (pick up to {max_values}, e.g. 1,2)" if max_values > 1 and numbered else ""
    disabled = bool(select.get("disabled"))
    out.lines.append(f"{INDENT}▾ {placeholder}{how}{' (not available)' if disabled else ''}")
    if select.get("type") != STRING_SELECT:
        out.lines.append(f"{INDENT}  (this picker can't be used in the sandbox)")
        return
    for option in select.get("options", []):
        label = (emoji_prefix(option) + str(option.get("label", ""))).strip()
        description = f" — {option['description']}" if option.get("description") else ""
        if disabled or not numbered:
            out.lines.append(f"{INDENT}    • {label}{description}")
            continue
        number = len(out.actions) + 1
        out.actions.append(
            Action(number, "option", label, str(select.get("custom_id")), str(option.get("value")), max_values)
        )
        out.lines.append(f"{INDENT}  [{number}] {label}{description}")


# ---------------------------------------------------------------------------------------------- modals


def modal_field_lines(field: ModalFieldLike, index: int, total: int) -> list[str]:
    """How one modal field is introduced before the member types its value."""
    label = field.label or field.custom_id
    notes = ["required" if field.required else "optional"]
    if field.type == 4:
        if field.min_length:
            notes.append(f"at least {counted(field.min_length, 'character', 'characters')}")
        if field.max_length:
            notes.append(f"up to {counted(field.max_length, 'character', 'characters')}")
        if field.value:
            notes.append(f"keep: {field.value}")
    else:
        chosen = [str(o.get("label")) for o in field.options if o.get("default")]
        if field.max_values > 1:
            notes.append(f"pick up to {field.max_values}, e.g. 1,2")
        if chosen:
            notes.append(f"keep: {', '.join(chosen)}")
    lines = [f"{INDENT}Field {index}/{total}: {label} ({'; '.join(notes)})"]
    if field.description:
        lines.append(f"{INDENT}  {field.description}")
    if field.type != 4:
        for number, option in enumerate(field.options, start=1):
            description = f" — {option['description']}" if option.get("description") else ""
            lines.append(
                f"{INDENT}  [{number}] {(emoji_prefix(option) + str(option.get('label', ''))).strip()}{description}"
            )
    return lines


__all__ = [
    "Action",
    "ModalFieldLike",
    "Names",
    "NoNames",
    "Rendered",
    "counted",
    "embed_lines",
    "format_timestamp",
    "modal_field_lines",
    "plain",
    "relative_time",
    "render_message",
    "wrap",
]
