"""Starting the sandbox's world, running its lines, and the entry point `python -m bot --sandbox` hands off to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.client import BouncebackBot
from bot.clock import ManualClock, from_iso, to_iso
from sandbox.common import (
    DEMO_GUILD,
    DEMO_MEMBERS,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    FIXED_ID_BASE,
    INTERACTION_SECONDS,
    READY_SECONDS,
    SANDBOX_HELP,
    SCRIPT_WIDTH,
    WINS_CHANNEL,
    ErrorCounter,
    SandboxError,
    SandboxSettings,
    quiet_logging,
)
from sandbox.render import INDENT, format_timestamp
from sandbox.script import LineSource, ScriptLines, TerminalLines, parse_wait
from sandbox.session import Session

if TYPE_CHECKING:
    from emulator import SimulatedMember


log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------- start & loop


@dataclass
class Storage:
    """Where this run keeps its database, key and log."""

    session_dir: Path
    database: Path
    key: str | None
    key_path: Path
    throwaway: bool

    @property
    def files_dir(self) -> Path:
        """Where attachments (the /progress chart, the /mydata export) are saved: beside a kept database."""
        if self.throwaway:
            return self.session_dir / "files"
        return self.database.with_name(self.database.name + "-files")

    @property
    def clock_path(self) -> Path:
        """Where a kept database's sandbox time is remembered between runs."""
        return self.database.with_name(self.database.name + ".clock")

    def start_time(self) -> datetime:
        """Now (to the minute), or later if a kept database was already fast-forwarded past now."""
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        if self.throwaway or not self.clock_path.exists():
            return now
        try:
            return max(now, from_iso(self.clock_path.read_text(encoding="utf-8").strip()))
        except ValueError:
            log.warning("ignoring an unreadable sandbox clock file %s", self.clock_path)
            return now

    def remember_time(self, moment: datetime) -> None:
        """Keep the sandbox time next to a kept database, so time never runs backwards for its data."""
        if not self.throwaway:
            self.clock_path.write_text(to_iso(moment) + "\n", encoding="utf-8")


def prepare_storage(database: str | None) -> Storage:
    """A temp dir for logs (and the database, unless one was chosen), and the encryption key to use."""
    session_dir = Path(tempfile.mkdtemp(prefix="bounceback-sandbox-"))
    if database is None:
        return Storage(
            session_dir,
            session_dir / "sandbox.sqlite3",
            Fernet.generate_key().decode(),
            session_dir / "key",
            throwaway=True,
        )
    path = Path(database).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    # No key given: load_cipher keeps one next to the database (created with owner-only permissions).
    return Storage(session_dir, path, None, path.with_name(path.name + ".key"), throwaway=False)


