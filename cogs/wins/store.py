"""The wins tables: drafts, posts, cheers, private milestones, digests and take-downs (win text encrypted at rest)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.readmodel import members_checked_in
from bot.storage.checkins import ensure_user
from bot.storage.database import Database, Row

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
class PendingTakedown:
    """A post that must come down and hasn't yet: where it is, nothing about whose it was."""

    id: int
    guild_id: int | None
    channel_id: int
    message_id: int
    attempts: int

    @property
    def link(self) -> str:
        """A jump link to the message."""
        return jump_link(self.guild_id, self.channel_id, self.message_id)


@dataclass(frozen=True)
class DigestRecord:
    """A weekly digest the bot posted: where, the counts it showed, and the wins it quoted (in order)."""

    id: int
    guild_id: int
    channel_id: int
    message_id: int
    week_number: int
    wins_shared: int
    members_checked_in: int
    show_checkins: bool
    quoted: list[tuple[int, int]]  # (win_id, user_id)


def jump_link(guild_id: int | None, channel_id: int, message_id: int) -> str:
    """https://discord.com/channels/<guild or @me>/<channel>/<message>."""
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


@dataclass(frozen=True)
class WeekSummary:
    """What a server's week looked like, in counts only (plus a few wins their authors shared by name)."""

    wins_shared: int
    members_checked_in: int
    highlights: list[Highlight]


