"""Daily nudges: a short encouragement by DM at a local time each member chooses, paced and crash-safe.

- `cog.py`: /nudges start|status|pause|stop|preview, the tick, the unreachable-member listener.
- `views.py`: the buttons under a nudge, the 1-5 mood scale, the start form and the "Daily nudges" next step.
- `compose.py`: one nudge's DM, with at most one personal add-on (read from other capabilities through
  `bot.readmodel`).
- `dispatch.py`: the claim loop that sends what is due. It stays a loop over the schedule table rather than a
  durable timer per member: benchmarks/bench_nudges.py measures this design against one job per member (memory
  with 100,000 subscribers, event-loop stalls and the sending rate with 5,000 due at once).
- `logic.py`: pure rules (the per-member shuffle, nonces, retry back-off, the wording of add-ons and footers).
- `variety.py`: pure rules over the member's own ledger: no add-on kind two days in three (so never on more than
  a third of the days in a month), no idea twice in 14 days.
- `store.py`: the nudge tables (schedules, the once-a-day ledger, mood logs).
"""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.nudges.cog import NudgesCog


async def setup(bot: BouncebackBot) -> None:
    """Load the nudges cog."""
    await bot.add_cog(NudgesCog(bot))
