"""`/progress`: a member's private dashboard.

- `cog.py`: the command, its cooldown, the fill-in button's registration.
- `views.py`: the dashboard embed, the chart's input, "Fill in yesterday" and its form.
- `observations.py`, `streaks.py`: pure rules (what is honest to observe; the forgiving streak).
- `charts.py`: the chart, drawn with matplotlib in a worker thread.
- `store.py`: progress's own table (days filled in afterwards) and the member's figures, which come from the
  other capabilities' tables through `bot.readmodel.progress_facts`.
"""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.progress.cog import ProgressCog


async def setup(bot: BouncebackBot) -> None:
    """Load the progress cog."""
    await bot.add_cog(ProgressCog(bot))
