"""Wins: `/win` previews and posts, cheers and removal, private milestones, the weekly digest.

cog.py (commands, listeners, erasure), views.py (persistent components, the modal), posting.py (preview to
post, milestones, take-downs), digest.py (the weekly digest), logic.py (pure rules), store.py (the tables).
"""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.wins.cog import Wins


async def setup(bot: BouncebackBot) -> None:
    """Load the wins cog."""
    await bot.add_cog(Wins(bot))