class WinRepository:
    """Reads and writes wins, cheers and milestones."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self._database = database
        self._cipher = cipher

    # ----------------------------------------------------------------- drafts

    async def create_draft(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        category: str,
        text: str,
        anonymous: bool,
        source: str,
        now: datetime,
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
        return (
            await self._database.execute(
                "DELETE FROM wins WHERE id = ? AND user_id = ? AND state = 'draft'", (win_id, user_id)
            )
            > 0
        )

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
        return (
            await self._database.execute(
                "UPDATE wins SET state = 'posted', guild_id = ?, channel_id = ?, message_id = ?, posted_at = ?, "
                "updated_at = ? WHERE id = ? AND user_id = ? AND state = 'draft'",
                (guild_id, channel_id, message_id, stamp, stamp, win_id, user_id),
            )
            > 0
        )

    async def mark_removed(self, win_id: int, now: datetime) -> bool:
        """Record that a posted win was taken down; False if it was not posted."""
        stamp = to_iso(now)
        return (
            await self._database.execute(
                "UPDATE wins SET state = 'removed', removed_at = ?, updated_at = ? WHERE id = ? AND state = 'posted'",
                (stamp, stamp, win_id),
            )
            > 0
        )

    async def claim_post_slot(self, win_id: int, user_id: int, now: datetime, cooldown: timedelta) -> bool:
        """Take the member's one posting slot for this draft, atomically; False while the cooldown holds.

        One conditional UPDATE: two drafts posted at the same moment cannot both pass the check. The claim is
        the draft's `posted_at`, which `last_posted_at` counts; `release_post_slot` gives it back if the post
        never went up.
        """
        return (
            await self._database.execute(
                "UPDATE wins SET posted_at = ?, updated_at = ? WHERE id = ? AND user_id = ? AND state = 'draft' "
                "AND NOT EXISTS (SELECT 1 FROM wins other WHERE other.user_id = ? AND other.posted_at IS NOT NULL "
                "AND other.posted_at > ?)",
                (to_iso(now), to_iso(now), win_id, user_id, user_id, to_iso(now - cooldown)),
            )
            > 0
        )

    async def release_post_slot(self, win_id: int, user_id: int) -> None:
        """The draft did not go up after all: it no longer holds the posting slot."""
        await self._database.execute(
            "UPDATE wins SET posted_at = NULL WHERE id = ? AND user_id = ? AND state = 'draft'", (win_id, user_id)
        )

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
                "SELECT COUNT(*) FROM wins WHERE user_id = ? AND state != 'draft' AND posted_at IS NOT NULL",
                (user_id,),
            )
            or 0
        )

    async def delete_win(self, win_id: int, user_id: int) -> bool:
        """Delete one of the member's wins outright (its cheers go with it); False if it was not theirs."""
        return await self._database.execute("DELETE FROM wins WHERE id = ? AND user_id = ?", (win_id, user_id)) > 0

    # ----------------------------------------------------------------- posts still to come down

    async def add_takedown(self, guild_id: int | None, channel_id: int, message_id: int, now: datetime) -> None:
        """Remember a post that must come down (retried until it is gone)."""
        await self._database.execute(
            "INSERT INTO pending_takedowns (guild_id, channel_id, message_id, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (channel_id, message_id) DO NOTHING",
            (guild_id, channel_id, message_id, to_iso(now)),
        )

    async def pending_takedowns(self) -> list[PendingTakedown]:
        """Every post still waiting to come down, oldest first."""
        rows = await self._database.fetchall("SELECT * FROM pending_takedowns ORDER BY id")
        return [
            PendingTakedown(row["id"], row["guild_id"], row["channel_id"], row["message_id"], row["attempts"])
            for row in rows
        ]

    async def takedown_done(self, takedown_id: int) -> None:
        """The post is gone."""
        await self._database.execute("DELETE FROM pending_takedowns WHERE id = ?", (takedown_id,))

    async def takedown_failed(self, takedown_id: int, now: datetime) -> None:
        """Another try failed; it stays for the next round."""
        await self._database.execute(
            "UPDATE pending_takedowns SET attempts = attempts + 1, last_tried_at = ? WHERE id = ?",
            (to_iso(now), takedown_id),
        )

    # ----------------------------------------------------------------- digests

    async def record_digest(
        self,
        *,
        guild_id: int,
        channel_id: int,
        message_id: int,
        week_number: int,
        summary: WeekSummary,
        show_checkins: bool,
        now: datetime,
    ) -> None:
        """Remember a posted digest and whose wins it quotes, so it can be re-drawn without someone."""
        async with self._database.transaction() as tx:
            digest_id = await tx.execute(
                "INSERT INTO digest_posts (guild_id, channel_id, message_id, week_number, wins_shared, "
                "members_checked_in, show_checkins, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    guild_id,
                    channel_id,
                    message_id,
                    week_number,
                    summary.wins_shared,
                    summary.members_checked_in,
                    int(show_checkins),
                    to_iso(now),
                ),
            )
            await tx.executemany(
                "INSERT INTO digest_quotes (digest_id, position, win_id, user_id) VALUES (?, ?, ?, ?)",
                [(digest_id, position, item.win_id, item.user_id) for position, item in enumerate(summary.highlights)],
            )

    async def digests_quoting(self, user_id: int) -> list[DigestRecord]:
        """The digests that quote one of the member's wins."""
        rows = await self._database.fetchall(
            "SELECT * FROM digest_posts WHERE id IN (SELECT digest_id FROM digest_quotes WHERE user_id = ?) "
            "ORDER BY id",
            (user_id,),
        )
        found = []
        for row in rows:
            quotes = await self._database.fetchall(
                "SELECT win_id, user_id FROM digest_quotes WHERE digest_id = ? ORDER BY position", (row["id"],)
            )
            found.append(
                DigestRecord(
                    id=row["id"],
                    guild_id=row["guild_id"],
                    channel_id=row["channel_id"],
                    message_id=row["message_id"],
                    week_number=row["week_number"],
                    wins_shared=row["wins_shared"],
                    members_checked_in=row["members_checked_in"],
                    show_checkins=bool(row["show_checkins"]),
                    quoted=[(quote["win_id"], quote["user_id"]) for quote in quotes],
                )
            )
        return found

    async def drop_quotes(self, digest_id: int, win_ids: list[int]) -> None:
        """A digest no longer quotes these wins."""
        await self._database.executemany(
            "DELETE FROM digest_quotes WHERE digest_id = ? AND win_id = ?", [(digest_id, w) for w in win_ids]
        )

    async def highlight(self, win_id: int) -> Highlight | None:
        """A win as a digest quotes it (None once it is deleted)."""
        row = await self._database.fetchone(
            "SELECT w.*, (SELECT COUNT(*) FROM win_cheers c WHERE c.win_id = w.id) AS cheers FROM wins w "
            "WHERE w.id = ? AND w.anonymous = 0",
            (win_id,),
        )
        if row is None:
            return None
        return Highlight(
            win_id=row["id"],
            user_id=row["user_id"],
            category=row["category"],
            text=self._cipher.decrypt(row["text_encrypted"]),
            channel_id=row["channel_id"],
            message_id=row["message_id"],
            cheers=row["cheers"],
        )

    async def forget_guild(self, guild_id: int) -> int:
        """The bot left a server: its wins (and their cheers), digests and pending take-downs go; returns wins."""
        async with self._database.transaction() as tx:
            removed = await tx.execute("DELETE FROM wins WHERE guild_id = ?", (guild_id,))
            await tx.execute("DELETE FROM digest_posts WHERE guild_id = ?", (guild_id,))
            await tx.execute("DELETE FROM pending_takedowns WHERE guild_id = ?", (guild_id,))
        return removed

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
        checked_in = await members_checked_in(self._database, guild_id, start, end)
        rows = await self._database.fetchall(
            "SELECT w.*, (SELECT COUNT(*) FROM win_cheers c WHERE c.win_id = w.id) AS cheers FROM wins w "
            "WHERE w.guild_id = ? AND w.state = 'posted' AND w.anonymous = 0 AND w.posted_at >= ? AND w.posted_at < ? "
            "ORDER BY cheers DESC, w.posted_at, w.id LIMIT ?",
            (*window, highlights),
        )
        picked = [
            Highlight(
                win_id=row["id"],
                user_id=row["user_id"],
                category=row["category"],
                text=self._cipher.decrypt(row["text_encrypted"]),
                channel_id=row["channel_id"],
                message_id=row["message_id"],
                cheers=row["cheers"],
            )
            for row in rows
        ]
        return WeekSummary(
            wins_shared=int(wins_shared or 0), members_checked_in=int(checked_in or 0), highlights=picked
        )

    def _from_row(self, row: Row) -> Win:
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
