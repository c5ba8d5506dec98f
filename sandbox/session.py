"""One sandbox session: the emulated world's names, the member acting, pressing, answering forms, moving time."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.client import BouncebackBot
from bot.clock import ManualClock
from sandbox.choices import Cancelled, settle_options
from sandbox.common import (
    INTERACTION_SECONDS,
    NUMBERS,
    PROJECT_CODE,
    QUIET_SECONDS,
    SCRIPT_WIDTH,
    SETTLE_SECONDS,
    STEP,
    WORK_TASK_PREFIXES,
    ErrorCounter,
    SandboxError,
)
from sandbox.render import INDENT, Action, Rendered, format_timestamp, modal_field_lines, render_message
from sandbox.script import LineSource, choose_actions, describe, field_value, parse_command

if TYPE_CHECKING:
    from emulator import DiscordEmulator, EmulatedMessage, InteractionResult, ModalPrompt, SimulatedMember


log = logging.getLogger(__name__)
ON_MESSAGE = re.compile(r"#(\d+)\s+(\S.*)")  # "#3 Post": press "Post" on message 3 of the transcript

# ---------------------------------------------------------------------------------------------- the session


class WorldNames:
    """Names and ids of the emulated world, for rendering mentions and resolving options."""

    def __init__(self, emu: DiscordEmulator, guild_id: int) -> None:
        self.emu = emu
        self.guild_id = guild_id

    def _guild(self) -> Any:
        return self.emu.state.guild(self.guild_id)

    def user(self, user_id: int | str) -> Any:
        """By id (rendering) or by name (options)."""
        if isinstance(user_id, str):
            wanted = user_id.casefold()
            return next(
                (uid for uid in self._guild().members if self.emu.state.users[uid].username.casefold() == wanted), None
            )
        record = self.emu.state.users.get(user_id)
        return record.username if record is not None else None

    def channel(self, channel_id: int | str) -> Any:
        """By id (rendering) or by name (options)."""
        channels = self.emu.state.channels
        if isinstance(channel_id, str):
            wanted = channel_id.casefold()
            return next(
                (cid for cid in self._guild().channel_ids if (channels[cid].name or "").casefold() == wanted), None
            )
        record = channels.get(channel_id)
        return record.name if record is not None else None

    def role(self, role_id: int | str) -> Any:
        """By id (rendering) or by name (options)."""
        roles = self._guild().roles
        if isinstance(role_id, str):
            wanted = role_id.casefold().lstrip("@")
            return next((rid for rid, role in roles.items() if role.name.casefold().lstrip("@") == wanted), None)
        record = roles.get(role_id)
        return record.name.lstrip("@") if record is not None else None

    def user_names(self) -> list[str]:
        """Members' names (the bot and the server owner left out)."""
        state = self.emu.state
        return [
            state.users[uid].username
            for uid in self._guild().members
            if not state.users[uid].bot and not state.users[uid].username.endswith("-owner")
        ]

    def channel_names(self) -> list[str]:
        """Channel names."""
        return [f"#{self.emu.state.channels[cid].name}" for cid in self._guild().channel_ids]


def _signature(message: EmulatedMessage) -> tuple[Any, ...]:
    return (
        message.deleted,
        message.content,
        json.dumps(message.embeds, sort_keys=True, default=str),
        json.dumps(message.components, sort_keys=True, default=str),
        message.flags,
        len(message.attachments),
    )


def _is_work(task: asyncio.Task[Any]) -> bool:
    if task.get_name().startswith(WORK_TASK_PREFIXES):
        return True
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.startswith(PROJECT_CODE)


