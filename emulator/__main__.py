"""Run a standalone emulator with a demo guild: ``python -m emulator [--port 8765] [--token T]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from .server import DiscordEmulator

log = logging.getLogger(__name__)


async def serve(port: int, token: str, guild_name: str) -> None:
    """Start the emulator, create the demo world, print how to connect, and run until cancelled."""
    emu = DiscordEmulator(token=token, port=port)
    await emu.start()
    guild = emu.create_guild(guild_name)
    for name in ("alex", "jordan"):
        emu.create_member(guild.id, name)
    emu.create_member(guild.id, "sam", admin=True)
    print(f"DISCORD_API_BASE={emu.api_base}")
    print(f"DISCORD_GATEWAY_URL={emu.gateway_url}")
    print(f"DISCORD_TOKEN={emu.token}")
    print(f"guild {guild_name!r} id={guild.id}; members alex, jordan, sam (Manage Server)")
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="emulator-token")
    parser.add_argument("--guild", default="Job Seekers")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.token, args.guild))


if __name__ == "__main__":
    main()
