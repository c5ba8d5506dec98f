"""`/journal`: a member reads back their kept vents, reflections, what companies said, and practice answers.

- `cog.py`: the command and the registration of its persistent components.
- `views.py`: a page of entries, Older/Newer, and the select that deletes one entry through the core's confirm
  and the deleter each capability registered (`bot.delete_one`).
- `logic.py`: pure rules: paging, and fitting entries into Discord's limits.

It keeps no table of its own: entries are read from their capabilities' tables through `bot.readmodel`.
"""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.journal.cog import JournalCog


async def setup(bot: BouncebackBot) -> None:
    """Load the journal cog."""
    await bot.add_cog(JournalCog(bot))
