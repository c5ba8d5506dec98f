"""Every extension unloads and loads again cleanly, with the real bot running against the emulator.

Written against the bot's generic registries (extensions, scheduler jobs, timer handlers, dynamic items, next steps,
erasure hooks, deleters, custom-id routes, listeners, commands), not against any cog's layout, so it keeps holding
whatever shape a capability takes: a cog that forgets to withdraw something in `cog_unload` shows up here as a
registration that outlives its extension, or one that is there twice after loading again.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.client import CARE_PURGE_JOB, RETENTION_JOB, TIMER_PURGE_JOB, BouncebackBot, discover_extensions
from bot.scheduling import TIMERS_TICK
from tests.harness import Harness

CORE_JOBS = {RETENTION_JOB, CARE_PURGE_JOB, TIMER_PURGE_JOB, TIMERS_TICK}
# Recurring jobs a capability owns: unloading it must stop them.
OWNED_JOBS = {"cogs.nudges": {"nudges-tick"}, "cogs.wins": {"win-takedowns"}}
# discord.py's own tasks (event runners, the gateway) and aiohttp's (the emulator's server side of each connection)
# come and go with traffic, not with extensions.
LIBRARY_DIRS = tuple(str(Path(module.__file__).parent) for module in (discord, aiohttp) if module.__file__)
SETTLE_SECONDS = 2.0


@dataclass(frozen=True)
class Registrations:
    """What the bot has registered, by stable names (classes and functions are new objects after a reload)."""

    jobs: frozenset[str]
    timer_handlers: frozenset[tuple[str, str]]
    dynamic_items: frozenset[tuple[str, str]]
    next_steps: tuple[str, ...]
    erasure_hooks: frozenset[tuple[str, str]]
    deleters: frozenset[tuple[str, str]]
    offers: frozenset[tuple[str, str]]
    routes: frozenset[tuple[str, str]]
    listeners: frozenset[tuple[str, str, int]]
    commands: frozenset[tuple[int, str]]
    persistent_views: frozenset[str]
    cogs: frozenset[str]

    def owned_by(self, extension: str) -> dict[str, list[Any]]:
        """Entries whose callable or class is defined in the extension's module (or package)."""
        owned: dict[str, list[Any]] = {}
        for field in (
            "timer_handlers",
            "dynamic_items",
            "erasure_hooks",
            "deleters",
            "offers",
            "routes",
            "listeners",
        ):
            entries = [entry for entry in getattr(self, field) if _within(entry[1], extension)]
            if entries:
                owned[field] = sorted(entries)
        return owned


def _within(qualified: str, extension: str) -> bool:
    return qualified == extension or qualified.startswith(extension + ".")


def _origin(thing: Any) -> str:
    """``module.qualname`` of a function, bound method or class."""
    target = getattr(thing, "__func__", thing)
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', type(target).__name__)}"


def registrations(bot: BouncebackBot) -> Registrations:
    """Snapshot every registry a cog can add to."""
    store = bot._connection._view_store
    commands: set[tuple[int, str]] = set()
    for command in bot.tree.get_commands():
        kind = command.type.value if isinstance(command, app_commands.ContextMenu) else 1
        commands.add((kind, command.name))
    return Registrations(
        jobs=frozenset(bot.scheduler.job_names()),
        timer_handlers=frozenset((kind, _origin(handler)) for kind, handler in bot.timers._handlers.items()),
        dynamic_items=frozenset((pattern.pattern, _origin(item)) for pattern, item in store._dynamic_items.items()),
        next_steps=tuple(step.key for step in bot.next_steps),
        erasure_hooks=frozenset((name, _origin(hook)) for name, hook in bot.erasure_hooks.items()),
        deleters=frozenset((kind, _origin(deleter)) for kind, deleter in bot.deleters.items()),
        offers=frozenset((name, _origin(builder)) for name, builder in bot.offers.items()),
        routes=frozenset((pattern.pattern, _origin(handler)) for pattern, handler in bot.unclaimed.routes.items()),
        listeners=frozenset(
            (event, origin, count)
            for event, handlers in bot.extra_events.items()
            for origin, count in Counter(_origin(handler) for handler in handlers).items()
        ),
        commands=frozenset(commands),
        persistent_views=frozenset(_origin(type(view)) for view in bot.persistent_views),
        cogs=frozenset(bot.cogs),
    )


