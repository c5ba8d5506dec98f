"""A member's data rights: `/mydata export` and `/mydata delete`, and the day-before DM for a kept vent.

- `cog.py`: the commands, the erasure hook for DMs, the vent-warning timer handler.
- `views.py`: the confirm/cancel and keep-longer buttons, and the deletion report.
"""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.mydata.cog import MyDataCog


async def setup(bot: BouncebackBot) -> None:
    """Load the data-rights cog."""
    await bot.add_cog(MyDataCog(bot))
