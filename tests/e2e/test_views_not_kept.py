"""Messages whose buttons are all answered by custom id must not be kept in discord.py's view store.

discord.py keeps every view it sends until the view times out (and gives each ephemeral one a 15-minute timer
task); for DynamicItem-only views that is memory and tasks that grow with every member action.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.harness import Harness, message_of


def kept_views(harness: Harness) -> int:
    """Views discord.py holds for this bot: stored ones, plus those it is timing out with a task of their own."""
    store: Any = harness.running._connection._view_store
    timing_out = [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "").endswith("__timeout_task_impl")
    ]
    return len(store._views) + len(store._synced_message_views) + len(timing_out)


async def test_everyday_flows_leave_no_views_behind(harness: Harness) -> None:
    alex = harness.member("alex")
    baseline = kept_views(harness)

    start = await alex.slash("rejected", company="Acme", role="Analyst")
    picked = await alex.select(message_of(start), "checkin:feeling", ["frustrated"])
    three = next(b.custom_id for b in message_of(picked).buttons() if b.custom_id and b.custom_id.endswith(":3"))
    await alex.click(message_of(picked), three)
    checkin_id = int(three.split(":")[2])

    await alex.slash("feedback draft", rejection=str(checkin_id))
    await alex.slash("practice")
    await alex.slash("progress")
    await alex.slash("mydata delete")

    assert kept_views(harness) == baseline
