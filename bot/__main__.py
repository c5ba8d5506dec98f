"""`python -m bot`: settings -> logging -> run, with clear messages instead of tracebacks."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

import discord
from pydantic import ValidationError

from bot.client import BouncebackBot
from bot.config import Settings, describe_settings_error
from bot.crypto import EncryptionKeyError
from bot.logging_setup import configure_logging
from bot.storage import StorageError

log = logging.getLogger(__name__)

EXIT_CONFIG = 2
SETUP_HELP = (
    "Bounceback needs a bot token: set DISCORD_TOKEN in the environment or in a .env file "
    "(copy .env.example to .env). Get a token at https://discord.com/developers/applications "
    "→ your app → Bot → Reset Token. No Discord account? Try it locally with: python -m bot --sandbox"
)


def fail(message: str) -> int:
    """Print one clear line to stderr and return the configuration exit code."""
    print(f"bounceback: {message}", file=sys.stderr)
    return EXIT_CONFIG


async def run_bot(settings: Settings) -> int:
    """Run the bot until it is closed or signalled; return the process exit code."""
    bot = BouncebackBot(settings)
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m bot` and the `bounceback` console script."""
    args = parse_args(argv)
    if args.sandbox:
        from bot.sandbox import run_sandbox

        return run_sandbox(script=args.script, database=args.database)
    try:
        settings = Settings()  # type: ignore[call-arg]  # pydantic-settings fills fields from the environment
    except ValidationError as error:
        if any(problem["loc"] == ("discord_token",) and problem["type"] == "missing" for problem in error.errors()):
            return fail(SETUP_HELP)
        return fail(f"bad configuration: {describe_settings_error(error)} (see .env.example)")
    secrets = [settings.discord_token.get_secret_value()]
    if settings.encryption_key:
        secrets.append(settings.encryption_key.get_secret_value())
    configure_logging(settings.log_level, secrets)
    try:
        return asyncio.run(run_bot(settings))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