async def start_world(storage: Storage, errors: ErrorCounter, out: Callable[[str], None]) -> Session:
    """Start the emulator with the demo server, then the real bot on a manual clock; set up #wins as sam."""
    from emulator import DiscordEmulator
    from emulator.state import UserRecord

    emu = DiscordEmulator()
    await emu.start()
    guild = emu.create_guild(DEMO_GUILD)
    wins = emu.create_text_channel(guild.id, WINS_CHANNEL)
    members: dict[str, SimulatedMember] = {}
    for index, (name, admin) in enumerate(DEMO_MEMBERS, start=1):
        user_id = FIXED_ID_BASE + index
        emu.state.users[user_id] = UserRecord(id=user_id, username=name, global_name=name)
        members[name] = emu.create_member(guild.id, name, admin=admin, user_id=user_id)
    clock = ManualClock(storage.start_time())
    settings = SandboxSettings(
        discord_token=SecretStr(emu.token),
        database_path=storage.database,
        discord_api_base=emu.api_base,
        discord_gateway_url=emu.gateway_url,
        encryption_key_path=storage.key_path,
        encryption_key=SecretStr(storage.key) if storage.key else None,
        environment="development",
        log_level="WARNING",
        guild_ready_timeout=0.05,
        # Time only moves with /wait, which runs the scheduler's jobs itself; the real-time ticks stay idle.
        timer_tick_seconds=7 * 86400,
    )
    bot = BouncebackBot(settings, clock=clock)
    session = Session(
        emu, bot, clock, guild.id, members, storage.files_dir, errors, out, keep_files=not storage.throwaway
    )
    session.task = task = asyncio.create_task(bot.start(emu.token), name="sandbox-bot")
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({ready, task}, timeout=READY_SECONDS, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task in done:
            task.result()  # raises what stopped start-up
        raise RuntimeError(f"the bot was not ready after {READY_SECONDS:.0f} s")
    bot.scheduler.pause()
    before, requests = set(asyncio.all_tasks()), emu.stats.total_requests
    await members["sam"].slash("setup wins-channel", options={"channel": wins.id}, timeout=INTERACTION_SECONDS)
    await session.settle(before, requests)
    session.mark_all_seen()
    # Catch up once, as a restart would: a kept database may hold timers that fell due while it was closed.
    before, requests = set(asyncio.all_tasks()), emu.stats.total_requests
    await session.run_scheduled(clock.now(), clock.now())
    await session.settle(before, requests)
    return session


async def stop_world(session: Session) -> None:
    """Close the bot, then the emulator."""
    await session.bot.close()
    if session.task is not None:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(session.task, timeout=10)
    await session.emu.stop()


async def run_lines(session: Session, lines: LineSource) -> int:
    """Read and run lines until /quit or the end; return the exit code."""
    while True:
        line = await lines.read(f"{session.current.name}> ")
        if line is None:
            if lines.interactive:
                session.out("\nBye.")
            return EXIT_OK
        errors_before = len(session.errors.records)
        try:
            keep_going = await run_line(session, line.strip(), lines)
        except SandboxError as error:
            if not lines.interactive:
                print(f"sandbox: {lines.where()} failed: {error}", file=sys.stderr)
                return EXIT_FAILED
            session.out(f"{INDENT}! {error}")
            keep_going = True
        new_errors = session.errors.records[errors_before:]
        if new_errors:
            first = new_errors[0]
            problem = f"the bot logged an error ({first.name}: {first.getMessage()})"
            if not lines.interactive:
                print(f"sandbox: {lines.where()} failed: {problem}", file=sys.stderr)
                return EXIT_FAILED
            session.out(f"{INDENT}! {problem}; details in the log")
        if not keep_going:
            if lines.interactive:
                session.out("Bye.")
            return EXIT_OK
        session.out("")


async def run_line(session: Session, line: str, lines: LineSource) -> bool:
    """Run one line; False means quit."""
    if not line:
        return True
    word, _, rest = line.partition(" ")
    command = word.lower()
    if command in ("?", "/help-sandbox"):
        session.out(SANDBOX_HELP)
    elif command in ("/quit", "/exit"):
        return False
    elif command == "/as":
        await session.switch(rest)
    elif command == "/wait":
        if not rest.strip():
            raise SandboxError("How long? e.g. /wait 1d (also 2h, 30m, 1w, or until 09:30).")
        await session.fast_forward(parse_wait(rest, session.clock.now()))
    elif command == "/time":
        session.out(f"It's {format_timestamp(session.clock.now(), 'F', session.clock.now())} in the sandbox.")
    elif line.startswith("/"):
        await session.slash(line, lines)
    else:
        await session.press(line, lines)
    return True


def banner(session: Session, storage: Storage, seconds: float) -> list[str]:
    """What the sandbox says when it is ready."""
    now = session.clock.now()
    data = (
        "a throwaway database (deleted when you quit, with any files the bot sends)"
        if storage.throwaway
        else f"{storage.database} (key: {storage.key_path.name} next to it; files the bot sends are kept "
        f"in {storage.files_dir})"
    )
    return [
        f"Bounceback sandbox: the real bot on a pretend Discord, ready in {seconds:.1f} s.",
        f"Server “{DEMO_GUILD}”: #general and #{WINS_CHANNEL} (sam, an admin, chose it with /setup wins-channel).",
        f"Members: {', '.join(session.members)}. You are {session.current.name}. "
        f"Sandbox time: {format_timestamp(now, 'F', now)}.",
        f"Data: {data}.",
        "Type a /command (try /rejected company:Acme stage:onsite), a number to press a button, ? for help.",
        "",
    ]


async def main_async(script_text: str | None, storage: Storage, errors: ErrorCounter, started: float) -> int:
    """Start everything, run the lines, and stop cleanly."""

    def out(text: str) -> None:
        print(text, flush=True)

    try:
        session = await start_world(storage, errors, out)
    except Exception as error:  # start-up problems are reported in one line, details in the log
        log.exception("the sandbox could not start")
        print(f"sandbox: could not start the bot: {error}", file=sys.stderr)
        return EXIT_FAILED
    try:
        for line in banner(session, storage, time.perf_counter() - started):
            out(line)
        if session.show_changes(heading="While the sandbox was closed:"):
            out("")
        lines: LineSource = ScriptLines(script_text, out) if script_text is not None else TerminalLines()
        if lines.interactive:
            session.width = min(max(shutil.get_terminal_size((SCRIPT_WIDTH, 24)).columns - 1, 60), 140)
        return await run_lines(session, lines)
    finally:
        storage.remember_time(session.clock.now())
        await stop_world(session)


def run_sandbox(script: str | None, database: str | None) -> int:
    """Entry point for `python -m bot --sandbox [--script FILE] [--database PATH]`; returns the exit code."""
    started = time.perf_counter()
    script_text: str | None = None
    if script is not None:
        try:
            script_text = Path(script).read_text(encoding="utf-8")
        except OSError as error:
            print(f"sandbox: can't read the script {script}: {error.strerror}", file=sys.stderr)
            return EXIT_USAGE
    storage = prepare_storage(database)
    log_path = storage.session_dir / "sandbox.log"
    errors = quiet_logging(log_path)
    code = EXIT_FAILED
    try:
        code = asyncio.run(main_async(script_text, storage, errors, started))
    except KeyboardInterrupt:
        print("\nBye.")
        code = EXIT_OK
    except BrokenPipeError:
        # Whoever read the transcript (e.g. `| head`) stopped reading; leave quietly, as Python's docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_FAILED
    finally:
        logging.shutdown()
        if errors.records:
            print(f"sandbox: the bot logged errors; its log is kept at {log_path}", file=sys.stderr)
        else:
            shutil.rmtree(storage.session_dir, ignore_errors=True)
    return code
