"""Retention: kept vent text is cleared once it is older than the retention period (a daily job runs this)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.clock import to_iso
from bot.storage.database import Database

log = logging.getLogger(__name__)


async def purge_expired_vents(database: Database, now: datetime, retention_days: int) -> int:
    """Clear vents kept more than `retention_days` ago; the check-in itself (feeling, stage) stays. Returns how many."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = to_iso(now - timedelta(days=retention_days))
    purged = await database.execute(
        "UPDATE checkins SET vent_encrypted = NULL, vent_kept_at = NULL "
        "WHERE vent_encrypted IS NOT NULL AND COALESCE(vent_kept_at, created_at) <= ?",
        (cutoff,),
    )
    if purged:
        log.info("retention: cleared %d kept vent(s) older than %d days", purged, retention_days)
        await database.scrub()
    return purged
