"""The Bot subclass: builds storage, scheduler and delivery in `setup_hook`, loads cogs, closes cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import logging
import math
import pkgutil
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import yarl
from apscheduler.triggers.cron import CronTrigger
from discord import app_commands
from discord.ext import commands

from bot.care import CHECKIN_KIND, CareButton, CareService, send_checkin
from bot.claims import ClaimOwner
from bot.clock import Clock, SystemClock
from bot.components import NextStepButton
from bot.config import PROJECT_ROOT, Settings
from bot.content import WordingPicker
from bot.crypto import TextCipher, load_cipher
from bot.delete_one import DELETE_ONE_ITEMS, Deleter
from bot.delivery import Delivery
from bot.fallback import RouteHandler, UnclaimedInteractions
from bot.heartbeat import HEARTBEAT_INTERVAL, HEARTBEAT_JOB, Process, beat, shard_states
from bot.http_buckets import prune_buckets_amortised
from bot.leases import Leases, process_holder
from bot.loop_probe import LoopProbe
from bot.retention import purge_expired_vents
from bot.safety import SafetyRules, default_safety_rules
from bot.scheduling import Scheduler, Timer, TimerService
from bot.storage import Database
from bot.storage.checkins import CheckinRepository
from bot.storage.opening import open_database
from bot.storage.userdata import ErasureHook
from bot.ui import NextStep, cooldown_text, reply, report_error

log = logging.getLogger(__name__)

COGS_PACKAGE = "cogs"
RETENTION_JOB = "retention-daily"
CARE_PURGE_JOB = "care-purge"
TIMER_PURGE_JOB = "timers-purge"
# Finished timers are kept this long (enough to look into a problem), then deleted by a core job.
FINISHED_TIMERS_KEPT = timedelta(days=30)
# A command's `extras` key saying it assesses its own text options and shows care inside its flow.
ASSESSES_OWN_TEXT = "assesses_own_text"
# What a capability offers under another's replies ("Add to my plan"): (source_kind, source_id, owner_id) -> the
# components to show, answered by the offering capability's own persistent components (see `offer_items`).
OfferBuilder = Callable[[str, int, int], Awaitable[list[discord.ui.Item[Any]]]]
UNREACHABLE_NOTICE = (
    "A small heads-up: I tried to send you a DM but Discord wouldn't let me through, so I've paused anything "
    "I was going to DM you. If you'd like those messages, allow direct messages from this server's members "
    "(Server name → Privacy Settings), then run `/nudges start` again."
)


def discover_extensions() -> list[str]:
    """Every module or package directly under cogs/, as an extension name."""
    path = PROJECT_ROOT / COGS_PACKAGE
    return sorted(
        f"{COGS_PACKAGE}.{module.name}"
        for module in pkgutil.iter_modules([str(path)])
        if not module.name.startswith("_")
    )


def apply_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Point discord.py at a REST proxy / gateway proxy (or the local emulator)."""
    if api_base:
        discord.http.Route.BASE = api_base
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class BouncebackTree(app_commands.CommandTree["BouncebackBot"]):
    """Command tree with one error handler: a kind private message, the traceback in the log.

    It also reads every text option a member typed before any command runs: words that need care get support
    first, and the command doesn't run. Commands that handle care inside their own flow (so the flow can carry
    on beneath the support) say so with `extras={ASSESSES_OWN_TEXT: True}`.
    """

    async def interaction_check(self, interaction: discord.Interaction[BouncebackBot], /) -> bool:
        """Lead with care when a text option reads as a crisis or a concern."""
        command = interaction.command
        if interaction.type is not discord.InteractionType.application_command:
            return True  # autocomplete: half-typed text, answered with choices only; the command reads it on use
        if command is None or command.extras.get(ASSESSES_OWN_TEXT):
            return True
        data: dict[str, Any] = dict(interaction.data) if isinstance(interaction.data, dict) else {}
        texts = list(_text_options(data.get("options", [])))
        if not texts:
            return True
        bot = interaction.client
        assessment = await bot.care.assess(interaction, interaction.user.id, *texts)
        if not assessment.needs_care:
            return True
        care = await bot.care.reply_parts(interaction, assessment)
        await reply(interaction, embeds=care.embeds, view=care.view())
        return False

    async def on_error(
        self, interaction: discord.Interaction[BouncebackBot], error: app_commands.AppCommandError
    ) -> None:
        """Explain permission problems; report everything else with a reference."""
        if isinstance(error, app_commands.MissingPermissions | app_commands.NoPrivateMessage):
            await reply(interaction, _permission_text(error))
            return
        if isinstance(error, app_commands.CommandOnCooldown):
            command = interaction.command.qualified_name if interaction.command else "that"
            await reply(interaction, cooldown_text(command, math.ceil(error.retry_after)))
            return
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await report_error(interaction, original)


