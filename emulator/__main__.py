"""Run a standalone emulator with a demo guild: ``python -m emulator [--port 8765] [--token T]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from .server import DiscordEmulator

log = logging.getLogger(__name__)


async def serve(
    port: int, token: str, guild_name: str, *, global_rate_limit: int | None = None, shards: int = 1
) -> None:
    """Start the emulator, create the demo world, print how to connect, and run until cancelled."""
    emu = DiscordEmulator(token=token, port=port, global_rate_limit=global_rate_limit, recommended_shards=shards)
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
    parser.add_argument(
        "--global-rate-limit", type=int, default=None, help="requests/s for the token, across every session and process"
    )
    parser.add_argument("--shards", type=int, default=1, help="shard count GET /gateway/bot recommends")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(args.port, args.token, args.guild, global_rate_limit=args.global_rate_limit, shards=args.shards)
        )


if __name__ == "__main__":
    main()
