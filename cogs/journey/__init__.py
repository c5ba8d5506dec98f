"""Journey: `/log` applications, interviews and offers, and `/goal`, the role or direction a member aims for.

cog.py (the commands), views.py ("Clear my goal", the invitation under an offer), logic.py (pure rules),
store.py (the tables). `/progress` shows the funnel from these steps through bot.readmodel.journey_steps;
reflections and nudges mention the goal through bot.readmodel.goal_for.
"""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.journey.cog import JourneyCog


async def setup(bot: BouncebackBot) -> None:
    """Load the journey cog."""
    await bot.add_cog(JourneyCog(bot))
