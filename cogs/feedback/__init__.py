"""Feedback: `/feedback draft` and `/feedback list`, "Ask for feedback" after /rejected, reminders and follow-ups."""

from __future__ import annotations

from bot.client import BouncebackBot
from cogs.feedback.cog import FeedbackCog


async def setup(bot: BouncebackBot) -> None:
    """Load the feedback cog."""
    await bot.add_cog(FeedbackCog(bot))
