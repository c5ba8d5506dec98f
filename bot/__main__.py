"""`python -m bot`: settings -> logging -> run, with clear messages instead of tracebacks."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

import aiohttp
import discord
from pydantic import ValidationError

from bot.client import create_bot
from bot.config import Settings, StorageSettings, cleartext_endpoints, describe_settings_error
from bot.crypto import EncryptionKeyError, TextCipher, require_key
from bot.logging_setup import configure_logging
from bot.storage import StorageError

log = logging.getLogger(__name__)

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_NETWORK = 3
DISCORD_API = "https://discord.com/api"
SETUP_HELP = (
    "Bounceback needs a bot token: set DISCORD_TOKEN in the environment or in a .env file "
    "(copy .env.example to .env). Get a token at https://discord.com/developers/applications "
    "→ your app → Bot → Reset Token. No Discord account? Try it locally with: python -m bot --sandbox"
)


def fail(message: str, code: int = EXIT_CONFIG) -> int:
    """Print one clear line to stderr and return the exit code (the configuration one unless told)."""
    print(f"bounceback: {message}", file=sys.stderr)
    return code


async def run_bot(settings: Settings) -> int:
    """Run the bot until it is closed or signalled; return the process exit code."""
    bot = create_bot(settings)
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []

    def request_close() -> None:
        # Keep the task so shutdown waits for the database to close before the loop ends.
        if not closing:
            closing.append(loop.create_task(bot.close()))

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, request_close)
    try:
        async with bot:
            await bot.start(settings.discord_token.get_secret_value())
    except discord.LoginFailure:
        return fail("Discord rejected DISCORD_TOKEN (invalid or reset). Copy a fresh token from the developer portal.")
    except discord.PrivilegedIntentsRequired:
        return fail("Discord refused an intent the bot asked for; check the bot's settings in the developer portal.")
    except (StorageError, EncryptionKeyError) as error:
        return fail(str(error))
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound, discord.DiscordServerError) as error:
        # Only while logging in: once connected, discord.py itself reconnects through outages.
        where = settings.discord_api_base or DISCORD_API
        return fail(f"cannot reach Discord at {where} ({error}). Check the network or DISCORD_API_BASE.", EXIT_NETWORK)
    finally:
        if closing:
            await closing[0]
        await bot.close()
    log.info("Bounceback stopped cleanly")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run the Bounceback Discord bot.")
    parser.add_argument(
        "--sandbox", action="store_true", help="try the bot locally against a built-in Discord emulator"
    )
    parser.add_argument("--script", help="with --sandbox: run the commands in this file and print the transcript")
    parser.add_argument("--database", help="with --sandbox: keep the sandbox data in this SQLite file")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    rotate = commands.add_parser(
        "rotate-key", help="re-encrypt stored text with the first key in ENCRYPTION_KEY (the bot may be running)"
    )
    rotate.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
    backup = commands.add_parser("backup", help="copy the database consistently to PATH (the bot may be running)")
    backup.add_argument("path", type=Path, help="where to write the copy (replaced if it exists)")
    migrate = commands.add_parser(
        "migrate", help="copy the SQLite database into PostgreSQL (stop the bot first; resumable, verified)"
    )
    migrate.add_argument("--to", required=True, metavar="URL", help="the target, postgresql://USER:PASSWORD@HOST/DB")
    migrate.add_argument("--batch-size", type=int, default=1000, help="rows per transaction (default 1000)")
    health = commands.add_parser(
        "health", help="which shards are connected and how late the due work is; exit 1 when something is wrong"
    )
    health.add_argument("--silent-after", type=float, default=45.0, help="seconds without a beat (default 45)")
    health.add_argument("--max-late", type=float, default=120.0, help="seconds a due item may wait (default 120)")
    return parser.parse_args(argv)


def load_storage_settings() -> StorageSettings | int:
    """Settings for the operator commands (no token needed), or the exit code after explaining what is wrong."""
    try:
        settings = StorageSettings()
    except ValidationError as error:
        return fail(f"bad configuration: {describe_settings_error(error)} (see .env.example)")
    configure_logging("INFO", settings.encryption_keys())
    return settings


def rotate_key(batch_size: int) -> int:
    """`bounceback rotate-key`: move every stored text onto the newest key."""
    from bot.maintenance import rotate_keys

    settings = load_storage_settings()
    if isinstance(settings, int):
        return settings
    keys = settings.encryption_keys()
    if not keys:
        return fail("rotate-key needs ENCRYPTION_KEY=NEW_KEY,OLD_KEY (newest first, comma-separated)")
    if settings.database_url is not None:
        return fail("rotate-key works on the SQLite database only; with DATABASE_URL set it would change nothing")
    try:
        cipher = TextCipher(*(key.encode("ascii") for key in keys))
        report = rotate_keys(settings.database_path, cipher, batch_size=max(1, batch_size), progress=say)
    except (StorageError, EncryptionKeyError) as error:
        return fail(str(error))
    say(f"done: {report.rotated} value(s) re-encrypted, {report.current} already on the newest key")
    if report.unreadable:
        return fail(
            f"{report.unreadable} value(s) could not be decrypted with any key in ENCRYPTION_KEY and were left "
            "as they are; keep the old keys until you know which key made them",
            EXIT_FAILED,
        )
    if cipher.key_count > 1:
        say("every value is on the newest key: the older keys can now be removed from ENCRYPTION_KEY")
    return 0


def backup(path: Path) -> int:
    """`bounceback backup PATH`: a consistent copy of the database, mode 0600."""
    from bot.maintenance import backup_database

    settings = load_storage_settings()
    if isinstance(settings, int):
        return settings
    if settings.database_url is not None:
        return fail('backup copies the SQLite file; for PostgreSQL use pg_dump --format=custom "$DATABASE_URL"')
    try:
        size = backup_database(settings.database_path, path)
    except (StorageError, OSError) as error:
        return fail(str(error))
    say(f"backed up {settings.database_path} to {path} ({size:,} bytes, mode 600)")
    return 0


def migrate(url: str, batch_size: int) -> int:
    """`bounceback migrate --to URL`: copy the SQLite database at DATABASE_PATH into PostgreSQL and verify it."""
    from bot.operator import run_migrate

    settings = load_storage_settings()
    if isinstance(settings, int):
        return settings
    return run_migrate(settings, url, batch_size)


def health(silent_after: float, max_late: float) -> int:
    """`bounceback health`: shards connected, timers and nudges on time (exit 0), or one line per problem (1)."""
    from bot.operator import run_health

    settings = load_storage_settings()
    if isinstance(settings, int):
        return settings
    return run_health(settings, silent_after, max_late)


def say(line: str) -> None:
    """Progress for operator commands, on stderr like the logs."""
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m bot` and the `bounceback` console script."""
    args = parse_args(argv)
    if args.command == "rotate-key":
        return rotate_key(args.batch_size)
    if args.command == "backup":
        return backup(args.path)
    if args.command == "migrate":
        return migrate(args.to, args.batch_size)
    if args.command == "health":
        return health(args.silent_after, args.max_late)
    if args.sandbox:
        # The sandbox is a developer tool outside the bot's packages: imported only when asked for.
        from sandbox.main import run_sandbox

        return run_sandbox(script=args.script, database=args.database)
    try:
        settings = Settings()  # type: ignore[call-arg]  # pydantic-settings fills fields from the environment
    except ValidationError as error:
        if any(problem["loc"] == ("discord_token",) and problem["type"] == "missing" for problem in error.errors()):
            return fail(SETUP_HELP)
        return fail(f"bad configuration: {describe_settings_error(error)} (see .env.example)")
    secrets = [settings.discord_token.get_secret_value(), *settings.encryption_keys()]
    if settings.encryption_key:
        secrets.append(settings.encryption_key.get_secret_value())
    configure_logging(settings.log_level, secrets)
    for warning in cleartext_endpoints(settings):
        log.warning(warning)
    try:
        require_key(",".join(settings.encryption_keys()), settings.environment)
    except EncryptionKeyError as error:
        return fail(str(error))
    try:
        return asyncio.run(run_bot(settings))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
