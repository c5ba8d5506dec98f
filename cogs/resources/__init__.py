"""`/resources [country]`: the cog (`cog.py`); the helplines themselves and their choice live in core (bot/support.py)
because crisis replies show them too."""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.resources.cog import Resources


async def setup(bot: BouncebackBot) -> None:
    """Load the resources cog."""
    await bot.add_cog(Resources(bot))
