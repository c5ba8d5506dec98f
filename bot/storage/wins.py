"""Wins: drafts, posts, cheers, private milestones and the weekly counts (win text encrypted at rest)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.checkins import ensure_user
from bot.storage.database import Database

log = logging.getLogger(__name__)

MAX_DRAFTS = 5
SOURCES = ("command", "reflection", "nudge")


@dataclass(frozen=True)
class Win:
    """A stored win (text decrypted)."""

    id: int
    user_id: int
    guild_id: int | None
    category: str
    text: str
    anonymous: bool
    state: str
    source: str
    channel_id: int | None
    message_id: int | None
    created_at: datetime
    posted_at: datetime | None

    @property
    def is_draft(self) -> bool:
        """True until it has been posted."""
        return self.state == "draft"


@dataclass(frozen=True)
class Highlight:
    """A non-anonymous win picked for the weekly digest."""

    win_id: int
    user_id: int
    category: str
    text: str
    channel_id: int | None
    message_id: int | None
    cheers: int


@dataclass(frozen=True)
class WeekSummary:
    """What a server's week looked like, in counts only (plus a few wins their authors shared by name)."""

    wins_shared: int
    members_checked_in: int
    highlights: list[Highlight]


def milestone_for(count: int, thresholds: Sequence[int], every_after: int) -> int | None:
    """The milestone `count` lands on, if any: a listed threshold, or each `every_after` past the last one."""
    if count in thresholds:
        return count
    last = max(thresholds, default=0)
    if every_after > 0 and count > last and count % every_after == 0:
        return count
    return None


