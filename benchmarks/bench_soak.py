"""Soak: ten minutes of mixed traffic against Bounceback; does its memory or its task count creep up?

Run it from the repository root:

    .venv/bin/python benchmarks/bench_soak.py                  # 10 minutes after a 1-minute warm-up
    .venv/bin/python benchmarks/bench_soak.py --minutes 2 --warmup 20

What runs: the local Discord emulator and the simulated members in this process; Bounceback (`BouncebackBot`, all
cogs, a ManualClock) in its own process, so its resident memory and its asyncio tasks are its own and nothing the
load generator allocates is counted. The traffic, from a few members acting at once with short pauses:

- check-ins: `/rejected`, a feeling from the select, an intensity button; some vent in the modal (kept or not);
- reflections: `/reflect` on the member's latest check-in or a new one, then the modal;
- wins: an admin runs `/setup wins-channel` once; members run `/win` and press Post;
- nudges: every member runs `/nudges start` (times spread over the day, a few zones); every `--hour-every`
  seconds the bot's clock moves one hour and the round that the tick runs is run, so nudges fall due all along;
  some members press Helpful on theirs;
- gateway restarts: every `--restart-every` seconds, alternately an op 7 RECONNECT and a dropped socket.

Every `--sample-every` seconds the traffic pauses, the in-flight flows finish, the bot goes idle, and the bot
reports its RSS (after `gc.collect()`), its tasks by coroutine, its threads and discord.py's view/modal stores.
Targets: RSS at the end within 10% of RSS after the warm-up, and no more tasks at the end than after the warm-up.
`--tracemalloc` also diffs the bot's Python heap between those two points (its own overhead then shows in RSS).
Results: a table on stdout and JSON in bench-results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import (  # noqa: E402
    BotProcess,
    diff_snapshots,
    latency_summary,
    machine,
    new_key,
    quiet_logs,
    spawn_bot,
    table,
    write_results,
)
from emulator import DiscordEmulator, EmulatedMessage, InteractionResult, SimulatedMember  # noqa: E402
from emulator.state import ChannelRecord  # noqa: E402

TARGETS = {"rss_growth": 0.10, "task_growth": 0}
MIB = 2**20
FEELINGS = [
    "disappointed",
    "frustrated",
    "anxious",
    "sad",
    "numb",
    "angry",
    "embarrassed",
    "confused",
    "relieved",
    "motivated",
]
ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "America/Los_Angeles", "UTC"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Soylent", "Vandelay", "Pied Piper"]
WINS = [
    "Got a first-round interview!",
    "Sent three applications today",
    "Finally updated my CV",
    "Asked for feedback and got a kind reply",
    "Practised my STAR stories out loud",
]
# Relative weights of what a member does next.
MIX = {"checkin": 45, "reflect": 25, "win": 15, "nudge_click": 15}
TYPING_S = (0.3, 1.0)  # seconds between a form opening and its submission
MEMBER_TIMEOUT = 15.0  # a flow caught by a gateway restart may wait for the RESUME


@dataclass
class Traffic:
    """What the simulated members did, and what went wrong."""

    flows: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    nudges_sent: int = 0
    clock_hours: int = 0
    reconnects: int = 0
    drops: int = 0

    def record_error(self, flow: str, error: BaseException) -> None:
        """Count a failed flow (keep a few messages for the report)."""
        self.errors[f"{flow}: {type(error).__name__}"] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"{flow}: {type(error).__name__}: {error}")


@dataclass
class World:
    """The emulated server the soak runs in."""

    emulator: DiscordEmulator
    guild_id: int
    wins_channel: ChannelRecord
    admin: SimulatedMember
    members: list[SimulatedMember]
    latest_checkin: dict[int, int] = field(default_factory=dict)
    clicked_nudges: set[int] = field(default_factory=set)
    busy: set[int] = field(default_factory=set)


class Gate:
    """Lets the traffic pause at a quiet point: workers finish their flow, then wait."""

    def __init__(self, workers: int) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self.busy = 0
        self.workers = workers
        self.idle = asyncio.Event()

    async def enter(self) -> None:
        """Wait until traffic may flow, then count this worker as busy."""
        await self.open.wait()
        self.busy += 1
        self.idle.clear()

    def leave(self) -> None:
        """This worker finished a flow."""
        self.busy -= 1
        if self.busy == 0:
            self.idle.set()

    @contextlib.asynccontextmanager
    async def paused(self) -> Any:
        """Hold new flows back until the block ends, once the ones in flight have finished."""
        self.open.clear()
        if self.busy:
            await self.idle.wait()
        try:
            yield
        finally:
            self.open.set()


# ---------------------------------------------------------------------------------------------- flows


def track(traffic: Traffic, result: InteractionResult) -> InteractionResult:
    """Keep the first-response latency of every interaction."""
    if result.latency is not None:
        traffic.latencies.append(result.latency)
    return result


def message_of(result: InteractionResult) -> EmulatedMessage:
    """The message an interaction answered with (a flow fails here if there was none)."""
    if result.message is None:
        raise AssertionError(f"interaction {result.id} answered without a message (type {result.type})")
    return result.message


async def final(result: InteractionResult) -> EmulatedMessage:
    """The answer, waiting for the real one after a 'thinking' defer."""
    return await result.wait_final(timeout=MEMBER_TIMEOUT) if result.deferred else message_of(result)


async def typing(rng: random.Random) -> None:
    """A person takes a moment to fill in a form.

    Not only realism: discord.py stores a modal only once its own HTTP call has returned, so a form submitted
    within milliseconds of opening can arrive before the bot knows it (answered as a lost form; the modal then
    stays in discord.py's store).
    """
    await asyncio.sleep(rng.uniform(*TYPING_S))


async def checkin(world: World, member: SimulatedMember, rng: random.Random, traffic: Traffic) -> None:
    """`/rejected`, a feeling, an intensity; sometimes a vent."""
    options: dict[str, str] = {"company": rng.choice(COMPANIES)}
    if rng.random() < 0.5:
        options["stage"] = rng.choice(["screen", "technical", "onsite"])
    start = track(traffic, await member.slash("rejected", timeout=MEMBER_TIMEOUT, options=options))
    message = message_of(start)
    select = message.selects()[0]
    world.latest_checkin[member.user_id] = int((select.custom_id or "").split(":")[2])
    picked = track(
        traffic, await member.select(message, "checkin:feeling", [rng.choice(FEELINGS)], timeout=MEMBER_TIMEOUT)
    )
    level = rng.randint(1, 5)
    button = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(f":{level}"))
    done = track(traffic, await member.click(message_of(picked), button.custom_id or "", timeout=MEMBER_TIMEOUT))
    if rng.random() < 0.3:
        opened = track(traffic, await member.click(message_of(done), "Vent privately", timeout=MEMBER_TIMEOUT))
        keep = "yes" if rng.random() < 0.5 else "no"
        await typing(rng)
        track(
            traffic,
            await member.submit_modal(
                opened,
                {"vent": "They ghosted me after the final round and I'm tired.", "keep": [keep]},
                timeout=MEMBER_TIMEOUT,
            ),
        )


async def reflect(world: World, member: SimulatedMember, rng: random.Random, traffic: Traffic) -> None:
    """`/reflect` on the latest check-in (or a new one), then the modal."""
    latest = world.latest_checkin.get(member.user_id)
    if latest is not None and rng.random() < 0.7:
        opened = track(traffic, await member.slash("reflect", rejection=str(latest), timeout=MEMBER_TIMEOUT))
        answers = {"went_well": "I explained the migration project clearly", "hard": "- Why this company?"}
    else:
        opened = track(traffic, await member.slash("reflect", rejection="new", timeout=MEMBER_TIMEOUT))
        answers = {"went_well": "Good rapport with the panel", "where": f"Analyst at {rng.choice(COMPANIES)}"}
    if opened.modal is None:
        raise AssertionError(f"/reflect did not open its form: {opened.text()[:120]}")
    await typing(rng)
    track(traffic, await member.submit_modal(opened, answers, timeout=MEMBER_TIMEOUT))


async def win(world: World, member: SimulatedMember, rng: random.Random, traffic: Traffic) -> None:
    """`/win`, then Post (or the cooldown explains itself; both are answers)."""
    preview = track(traffic, await member.slash("win", text=rng.choice(WINS), timeout=MEMBER_TIMEOUT))
    posted = track(traffic, await member.click(message_of(preview), "Post", timeout=MEMBER_TIMEOUT))
    if posted.deferred:
        await posted.followup(timeout=MEMBER_TIMEOUT)


async def nudge_click(world: World, member: SimulatedMember, rng: random.Random, traffic: Traffic) -> bool:
    """Press Helpful on the member's newest unpressed nudge; False when they have none."""
    for message in reversed(member.dms()):
        if message.id in world.clicked_nudges or not any(b.label == "Helpful" for b in message.buttons()):
            continue
        world.clicked_nudges.add(message.id)
        track(traffic, await member.click(message, "Helpful", timeout=MEMBER_TIMEOUT))
        return True
    return False


FLOWS = {"checkin": checkin, "reflect": reflect, "win": win}


async def worker(
    world: World, gate: Gate, rng: random.Random, traffic: Traffic, stop: asyncio.Event, pause: tuple[float, float]
) -> None:
    """One member at a time acting, with a short pause between flows, until told to stop."""
    kinds, weights = list(MIX), list(MIX.values())
    while not stop.is_set():
        await gate.enter()
        try:
            # A person does one thing at a time: pick someone who is not in the middle of a flow.
            member = rng.choice([m for m in world.members if m.user_id not in world.busy])
            world.busy.add(member.user_id)
            kind = rng.choices(kinds, weights)[0]
            try:
                if kind == "nudge_click":
                    if not await nudge_click(world, member, rng, traffic):
                        kind = "checkin"
                        await checkin(world, member, rng, traffic)
                else:
                    await FLOWS[kind](world, member, rng, traffic)
                traffic.flows[kind] += 1
            except Exception as error:  # a failed flow is a finding, not the end of the soak
                traffic.record_error(kind, error)
        finally:
            world.busy.discard(member.user_id)
            gate.leave()
        await asyncio.sleep(rng.uniform(*pause))


# ---------------------------------------------------------------------------------------------- the run


async def build_world(members: int) -> World:
    """One server with #wins, an admin, and `members` members."""
    emulator = DiscordEmulator()
    await emulator.start()
    guild = emulator.create_guild("Job Seekers")
    wins_channel = emulator.create_text_channel(guild.id, "wins")
    admin = emulator.create_member(guild.id, "admin", admin=True)
    crowd = [emulator.create_member(guild.id, f"member{index}") for index in range(members)]
    return World(emulator, guild.id, wins_channel, admin, crowd)


async def roll_call(world: World, rng: random.Random, traffic: Traffic) -> None:
    """Before the warm-up: the wins channel, and every member once through nudges and a check-in.

    So caches that hold one entry per member (DM channel ids, the wording history) are full before the baseline.
    """
    await world.admin.slash("setup wins-channel", channel=world.wins_channel, timeout=MEMBER_TIMEOUT)
    for index, member in enumerate(world.members):
        zone = ZONES[index % len(ZONES)]
        result = await member.slash(
            "nudges start",
            time=f"{index % 24:02d}:{(index * 7) % 60:02d}",
            timezone=zone,
            days=0,
            timeout=MEMBER_TIMEOUT,
        )
        await final(result)
        await checkin(world, member, rng, traffic)


async def sample(bot: BotProcess, gate: Gate, started: float, phase: str, traffic: Traffic) -> dict[str, Any]:
    """A quiet-point measurement: traffic paused and finished, bot idle."""
    async with gate.paused():
        await settle(bot)
        stats = await bot.ask("stats")
    return {
        "t_s": round(time.perf_counter() - started, 1),
        "phase": phase,
        "rss_mib": stats["rss"] / MIB,
        "rss_outside_mib": bot.rss() / MIB,
        "tasks": stats["tasks"],
        "task_kinds": stats["task_kinds"],
        "threads": stats["threads"],
        "gc_objects": stats["gc_objects"],
        "views": stats["views"],
        "message_views": stats["message_views"],
        "modals": stats["modals"],
        "dm_channels": stats["dm_channels"],
        "view_kinds": stats["view_kinds"],
        "timed_views": stats["timed_views"],
        "modal_kinds": stats["modal_kinds"],
        "traced_mib": stats.get("traced", 0) / MIB,
        "flows": sum(traffic.flows.values()),
        "errors": sum(traffic.errors.values()),
        "bot_cpu_s": round(bot.cpu_seconds(), 1),
    }


async def settle(bot: BotProcess, quiet_s: float = 0.5, limit_s: float = 20.0) -> None:
    """Wait until the bot process stops using CPU."""
    deadline = time.perf_counter() + limit_s
    last = bot.cpu_seconds()
    while time.perf_counter() < deadline:
        await asyncio.sleep(quiet_s)
        now = bot.cpu_seconds()
        if now - last < quiet_s * 0.05:
            return
        last = now


async def clock_driver(bot: BotProcess, gate: Gate, traffic: Traffic, every: float, stop: asyncio.Event) -> None:
    """Move the bot's clock one hour at a time and run what fell due (timers, then the nudge round)."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if stop.is_set():
            return
        answer = await bot.ask("advance 3600")
        traffic.clock_hours += 1
        traffic.nudges_sent += int(answer.get("nudges_sent", 0))


async def gateway_restarter(emulator: DiscordEmulator, traffic: Traffic, every: float, stop: asyncio.Event) -> None:
    """Alternately ask for a RECONNECT and drop the socket, as Discord and networks do."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if stop.is_set():
            return
        if (traffic.reconnects + traffic.drops) % 2 == 0:
            await emulator.gateway_reconnect_request()
            traffic.reconnects += 1
        else:
            await emulator.gateway_drop()
            traffic.drops += 1
        await emulator.wait_for_connection(timeout=30)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the world, start the bot, run warm-up and soak, and return the results."""
    quiet_logs()
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    log_path = workdir / "bot.log"
    world = await build_world(args.members)
    bot: BotProcess | None = None
    traffic = Traffic()
    try:
        bot = await spawn_bot(
            "real", world.emulator, database=workdir / "soak.sqlite3", key=new_key(), log_path=log_path
        )
        began = time.perf_counter()
        print(f"  roll call: {args.members} members start nudges and check in once", file=sys.stderr)
        await roll_call(world, rng, traffic)
        gate = Gate(args.workers)
        stop = asyncio.Event()
        samples: list[dict[str, Any]] = [await sample(bot, gate, began, "start", traffic)]
        background = [
            asyncio.create_task(worker(world, gate, random.Random(rng.random()), traffic, stop, args.pause))
            for _ in range(args.workers)
        ]
        background.append(asyncio.create_task(clock_driver(bot, gate, traffic, args.hour_every, stop)))
        background.append(asyncio.create_task(gateway_restarter(world.emulator, traffic, args.restart_every, stop)))
        await asyncio.sleep(args.warmup)
        warm = await sample(bot, gate, began, "warm", traffic)
        samples.append(warm)
        print(f"  warm: {warm['rss_mib']:.1f} MiB, {warm['tasks']} tasks, {warm['flows']} flows", file=sys.stderr)
        dumps: dict[str, str] = {}
        if args.tracemalloc:
            await bot.ask("tracemalloc start")
        soak_end = time.perf_counter() + args.minutes * 60
        while time.perf_counter() < soak_end:
            await asyncio.sleep(min(args.sample_every, max(0.0, soak_end - time.perf_counter())))
            if args.tracemalloc and "warm" not in dumps:
                dumps["warm"] = str(workdir / "warm.tracemalloc")
                async with gate.paused():
                    await settle(bot)
                    await bot.ask(f"tracemalloc dump {dumps['warm']}")
            point = await sample(bot, gate, began, "soak", traffic)
            samples.append(point)
            print(
                f"  {point['t_s']:7.1f} s  {point['rss_mib']:6.1f} MiB  {point['tasks']:3d} tasks  "
                f"{point['flows']:6d} flows  {point['errors']} errors",
                file=sys.stderr,
            )
        stop.set()
        await asyncio.gather(*background, return_exceptions=True)
        end = await sample(bot, gate, began, "end", traffic)
        samples.append(end)
        heap_diff = ""
        if args.tracemalloc:
            dumps["end"] = str(workdir / "end.tracemalloc")
            await bot.ask(f"tracemalloc dump {dumps['end']}")
            heap_diff = diff_snapshots(dumps["warm"], dumps["end"])
        return summarise(args, samples, warm, end, traffic, heap_diff, log_path, world)
    finally:
        if bot is not None:
            await bot.quit()
        await world.emulator.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def slope_mib_per_min(samples: list[dict[str, Any]]) -> float:
    """Least-squares slope of RSS over the soak samples (after the warm-up), in MiB per minute."""
    points = [(s["t_s"] / 60, s["rss_mib"]) for s in samples if s["phase"] in ("warm", "soak", "end")]
    if len(points) < 2:
        return 0.0
    return float(statistics.linear_regression([p[0] for p in points], [p[1] for p in points]).slope)


def summarise(
    args: argparse.Namespace,
    samples: list[dict[str, Any]],
    warm: dict[str, Any],
    end: dict[str, Any],
    traffic: Traffic,
    heap_diff: str,
    log_path: Path,
    world: World,
) -> dict[str, Any]:
    """The figures, the verdict and everything measured along the way."""
    growth = (end["rss_mib"] - warm["rss_mib"]) / warm["rss_mib"]
    task_growth = end["tasks"] - warm["tasks"]
    stats = world.emulator.stats
    return {
        "benchmark": "soak",
        "config": {
            "minutes": args.minutes,
            "warmup_s": args.warmup,
            "members": args.members,
            "workers": args.workers,
            "pause_s": list(args.pause),
            "hour_every_s": args.hour_every,
            "restart_every_s": args.restart_every,
            "sample_every_s": args.sample_every,
            "seed": args.seed,
            "tracemalloc": args.tracemalloc,
            "measured": "bot in its own process; RSS after gc.collect() at quiet points",
            **machine(),
        },
        "targets": TARGETS,
        "rss_warm_mib": warm["rss_mib"],
        "rss_end_mib": end["rss_mib"],
        "rss_growth": growth,
        "rss_slope_mib_per_min": slope_mib_per_min(samples),
        "tasks_warm": warm["tasks"],
        "tasks_end": end["tasks"],
        "task_growth": task_growth,
        "tasks_max": max(s["tasks"] for s in samples if s["phase"] != "start"),
        "threads_warm": warm["threads"],
        "threads_end": end["threads"],
        "meets_targets": {
            "rss_growth": growth <= TARGETS["rss_growth"],
            "task_growth": task_growth <= TARGETS["task_growth"],
        },
        "traffic": {
            "flows": dict(traffic.flows),
            "flows_total": sum(traffic.flows.values()),
            "errors": dict(traffic.errors),
            "error_samples": traffic.error_samples,
            "interactions": len(traffic.latencies),
            **latency_summary(traffic.latencies),
            "nudges_sent": traffic.nudges_sent,
            "clock_hours": traffic.clock_hours,
            "gateway_reconnects": traffic.reconnects,
            "gateway_drops": traffic.drops,
            "identifies": stats.identifies,
            "resumes": stats.resumes,
            "late_callbacks": stats.late_interaction_callbacks,
        },
        "samples": samples,
        "heap_diff": heap_diff,
        "log": str(log_path),
    }


def report(results: dict[str, Any]) -> str:
    """The timeline and the verdict as text."""
    rows = [
        [
            f"{s['t_s']:.0f}",
            s["phase"],
            f"{s['rss_mib']:.1f}",
            str(s["tasks"]),
            str(s["threads"]),
            str(s["message_views"] + s["views"]),
            str(s["flows"]),
            str(s["errors"]),
        ]
        for s in results["samples"]
    ]
    traffic = results["traffic"]
    config = results["config"]
    met = ", ".join(f"{key} {'✓' if ok else '✗'}" for key, ok in results["meets_targets"].items())
    lines = [
        f"soak: {config['minutes']} min after {config['warmup_s']:.0f} s warm-up, {config['members']} members, "
        f"{config['workers']} acting at once ({config['cpus']} CPUs)",
        table(["t (s)", "phase", "RSS MiB", "tasks", "threads", "stored views", "flows", "errors"], rows),
        f"RSS {results['rss_warm_mib']:.1f} → {results['rss_end_mib']:.1f} MiB ({results['rss_growth']:+.1%}, "
        f"slope {results['rss_slope_mib_per_min']:+.2f} MiB/min); tasks {results['tasks_warm']} → "
        f"{results['tasks_end']}; threads {results['threads_warm']} → {results['threads_end']}",
        f"traffic: {traffic['flows_total']} flows {traffic['flows']}, {traffic['interactions']} interactions "
        f"(p50 {traffic['p50_ms']:.0f} ms, p99 {traffic['p99_ms']:.0f} ms), {traffic['nudges_sent']} nudges over "
        f"{traffic['clock_hours']} clock hours, {traffic['gateway_reconnects']} reconnects + "
        f"{traffic['gateway_drops']} drops ({traffic['resumes']} resumes, {traffic['identifies']} identifies), "
        f"errors {traffic['errors'] or 'none'}",
        f"targets: RSS within {TARGETS['rss_growth']:.0%} of warm, no task growth — {met}",
    ]
    if results["heap_diff"]:
        lines += ["Python heap growth, warm → end (tracemalloc, by traceback):", results["heap_diff"]]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the soak after the warm-up")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds of traffic before the baseline")
    parser.add_argument("--members", type=int, default=120, help="members in the server (all start nudges)")
    parser.add_argument("--workers", type=int, default=6, help="members acting at the same moment")
    parser.add_argument(
        "--pause",
        type=float,
        nargs=2,
        default=(0.05, 0.4),
        metavar=("MIN", "MAX"),
        help="seconds each worker waits between flows",
    )
    parser.add_argument("--hour-every", type=float, default=10.0, help="seconds between one-hour clock steps")
    parser.add_argument("--restart-every", type=float, default=60.0, help="seconds between gateway restarts")
    parser.add_argument("--sample-every", type=float, default=60.0, help="seconds between quiet-point samples")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--tracemalloc", action="store_true", help="diff the bot's Python heap, warm → end")
    parser.add_argument("--out", type=Path, default=None, help="folder for the JSON (default bench-results/)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (database, bot log)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    results = asyncio.run(run(args))
    print(report(results))
    path = write_results(f"soak-{args.minutes:g}min", results, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
