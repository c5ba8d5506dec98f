"""Setup: `/setup` for server admins — the wins channel, the weekly digest, where support requests go.

cog.py (the commands), logic.py (what they tell the admin); the settings live in core
(bot/storage/guild_settings.py), which the wins capability reads too.
"""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.setup.cog import ServerSetup


async def setup(bot: BouncebackBot) -> None:
    """Load the /setup commands."""
    await bot.add_cog(ServerSetup(bot))