class WinRepository:
    """Reads and writes wins, cheers and milestones."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self._database = database
        self._cipher = cipher

    # ----------------------------------------------------------------- drafts

    async def create_draft(
        self, *, user_id: int, guild_id: int | None, category: str, text: str, anonymous: bool,
        source: str, now: datetime,
    ) -> Win:
        """Store a new draft (keeping only the member's few most recent drafts) and return it."""
        if source not in SOURCES:
            raise ValueError(f"unknown win source {source!r}")
        stamp = to_iso(now)
        async with self._database.transaction() as tx:
            await ensure_user(tx, user_id, now)
            win_id = await tx.execute(
                "INSERT INTO wins (user_id, guild_id, category, text_encrypted, anonymous, state, source, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?)",
                (user_id, guild_id, category, self._cipher.encrypt(text), int(anonymous), source, stamp, stamp),
            )
            # Drafts nobody posted pile up otherwise; the newest few are all anyone comes back for.
            await tx.execute(
                "DELETE FROM wins WHERE user_id = ? AND state = 'draft' AND id NOT IN "
                "(SELECT id FROM wins WHERE user_id = ? AND state = 'draft' ORDER BY updated_at DESC, id DESC "
                "LIMIT ?)",
                (user_id, user_id, MAX_DRAFTS),
            )
        win = await self.get(win_id)
        assert win is not None
        return win

    async def update_draft(
        self, win_id: int, user_id: int, *, text: str, category: str, anonymous: bool, now: datetime
    ) -> bool:
        """Change a draft's words, category or anonymity; False if it is gone, posted, or not theirs."""
        changed = await self._database.execute(
            "UPDATE wins SET text_encrypted = ?, category = ?, anonymous = ?, updated_at = ? "
            "WHERE id = ? AND user_id = ? AND state = 'draft'",
            (self._cipher.encrypt(text), category, int(anonymous), to_iso(now), win_id, user_id),
        )
        return changed > 0

    async def set_guild(self, win_id: int, user_id: int, guild_id: int, now: datetime) -> None:
        """Say which server a draft is for."""
        await self._database.execute(
            "UPDATE wins SET guild_id = ?, updated_at = ? WHERE id = ? AND user_id = ? AND state = 'draft'",
            (guild_id, to_iso(now), win_id, user_id),
        )

    async def touch(self, win_id: int, user_id: int, now: datetime) -> None:
        """Mark a draft as the one the member came back to most recently."""
        await self._database.execute(
            "UPDATE wins SET updated_at = ? WHERE id = ? AND user_id = ? AND state = 'draft'",
            (to_iso(now), win_id, user_id),
        )

    async def delete_draft(self, win_id: int, user_id: int) -> bool:
        """Throw a draft away (Cancel); False if it was not a draft of theirs."""
        return await self._database.execute(
            "DELETE FROM wins WHERE id = ? AND user_id = ? AND state = 'draft'", (win_id, user_id)
        ) > 0

    async def latest_draft(self, user_id: int, guild_id: int | None, *, exclude: int | None = None) -> Win | None:
        """The member's most recent saved draft for this server (or one not tied to a server yet)."""
        row = await self._database.fetchone(
            "SELECT * FROM wins WHERE user_id = ? AND state = 'draft' AND (guild_id IS NULL OR guild_id = ?) "
            "AND id != ? ORDER BY updated_at DESC, id DESC LIMIT 1",
            (user_id, guild_id, exclude or 0),
        )
        return None if row is None else self._from_row(row)

    # ----------------------------------------------------------------- posts

    async def get(self, win_id: int) -> Win | None:
        """A win in any state, or None."""
        row = await self._database.fetchone("SELECT * FROM wins WHERE id = ?", (win_id,))
        return None if row is None else self._from_row(row)

    async def mark_posted(
        self, win_id: int, user_id: int, *, guild_id: int, channel_id: int, message_id: int, now: datetime
    ) -> bool:
        """Record where a draft was posted; False if it was no longer a draft."""
        stamp = to_iso(now)
        return await self._database.execute(
            "UPDATE wins SET state = 'posted', guild_id = ?, channel_id = ?, message_id = ?, posted_at = ?, "
            "updated_at = ? WHERE id = ? AND user_id = ? AND state = 'draft'",
            (guild_id, channel_id, message_id, stamp, stamp, win_id, user_id),
        ) > 0

    async def mark_removed(self, win_id: int, now: datetime) -> bool:
        """Record that a posted win was taken down; False if it was not posted."""
        stamp = to_iso(now)
        return await self._database.execute(
            "UPDATE wins SET state = 'removed', removed_at = ?, updated_at = ? WHERE id = ? AND state = 'posted'",
            (stamp, stamp, win_id),
        ) > 0

    async def last_posted_at(self, user_id: int) -> datetime | None:
        """When the member last posted a win (removed ones count: the cooldown is about flooding)."""
        value = await self._database.fetchval(
            "SELECT MAX(posted_at) FROM wins WHERE user_id = ? AND posted_at IS NOT NULL", (user_id,)
        )
        return from_iso(value) if value else None

    async def shared_count(self, user_id: int) -> int:
        """How many wins the member has shared, ever (for milestones)."""
        return int(
            await self._database.fetchval(
                "SELECT COUNT(*) FROM wins WHERE user_id = ? AND posted_at IS NOT NULL", (user_id,)
            ) or 0
        )

    async def posted_by(self, user_id: int) -> list[Win]:
        """The member's wins that are still up in a channel."""
        rows = await self._database.fetchall(
            "SELECT * FROM wins WHERE user_id = ? AND state = 'posted' ORDER BY id", (user_id,)
        )
        return [self._from_row(row) for row in rows]

    # ----------------------------------------------------------------- cheers

    async def add_cheer(self, win_id: int, user_id: int, now: datetime) -> bool:
        """Cheer a posted win; False if this member had already cheered it (one cheer each)."""
        async with self._database.transaction() as tx:
            posted = await tx.fetchval("SELECT 1 FROM wins WHERE id = ? AND state = 'posted'", (win_id,))
            if not posted:
                return False
            # RETURNING says whether a row went in; lastrowid would not (it keeps the previous insert's id).
            inserted = await tx.fetchval(
                "INSERT INTO win_cheers (win_id, user_id, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (win_id, user_id) DO NOTHING RETURNING 1",
                (win_id, user_id, to_iso(now)),
            )
        return inserted is not None

    async def cheer_count(self, win_id: int) -> int:
        """How many members cheered a win."""
        return int(await self._database.fetchval("SELECT COUNT(*) FROM win_cheers WHERE win_id = ?", (win_id,)) or 0)

    async def withdraw_cheers(self, user_id: int) -> list[Win]:
        """Delete every cheer a member gave; return the posted wins whose counts changed."""
        async with self._database.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT w.* FROM wins w JOIN win_cheers c ON c.win_id = w.id "
                "WHERE c.user_id = ? AND w.state = 'posted' AND w.user_id != ? ORDER BY w.id",
                (user_id, user_id),
            )
            await tx.execute("DELETE FROM win_cheers WHERE user_id = ?", (user_id,))
        return [self._from_row(row) for row in rows]

    # ----------------------------------------------------------------- milestones

    async def reach_milestone(self, user_id: int, kind: str, threshold: int, now: datetime) -> bool:
        """Note a milestone; True only the first time it is reached."""
        async with self._database.transaction() as tx:
            inserted = await tx.fetchval(
                "INSERT INTO win_milestones (user_id, kind, threshold, reached_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id, kind, threshold) DO NOTHING RETURNING 1",
                (user_id, kind, threshold, to_iso(now)),
            )
        return inserted is not None

    async def mark_milestone_delivered(self, user_id: int, kind: str, threshold: int, now: datetime) -> None:
        """The member has been told about this milestone."""
        await self._database.execute(
            "UPDATE win_milestones SET delivered_at = ? WHERE user_id = ? AND kind = ? AND threshold = ?",
            (to_iso(now), user_id, kind, threshold),
        )

    async def undelivered_milestones(self, user_id: int, kind: str) -> list[int]:
        """Milestones reached but not yet told (e.g. a DM that could not get through), smallest first."""
        rows = await self._database.fetchall(
            "SELECT threshold FROM win_milestones WHERE user_id = ? AND kind = ? AND delivered_at IS NULL "
            "ORDER BY threshold",
            (user_id, kind),
        )
        return [row["threshold"] for row in rows]

    # ----------------------------------------------------------------- the week

    async def week_summary(self, guild_id: int, start: datetime, end: datetime, *, highlights: int = 3) -> WeekSummary:
        """Wins shared and members who checked in, in [start, end); plus a few non-anonymous wins to celebrate."""
        window = (guild_id, to_iso(start), to_iso(end))
        wins_shared = await self._database.fetchval(
            "SELECT COUNT(*) FROM wins WHERE guild_id = ? AND state = 'posted' AND posted_at >= ? AND posted_at < ?",
            window,
        )
        checked_in = await self._database.fetchval(
            "SELECT COUNT(DISTINCT user_id) FROM checkins WHERE guild_id = ? AND created_at >= ? AND created_at < ?",
            window,
        )
        rows = await self._database.fetchall(
            "SELECT w.*, (SELECT COUNT(*) FROM win_cheers c WHERE c.win_id = w.id) AS cheers FROM wins w "
            "WHERE w.guild_id = ? AND w.state = 'posted' AND w.anonymous = 0 AND w.posted_at >= ? AND w.posted_at < ? "
            "ORDER BY cheers DESC, w.posted_at, w.id LIMIT ?",
            (*window, highlights),
        )
        picked = [
            Highlight(
                win_id=row["id"], user_id=row["user_id"], category=row["category"],
                text=self._cipher.decrypt(row["text_encrypted"]), channel_id=row["channel_id"],
                message_id=row["message_id"], cheers=row["cheers"],
            )
            for row in rows
        ]
        return WeekSummary(
            wins_shared=int(wins_shared or 0), members_checked_in=int(checked_in or 0), highlights=picked
        )

    def _from_row(self, row: sqlite3.Row) -> Win:
        posted = row["posted_at"]
        return Win(
            id=row["id"],
            user_id=row["user_id"],
            guild_id=row["guild_id"],
            category=row["category"],
            text=self._cipher.decrypt(row["text_encrypted"]),
            anonymous=bool(row["anonymous"]),
            state=row["state"],
            source=row["source"],
            channel_id=row["channel_id"],
            message_id=row["message_id"],
            created_at=from_iso(row["created_at"]),
            posted_at=from_iso(posted) if posted else None,
        )
