"""`/rejected`, the check-in: the spine other capabilities hang their next steps on (its table lives in core)."""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.checkin.cog import CheckinCog


async def setup(bot: BouncebackBot) -> None:
    """Load the check-in cog."""
    await bot.add_cog(CheckinCog(bot))