class BouncebackBot(commands.Bot):
    """Bounceback's client: the core services live here as typed attributes for the cogs."""

    database: Database
    cipher: TextCipher
    timers: TimerService
    scheduler: Scheduler
    leases: Leases
    process: Process
    delivery: Delivery
    wording: WordingPicker
    checkins: CheckinRepository
    safety: SafetyRules
    care: CareService
    loop_probe: LoopProbe  # only with LOOP_PROBE_FILE (benchmarks)

    def __init__(self, settings: Settings, *, clock: Clock | None = None, extensions: list[str] | None = None) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        # The bot never joins voice: discord.py's warnings about missing voice libraries are noise at every start.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=BouncebackTree,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=settings.guild_ready_timeout,
            max_messages=None,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            **self.shard_options(settings),
        )
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        prune_buckets_amortised(self.http)  # one bucket per DM channel: see bot/http_buckets.py
        # The name this process's claims on due work go under, the same after a restart (bot/claims.py).
        self.claims = ClaimOwner(settings.claim_owner_name())
        self.extension_names = discover_extensions() if extensions is None else extensions
        self.next_steps: list[NextStep] = []
        self.erasure_hooks: dict[str, ErasureHook] = {}
        self.deleters: dict[str, Deleter] = {}
        self.offers: dict[str, OfferBuilder] = {}
        self.synced_commands = False
        self.unclaimed = UnclaimedInteractions(self)
        apply_endpoints(settings.discord_api_base, settings.discord_gateway_url)

    def shard_options(self, settings: Settings) -> dict[str, Any]:
        """Keyword arguments that choose the gateway shards (none: one unsharded connection)."""
        return {}

    async def setup_hook(self) -> None:
        """Open storage, build the services, load every cog, start the clock, sync commands if they changed."""
        settings = self.settings
        self.database = await open_database(settings)
        self.cipher = load_cipher(
            settings.encryption_key.get_secret_value() if settings.encryption_key else None,
            environment=settings.environment,
            dev_key_path=settings.encryption_key_path,
        )
        self.timers = TimerService(
            self.database,
            self.clock,
            max_attempts=settings.timer_max_attempts,
            retry_base=timedelta(seconds=settings.timer_retry_base_seconds),
            dispatch=self.dispatch,
            owner=self.claims,
        )
        self.leases = Leases(self.database, self.clock, process_holder(settings.process_shards()))
        self.scheduler = Scheduler(self.timers, settings.timer_tick_seconds, leases=self.leases)
        self.delivery = Delivery(
            self,
            self.database,
            self.clock,
            # NUDGE_RATE_PER_SECOND is the whole bot's budget (Discord's global limit is per token, not per
            # process); each process spends its shards' share of it, so together they stay inside it.
            rate_per_second=settings.nudge_rate_per_second * settings.rate_share(),
            concurrency=settings.nudge_concurrency,
        )
        if settings.sharded:
            log.info(
                "shards %s of %d: %.1f requests/s of the bot's %.1f",
                ",".join(map(str, settings.process_shards())),
                settings.shard_count,
                self.delivery.budget.rate,
                settings.nudge_rate_per_second,
            )
        self.wording = WordingPicker(self.database)
        self.checkins = CheckinRepository(self.database, self.cipher)
        # Loaded once a process (restarts in one process share it) and off the event loop: the grammar is
        # immutable, and compiling it takes a moment.
        self.safety = await asyncio.to_thread(default_safety_rules)
        self.care = CareService(self, self.safety)
        await self.delivery.warm_cache()
        self.add_dynamic_items(NextStepButton, CareButton, *DELETE_ONE_ITEMS)
        self.scheduler.on_timer(CHECKIN_KIND, self.send_care_checkin)
        for name in self.extension_names:
            await self.load_extension(name)
        await self.timers.recover()
        self.process = Process.this(self.now())
        await self.beat()
        self.scheduler.start()
        self.schedule_core_jobs()
        if settings.loop_probe_file is not None:
            self.loop_probe = LoopProbe(settings.loop_probe_file)
            self.loop_probe.start()
        # The bot may have been down at purge time; the purge is idempotent, so catching up now is safe.
        await self.run_retention()
        await self.sync_commands_if_changed()

    def schedule_core_jobs(self) -> None:
        """Jobs no cog can switch off: they keep privacy promises (retention) and the tables small.

        Each runs in one process only when several share the database (`once_across_cluster`).
        """
        daily = timedelta(hours=6)
        self.scheduler.cron(
            RETENTION_JOB,
            CronTrigger(hour=3, minute=15, timezone=UTC),
            self.run_retention,
            grace=daily,
            once_across_cluster=True,
        )
        self.scheduler.every(CARE_PURGE_JOB, timedelta(hours=1), self.care.purge, once_across_cluster=True)
        self.scheduler.every(HEARTBEAT_JOB, HEARTBEAT_INTERVAL, self.beat)
        self.scheduler.cron(
            TIMER_PURGE_JOB,
            CronTrigger(hour=3, minute=45, timezone=UTC),
            self.purge_timers,
            grace=daily,
            once_across_cluster=True,
        )

    async def beat(self) -> None:
        """Say in the shared database which shards this process runs and whether their gateways are up."""
        count, states = shard_states(self)
        await beat(self.database, self.process, self.now(), count, states)

    async def run_retention(self) -> int:
        """Clear kept vents past their retention (the daily core job; tests call it after moving time)."""
        return await purge_expired_vents(self.database, self.now(), self.settings.vent_retention_days)

    async def purge_timers(self) -> int:
        """Forget timers that finished long ago, so the table holds what is pending and recent history only."""
        return await self.timers.purge_finished(FINISHED_TIMERS_KEPT)

    async def send_care_checkin(self, timer: Timer) -> None:
        """The check-in DM a member asked for after a hard moment (see bot/care)."""
        await send_checkin(self, timer)

    def register_next_step(self, step: NextStep) -> None:
        """Offer a button after `/rejected`; cogs call this from `cog_load`."""
        self.next_steps = sorted([s for s in self.next_steps if s.key != step.key] + [step], key=lambda s: s.order)

    def register_erasure_hook(self, name: str, hook: ErasureHook) -> None:
        """Run `hook(user_id)` before a member's rows are deleted (e.g. to take posts down); call in cog_load."""
        self.erasure_hooks[name] = hook

    def register_deleter(self, kind: str, deleter: Deleter) -> None:
        """Say how one thing of a kind is deleted ("Delete this", see bot/delete_one.py); call in cog_load."""
        self.deleters[kind] = deleter

    def unregister_deleter(self, kind: str) -> None:
        """Forget a kind's deleter (cog unload)."""
        self.deleters.pop(kind, None)

    def unregister_erasure_hook(self, name: str) -> None:
        """Forget an erasure hook (cog unload)."""
        self.erasure_hooks.pop(name, None)

    def register_offer(self, name: str, builder: OfferBuilder) -> None:
        """Offer components under other capabilities' replies (e.g. "plan": "Add to my plan"); call in cog_load."""
        self.offers[name] = builder

    def unregister_offer(self, name: str) -> None:
        """Withdraw an offer (cog unload)."""
        self.offers.pop(name, None)

    async def offer_items(
        self, name: str, source_kind: str, source_id: int, owner_id: int
    ) -> list[discord.ui.Item[Any]]:
        """The components a registered offer shows for one source; none in care mode or when nobody offers it.

        A capability shows these under its reply without knowing who answers them: the offering capability's
        persistent components do, by custom id.
        """
        builder = self.offers.get(name)
        if builder is None or await self.care.active(owner_id):
            return []
        return await builder(source_kind, source_id, owner_id)

    def register_custom_id_route(self, pattern: re.Pattern[str] | str, handler: RouteHandler) -> None:
        """Have `handler` answer components and forms by custom id (a form sent after a restart still arrives).

        Routed as the interaction is dispatched: no `on_interaction` listener, which would cost a task per
        interaction of every kind.
        """
        self.unclaimed.register_route(pattern, handler)

    def unregister_custom_id_route(self, pattern: re.Pattern[str] | str) -> None:
        """Withdraw a custom id route (cog unload)."""
        self.unclaimed.unregister_route(pattern)

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Dispatch an event; interactions are first checked for having a handler (see bot/fallback.py)."""
        if event_name == "interaction" and args and isinstance(args[0], discord.Interaction):
            # discord.py has routed the interaction to its views just before this call; nothing has run yet.
            self.unclaimed.observe(args[0])
        elif event_name == "app_command_completion" and args and self.delivery.may_owe_notice(args[0].user.id):
            # Checked here rather than in an `on_app_command_completion` handler, which would cost every command
            # a task just to find that, as almost always, there is nothing to say.
            self._schedule_event(self.tell_if_unreachable, "tell_if_unreachable", args[0])
        super().dispatch(event_name, *args, **kwargs)

    def unregister_next_step(self, key: str) -> None:
        """Withdraw a next-step button (cog unload)."""
        self.next_steps = [step for step in self.next_steps if step.key != key]

    async def sync_commands_if_changed(self) -> bool:
        """Sync application commands only when their definition differs from the last sync."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"commands_hash:{guild.id if guild else 'global'}:{self.application_id}"
        if await self.database.fetchval("SELECT value FROM meta WHERE key = ?", (key,)) == digest:
            log.info("application commands unchanged; not syncing")
            return False
        await self.tree.sync(guild=guild)
        await self.database.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, digest),
        )
        self.synced_commands = True
        log.info("synced %d application command(s) %s", len(payload), f"to guild {guild.id}" if guild else "globally")
        return True

    async def on_ready(self) -> None:
        """Once per process, after start-up: keep the start-up heap out of the garbage collector's full passes."""
        # A full collection walks every object tracked so far (modules, classes, the command tree, ...) while
        # holding the GIL: 25-50 ms measured here, which would stall the loop in the middle of a nudge round.
        # What exists at this point lives as long as the process, so it is frozen out of collections.
        if gc.get_freeze_count() == 0:
            gc.collect()
            gc.freeze()
        # Connected now: say so at once rather than at the next beat (health would report "connecting" meanwhile).
        with contextlib.suppress(Exception):
            await self.beat()

    async def tell_if_unreachable(self, interaction: discord.Interaction[BouncebackBot]) -> None:
        """Tell a member, once and privately, that their DMs are closed to the bot."""
        if await self.delivery.take_unreachable_notice(interaction.user.id):
            await reply(interaction, UNREACHABLE_NOTICE)

    async def close(self) -> None:
        """Stop the clock, disconnect, and close the database; safe to call more than once."""
        if hasattr(self, "scheduler"):
            self.scheduler.shutdown()
        probe = self.__dict__.pop("loop_probe", None)
        if probe is not None:
            await probe.stop()
        await super().close()
        database = self.__dict__.pop("database", None)
        if database is not None and "process" in self.__dict__:
            # A clean stop says so: health then reports "stopped cleanly", and migrate knows no bot is writing.
            count, states = shard_states(self)
            with contextlib.suppress(Exception):
                await beat(database, self.process, self.now(), count, dict.fromkeys(states, "stopped"))
        if database is not None:
            await database.close()

    def now(self) -> datetime:
        """The bot's current time (aware UTC), from its injected clock."""
        moment = self.clock.now()
        assert moment.tzinfo is not None
        return moment.astimezone(UTC)


