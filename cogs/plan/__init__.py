"""The growth plan: `/plan`, "Add to my plan" offers under reflections, feedback replies and practice answers,
and what an interviewer's reply gives to act on.

- `cog.py`: the command, the form's custom-id route, registrations.
- `views.py`: the list, the item picker, Done/Edit/Drop, "Add my own" and the form.
- `offers.py`: the "Add to my plan" offers other capabilities show (through `bot.offer_items("plan", ...)`).
- `logic.py`: pure rules, among them the reading of feedback replies (words in data/plan_areas.toml).
- `store.py`: the `plan_items` table.
"""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.plan.cog import PlanCog


async def setup(bot: BouncebackBot) -> None:
    """Load the plan cog."""
    await bot.add_cog(PlanCog(bot))