class Session:
    """One sandbox run: the emulator, the bot, the demo members, and what has been shown so far."""

    def __init__(
        self,
        emu: DiscordEmulator,
        bot: BouncebackBot,
        clock: ManualClock,
        guild_id: int,
        members: dict[str, SimulatedMember],
        files_dir: Path,
        errors: ErrorCounter,
        out: Callable[[str], None],
        *,
        keep_files: bool = False,
    ) -> None:
        self.emu = emu
        self.bot = bot
        self.clock = clock
        self.guild_id = guild_id
        self.members = members
        self.current = members["alex"]
        self.names = WorldNames(emu, guild_id)
        self.files_dir = files_dir
        self.keep_files = keep_files
        self.errors = errors
        self.out = out
        self._seen: dict[int, tuple[Any, ...]] = {}
        self._offered: dict[int, list[int]] = {}  # user id -> ids of messages with buttons shown to them
        self._saved: dict[int, list[str]] = {}
        self._numbers: dict[int, int] = {}  # message id -> its number in the transcript ("#3")
        self.task: asyncio.Task[None] | None = None
        self.width = SCRIPT_WIDTH

    # ------------------------------------------------------------------ what is on screen

    def mark_all_seen(self) -> None:
        """Treat everything so far as shown (start-up chatter stays off screen)."""
        for message in self.emu.state.messages.values():
            self._seen[message.id] = _signature(message)

    def _changes(self) -> list[tuple[EmulatedMessage, str]]:
        changes: list[tuple[EmulatedMessage, str]] = []
        for message in list(self.emu.state.messages.values()):
            if message.author_id != self.emu.bot_user_id or message.loading:
                continue
            signature = _signature(message)
            before = self._seen.get(message.id)
            if before == signature:
                continue
            self._seen[message.id] = signature
            if message.deleted:
                if before is not None:
                    changes.append((message, "deleted"))
                continue
            changes.append((message, "new" if before is None else "updated"))
        return changes

    def _audience(self, message: EmulatedMessage) -> list[int]:
        channel = self.emu.state.channels.get(message.channel_id)
        if channel is None:
            return []
        if channel.guild_id is None:
            return [channel.recipient_id] if channel.recipient_id is not None else []
        if message.ephemeral:
            owner = ((message.interaction_metadata or {}).get("user") or {}).get("id")
            return [int(owner)] if owner is not None else []
        return [member.user_id for member in self.members.values()]

    def _visible(self, message: EmulatedMessage, audience: list[int]) -> bool:
        channel = self.emu.state.channels.get(message.channel_id)
        if channel is None:
            return False
        return channel.guild_id is None or not message.ephemeral or self.current.user_id in audience

    def render(self, message: EmulatedMessage, *, numbered: bool = True) -> Rendered:
        """A message's body, with its buttons numbered unless told otherwise."""
        return render_message(
            content=message.content,
            embeds=message.embeds,
            components=message.components,
            attachments=self._attachments(message),
            names=self.names,
            now=self.clock.now(),
            numbered=numbered,
            width=self.width,
        )

    def _attachments(self, message: EmulatedMessage) -> list[str]:
        if message.id not in self._saved:
            lines = []
            for attachment in message.attachments:
                path = self.files_dir / f"{message.id}-{attachment.filename}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(attachment.data)
                until = "" if self.keep_files else " (deleted when you quit)"
                lines.append(f"{attachment.filename} ({max(1, attachment.size // 1024)} KB), saved as {path}{until}")
            self._saved[message.id] = lines
        return self._saved[message.id]

    def latest_offer(self, user_id: int) -> EmulatedMessage | None:
        """The newest message shown to a member that still has something to press."""
        for message_id in reversed(self._offered.get(user_id, [])):
            message = self.emu.state.messages.get(message_id)
            if message is not None and not message.deleted and self.render(message).actions:
                return message
        return None

    def number(self, message: EmulatedMessage) -> int:
        """The message's number in the transcript, given the first time it is shown."""
        return self._numbers.setdefault(message.id, len(self._numbers) + 1)

    def _header(self, message: EmulatedMessage, change: str) -> str:
        return f"#{self.number(message)} {self._source(message, change)}"

    def _source(self, message: EmulatedMessage, change: str) -> str:
        channel = self.emu.state.channels[message.channel_id]
        notes = ["only you can see this"] if message.ephemeral else []
        if change == "updated":
            notes.append("updated")
        suffix = f" ({', '.join(notes)})" if notes else ""
        if channel.guild_id is None:
            recipient = channel.recipient_id or 0
            to = "" if recipient == self.current.user_id else f" to {self.names.user(recipient)}"
            return f"[DM from Bounceback{to}]{suffix}"
        if message.ephemeral:
            return f"Bounceback{suffix}:"
        return f"[#{channel.name}] Bounceback{suffix}:"

    def show_changes(self, heading: str | None = None) -> int:
        """Print every new, edited or deleted message the current member (or a DM's recipient) would notice."""
        shown: list[tuple[EmulatedMessage, str]] = []
        for message, change in self._changes():
            audience = self._audience(message)
            if not self._visible(message, audience):
                continue
            shown.append((message, change))
            if change != "deleted" and self.render(message).actions:
                for user_id in audience:
                    offered = self._offered.setdefault(user_id, [])
                    if message.id in offered:
                        offered.remove(message.id)
                    offered.append(message.id)
        if shown and heading:
            self.out(heading)
        offers = {self.latest_offer(member.user_id) for member in self.members.values()}
        for message, change in shown:
            if change == "deleted":
                channel = self.emu.state.channels.get(message.channel_id)
                where = f"[#{channel.name}] " if channel is not None and channel.name else ""
                which = f"message #{self._numbers[message.id]}" if message.id in self._numbers else "a message"
                self.out(f"{where}Bounceback removed {which}.")
                continue
            self.out(self._header(message, change))
            for line in self.render(message, numbered=message in offers).lines:
                self.out(line)
        return len(shown)

    # ------------------------------------------------------------------ waiting for the bot

    async def settle(self, before: set[asyncio.Task[Any]], requests_before: int) -> None:
        """Wait until the bot has finished what the last action started, then a moment of quiet on the wire."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        me = asyncio.current_task()
        while loop.time() < deadline:
            busy = [t for t in asyncio.all_tasks() if t not in before and t is not me and not t.done() and _is_work(t)]
            if busy:
                await asyncio.wait(busy, timeout=max(0.0, deadline - loop.time()))
                continue
            requests = self.emu.stats.total_requests
            if requests == requests_before:
                return  # nothing reached Discord, so nothing new can be on screen
            await asyncio.sleep(QUIET_SECONDS)
            if self.emu.stats.total_requests == requests and not any(
                t not in before and not t.done() and _is_work(t) for t in asyncio.all_tasks()
            ):
                return
            requests_before = -1
        log.warning("the bot was still busy after %.0f s; showing what arrived so far", SETTLE_SECONDS)

    async def act(self, action: Callable[[], Awaitable[InteractionResult]]) -> InteractionResult:
        """Run one member action, wait for the bot to finish, and print what changed."""
        from emulator import CommandNotVisible, EmulatorError

        before = set(asyncio.all_tasks())
        requests = self.emu.stats.total_requests
        try:
            result = await action()
        except CommandNotVisible as error:
            raise SandboxError(
                f"{self.current.name} can't see that command (Discord only shows it to server admins). Try /as sam."
            ) from error
        except EmulatorError as error:
            await self.settle(before, requests)
            self.show_changes()
            raise SandboxError(str(error)) from error
        await self.settle(before, requests)
        self.show_changes()
        return result

    # ------------------------------------------------------------------ commands

    def commands(self) -> list[dict[str, Any]]:
        """Every slash command the bot registered (global and for the demo server)."""
        return [*self.emu.commands(self.guild_id), *self.emu.commands()]

    async def slash(self, line: str, lines: LineSource) -> None:
        """Run a bot slash command typed as text, then fill any form it opens."""
        parsed = parse_command(line, self.commands(), self.names)
        member = self.current
        try:
            options = await settle_options(member, parsed, lines, self.out)
        except Cancelled:
            self.out(f"{INDENT}Not sent.")
            return
        result = await self.act(lambda: member.slash(parsed.path, options=options, timeout=INTERACTION_SECONDS))
        await self.follow_modal(result, lines)

    def message_numbered(self, number: int) -> EmulatedMessage:
        """Message #number of the transcript, if the current member can see it and it is still there."""
        message_id = next((mid for mid, n in self._numbers.items() if n == number), None)
        message = self.emu.state.messages.get(message_id) if message_id is not None else None
        if message is None or not self._visible(message, self._audience(message)):
            raise SandboxError(f"There's no message #{number} for {self.current.name} in this transcript.")
        if message.deleted:
            raise SandboxError(f"Message #{number} was removed.")
        return message

    async def press(self, text: str, lines: LineSource) -> None:
        """Press a button or pick options: on the latest message that has them, or on message #N ("#3 Post")."""
        on = ON_MESSAGE.fullmatch(text.strip())
        if on:
            message: EmulatedMessage | None = self.message_numbered(int(on.group(1)))
            text = on.group(2)
        else:
            message = self.latest_offer(self.current.user_id)
        actions = self.render(message).actions if message is not None else []
        if on and not actions:
            raise SandboxError(f"Message #{on.group(1)} has nothing to press.")
        try:
            chosen = choose_actions(text, actions)
        except SandboxError:
            earlier = None if on else self._earlier_offer(text)
            if earlier is None:
                raise
            message, chosen = earlier
            on = ON_MESSAGE.fullmatch(f"#{self.number(message)} {text}")
        assert message is not None  # choose_actions refuses when there is nothing to press
        member = self.current
        first = chosen[0]
        where = f" on #{self.number(message)}" if on else ""
        if first.kind == "button":
            self.out(f"{INDENT}→ pressed “{first.label}”{where}")
            result = await self.act(lambda: member.click(message, first.custom_id, timeout=INTERACTION_SECONDS))
        else:
            self.out(f"{INDENT}→ picked {' + '.join(f'“{a.label}”' for a in chosen)}{where}")
            values = [a.value for a in chosen]
            result = await self.act(
                lambda: member.select(message, first.custom_id, values, timeout=INTERACTION_SECONDS)
            )
        await self.follow_modal(result, lines)

    def _earlier_offer(self, label: str) -> tuple[EmulatedMessage, list[Action]] | None:
        """A label not on the latest message: the newest earlier message shown to the member that has it."""
        if NUMBERS.fullmatch(label.strip()):
            return None  # numbers only ever mean the latest message's
        for message_id in reversed(self._offered.get(self.current.user_id, [])[:-1]):
            message = self.emu.state.messages.get(message_id)
            if message is None or message.deleted:
                continue
            try:
                return message, choose_actions(label, self.render(message).actions)
            except SandboxError:
                continue
        return None

    async def follow_modal(self, result: InteractionResult, lines: LineSource) -> None:
        """If the bot opened a form, ask for each field, submit it, and show the answer (maybe another form)."""
        while result.modal is not None:
            values = await self.fill_modal(result.modal, lines)
            if values is None:
                return
            submit = functools.partial(self.current.submit_modal, result.modal, values, timeout=INTERACTION_SECONDS)
            result = await self.act(submit)

    async def fill_modal(self, modal: ModalPrompt, lines: LineSource) -> dict[str, Any] | None:
        """Prompt for each field of a form; None if the member cancels it."""
        self.out(f"Bounceback opened a form: “{modal.title}”")
        values: dict[str, Any] = {}
        for index, modal_field in enumerate(modal.fields, start=1):
            for line in modal_field_lines(modal_field, index, len(modal.fields)):
                self.out(line)
            while True:
                answer = await lines.read(f"{INDENT}> ", blank_ok=True)
                if answer is None:
                    raise SandboxError("the input ended while a form was open")
                if answer.strip().lower() == "/cancel":
                    self.out(f"{INDENT}Form closed without sending.")
                    return None
                try:
                    values[modal_field.custom_id] = field_value(modal_field, answer)
                    break
                except SandboxError as error:
                    if not lines.interactive:
                        raise
                    self.out(f"{INDENT}! {error}")
        return values

    async def switch(self, name: str) -> None:
        """Act as another demo member."""
        wanted = name.strip().lstrip("@").casefold()
        member = next((m for key, m in self.members.items() if key.casefold() == wanted), None)
        if member is None:
            raise SandboxError(f"Who's '{name.strip()}'? Members: {', '.join(self.members)}.")
        self.current = member
        admin = " (a server admin)" if member.name == "sam" else ""
        self.out(f"You are now {member.name}{admin}.")
        offer = self.latest_offer(member.user_id)
        if offer is not None:
            buttons = "  ".join(f"[{a.number}] {a.label}" for a in self.render(offer).actions)
            self.out(f"{INDENT}(numbers now press {self._where(offer)}: {buttons})")

    def _where(self, message: EmulatedMessage) -> str:
        channel = self.emu.state.channels[message.channel_id]
        number = f"#{self.number(message)}, "
        if channel.guild_id is None:
            return number + "your latest DM from Bounceback"
        if message.ephemeral:
            return number + "Bounceback's latest private reply"
        return number + f"Bounceback's latest post in #{channel.name}"

    async def fast_forward(self, delta: timedelta) -> None:
        """Move the clock in steps, running whatever the scheduler would have run, and show what arrives."""
        start = self.clock.now()
        target = start + delta
        arrived = 0
        while self.clock.now() < target:
            old = self.clock.now()
            new = self.clock.advance(min(next_step(old), target) - old)
            before = set(asyncio.all_tasks())
            requests = self.emu.stats.total_requests
            await self.run_scheduled(old, new)
            await self.settle(before, requests)
            arrived += self.show_changes(heading=f"— {format_timestamp(new, 'F', new)} —")
        self.out(
            f"⏩ It's now {format_timestamp(target, 'F', target)} ({describe(delta)} later)."
            + ("" if arrived else " Nothing new arrived.")
        )

    async def run_scheduled(self, old: datetime, new: datetime) -> int:
        """Run every job and timer due in (old, new]: interval jobs (timer and nudge ticks) once each step."""
        return await self.bot.scheduler.run_due(old, new)


def next_step(moment: datetime) -> datetime:
    """The next point on the sandbox's step grid (every STEP from midnight UTC), so arrivals show round times."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    steps = (moment - midnight) // STEP + 1
    return midnight + steps * STEP
