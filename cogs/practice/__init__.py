"""Interview practice: `/practice`, its buttons and modal, the answer analyser, question picking and its tables.

- `cog.py`: the command, the modal's custom-id route, registrations.
- `views.py`: the persistent buttons, the answer modal, and the steps of a session they drive.
- `embeds.py`: what the member sees (question, feedback, summary).
- `analysis.py` + `patterns.py`: the rule-based answer analyser (pure).
- `logic.py`: feedback wording from an analysis, strongest answer, one thing to work on (pure).
- `questions.py`: the question bank and which question comes next (pure).
- `store.py`: the practice tables.
"""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.practice.cog import PracticeCog


async def setup(bot: BouncebackBot) -> None:
    """Load the practice cog."""
    await bot.add_cog(PracticeCog(bot))
