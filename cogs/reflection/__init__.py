"""Reflection: `/reflect` and "Reflect now" — what was hard, what went well, what to practise next."""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.reflection.cog import ReflectionCog


async def setup(bot: BouncebackBot) -> None:
    """Load the reflection cog."""
    await bot.add_cog(ReflectionCog(bot))
