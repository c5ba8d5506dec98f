"""`/help`: the cog (`cog.py`); its words live in data/help.toml."""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.help.cog import Help


async def setup(bot: BouncebackBot) -> None:
    """Load the help cog."""
    await bot.add_cog(Help(bot))