class ShardedBouncebackBot(BouncebackBot, commands.AutoShardedBot):
    """The same bot over discord.py's sharded client: SHARD_IDS of SHARD_COUNT shards, each its own connection.

    Every process of a sharded bot runs this with the same SHARD_COUNT and its own SHARD_IDS; Discord then sends
    each server's events to the shard `(guild_id >> 22) % SHARD_COUNT`, and DMs to shard 0.
    """

    def shard_options(self, settings: Settings) -> dict[str, Any]:
        """discord.py's `shard_count` and `shard_ids` for this process."""
        return {"shard_count": settings.shard_count, "shard_ids": list(settings.process_shards())}

    async def on_shard_ready(self, shard_id: int) -> None:
        """Say which shard came up, so an operator can see every process has its share."""
        log.info("shard %d of %s ready", shard_id, self.shard_count)


def create_bot(settings: Settings, *, clock: Clock | None = None, extensions: list[str] | None = None) -> BouncebackBot:
    """The bot for these settings: sharded when SHARD_COUNT is set, else the plain unsharded client."""
    kind = ShardedBouncebackBot if settings.sharded else BouncebackBot
    return kind(settings, clock=clock, extensions=extensions)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a server's events to (its published formula)."""
    return (guild_id >> 22) % shard_count


def _text_options(options: list[dict[str, Any]]) -> Iterator[str]:
    """Every string a member typed into a command's options, subcommands included."""
    for option in options:
        if option.get("type") == discord.AppCommandOptionType.string.value and isinstance(option.get("value"), str):
            yield option["value"]
        yield from _text_options(option.get("options", []))


def _permission_text(error: app_commands.AppCommandError) -> str:
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That one only works inside a server, not in DMs."
    return "Sorry, that needs the **Manage Server** permission, so only server admins can use it."


# Re-exported for cogs' type hints.
Interaction = discord.Interaction[BouncebackBot]