def _task_signature(task: asyncio.Task[Any]) -> str | None:
    """A task's name (numbers blurred) and coroutine; None for the libraries' own tasks."""
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is not None and code.co_filename.startswith(LIBRARY_DIRS):
        return None
    name = re.sub(r"\d+", "N", task.get_name())
    return f"{name}: {getattr(coro, '__qualname__', type(coro).__name__)}"


def running_tasks() -> Counter[str]:
    """The tasks alive now, other than the test's own and the libraries'."""
    current = asyncio.current_task()
    signatures = (_task_signature(task) for task in asyncio.all_tasks() if task is not current and not task.done())
    return Counter(signature for signature in signatures if signature is not None)


async def tasks_left_behind(before: Counter[str]) -> Counter[str]:
    """Tasks that weren't there before, once short-lived ones (an event handler finishing) have had time to end."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_SECONDS
    while True:
        extra = running_tasks() - before
        if not extra or loop.time() >= deadline:
            return extra
        await asyncio.sleep(0.02)


def differences(before: Registrations, after: Registrations) -> dict[str, tuple[Any, Any]]:
    """Registries that differ, with what only the first and only the second holds."""
    changed: dict[str, tuple[Any, Any]] = {}
    for field in before.__dataclass_fields__:
        old, new = getattr(before, field), getattr(after, field)
        if old == new:
            continue
        if isinstance(old, frozenset):
            changed[field] = (sorted(old - new), sorted(new - old))
        else:
            changed[field] = (old, new)
    return changed


async def test_every_extension_unloads_and_loads_again_leaving_the_bot_as_it_was(harness: Harness) -> None:
    bot = harness.running
    extensions = sorted(bot.extensions)
    assert extensions == discover_extensions(), "the bot should load every extension under cogs/"
    assert set(bot.scheduler.job_names()) >= CORE_JOBS
    await harness.emulator.flush()
    await asyncio.sleep(0.1)  # let start-up's own short tasks end before counting
    start = registrations(bot)
    tasks_at_start = running_tasks()

    for extension in extensions:
        await bot.unload_extension(extension)
        unloaded = registrations(bot)
        assert unloaded.jobs >= CORE_JOBS, f"unloading {extension} stopped a core job"
        assert unloaded.jobs <= start.jobs, f"unloading {extension} scheduled {sorted(unloaded.jobs - start.jobs)}"
        assert not OWNED_JOBS.get(extension, set()) & unloaded.jobs, f"{extension}'s jobs outlive it"
        leftovers = unloaded.owned_by(extension)
        assert not leftovers, f"{extension} left registrations behind: {leftovers}"
        assert extension not in sys.modules, f"{extension} is still imported after unloading"

        await bot.load_extension(extension)
        reloaded = registrations(bot)
        assert differences(start, reloaded) == {}, f"after reloading {extension}"
        left = await tasks_left_behind(tasks_at_start)
        assert not left, f"reloading {extension} left tasks behind: {dict(left)}"

    # The bot still answers after the whole round, through a command of a reloaded extension.
    result = await harness.member("robin").slash("help")
    assert result.message is not None


async def test_command_names_are_unique(harness: Harness) -> None:
    bot = harness.running
    top = [(c.type.value if isinstance(c, app_commands.ContextMenu) else 1, c.name) for c in bot.tree.get_commands()]
    assert len(top) == len(set(top)), f"duplicate commands: {[k for k, n in Counter(top).items() if n > 1]}"

    def walk(group: app_commands.Group, path: str) -> None:
        names = [child.name for child in group.commands]
        assert len(names) == len(set(names)), f"/{path} has duplicate subcommands: {names}"
        for child in group.commands:
            if isinstance(child, app_commands.Group):
                walk(child, f"{path} {child.name}")

    for command in bot.tree.get_commands(type=discord.AppCommandType.chat_input):
        if isinstance(command, app_commands.Group):
            walk(command, command.name)
    registered = [(int(c.get("type", 1)), c["name"]) for c in harness.emulator.commands()]
    assert sorted(registered) == sorted(top), "the commands Discord holds should be the tree's"


async def test_unloading_a_capability_stops_its_jobs_but_not_the_core_ones(harness: Harness) -> None:
    bot = harness.running
    assert {"nudges-tick"} | CORE_JOBS <= set(bot.scheduler.job_names())
    await bot.unload_extension("cogs.nudges")
    jobs = set(bot.scheduler.job_names())
    assert "nudges-tick" not in jobs
    assert jobs >= CORE_JOBS
    await bot.load_extension("cogs.nudges")
    assert "nudges-tick" in bot.scheduler.job_names()
