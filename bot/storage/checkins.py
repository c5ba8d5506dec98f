"""Check-ins: one row per `/rejected`, with the feeling and an optional kept vent (encrypted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.database import Connection, Database, Row, Transaction

STAGES: dict[str, str] = {
    "application": "Application",
    "screen": "Recruiter / phone screen",
    "technical": "Technical interview",
    "onsite": "Onsite / final round",
    "offer": "After an offer stage",
}

GET_ONE = "SELECT * FROM checkins WHERE id = ? AND user_id = ?"


@dataclass(frozen=True)
class Checkin:
    """A stored check-in (vent decrypted when asked for)."""

    id: int
    user_id: int
    guild_id: int | None
    created_at: datetime
    company: str | None
    role: str | None
    stage: str | None
    feeling: str | None
    intensity: int | None
    vent: str | None

    def describe(self) -> str:
        """A short human label, e.g. 'Acme — Engineer (Onsite / final round)'."""
        head = " — ".join(part for part in (self.company, self.role) if part) or "A rejection"
        stage = STAGES.get(self.stage or "")
        return f"{head} ({stage})" if stage else head


# The one upsert of a member's `users` row; every table about a member refers to it.
ENSURE_USER = "INSERT INTO users (user_id, created_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING"


async def ensure_user(tx: Transaction, user_id: int, now: datetime) -> None:
    """Create the member's users row if it is not there yet."""
    await tx.execute(ENSURE_USER, (user_id, to_iso(now)))


def ensure_user_in(connection: Connection, user_id: int, now: datetime) -> None:
    """`ensure_user`, in a unit of work already on the database thread (see `Database.run`)."""
    connection.execute(ENSURE_USER, (user_id, to_iso(now)))


class CheckinRepository:
    """Reads and writes check-ins."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self._database = database
        self._cipher = cipher

    async def create(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        now: datetime,
        company: str | None,
        role: str | None,
        stage: str | None,
    ) -> int:
        """Store a new check-in and return its id."""
        # One unit on the database thread: /rejected waits for this id before its first answer.
        return await self._database.run(
            lambda connection: self.create_in(
                connection,
                user_id=user_id,
                guild_id=guild_id,
                now=now,
                company=company,
                role=role,
                stage=stage,
            )
        )

    def create_in(
        self,
        connection: Connection,
        *,
        user_id: int,
        guild_id: int | None,
        now: datetime,
        company: str | None,
        role: str | None,
        stage: str | None,
    ) -> int:
        """`create`, in a unit of work already on the database thread (see `Database.run`)."""
        ensure_user_in(connection, user_id, now)
        cursor = connection.execute(
            "INSERT INTO checkins (user_id, guild_id, created_at, company_encrypted, role_encrypted, stage) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                user_id,
                guild_id,
                to_iso(now),
                self._cipher.encrypt_optional(company),
                self._cipher.encrypt_optional(role),
                stage,
            ),
        )
        return int(cursor.lastrowid or 0)

    async def set_feeling(self, checkin_id: int, user_id: int, feeling: str, intensity: int | None) -> bool:
        """Record how the member feels; False if the check-in is not theirs or is gone."""
        return await self._database.run(
            lambda connection: self.set_feeling_in(connection, checkin_id, user_id, feeling, intensity)
        )

    def set_feeling_in(
        self, connection: Connection, checkin_id: int, user_id: int, feeling: str, intensity: int | None
    ) -> bool:
        """`set_feeling`, in a unit of work already on the database thread (see `Database.run`)."""
        cursor = connection.execute(
            "UPDATE checkins SET feeling = ?, intensity = ? WHERE id = ? AND user_id = ?",
            (feeling, intensity, checkin_id, user_id),
        )
        return cursor.rowcount > 0

    async def keep_vent(self, checkin_id: int, user_id: int, text: str, now: datetime) -> bool:
        """Keep a vent, encrypted, in the member's journal."""
        changed = await self._database.execute(
            "UPDATE checkins SET vent_encrypted = ?, vent_kept_at = ? WHERE id = ? AND user_id = ?",
            (self._cipher.encrypt(text), to_iso(now), checkin_id, user_id),
        )
        return changed > 0

    async def delete_vent(self, checkin_id: int, user_id: int) -> bool:
        """Forget a kept vent (the check-in stays); False if there was none."""
        changed = await self._database.execute(
            "UPDATE checkins SET vent_encrypted = NULL, vent_kept_at = NULL, vent_expires_at = NULL "
            "WHERE id = ? AND user_id = ? AND vent_encrypted IS NOT NULL",
            (checkin_id, user_id),
        )
        return changed > 0

    async def get(self, checkin_id: int, user_id: int) -> Checkin | None:
        """One of the member's check-ins, or None."""
        row = await self._database.fetchone(GET_ONE, (checkin_id, user_id))
        return None if row is None else self._from_row(row)

    def get_in(self, connection: Connection, checkin_id: int, user_id: int) -> Checkin | None:
        """`get`, in a unit of work already on the database thread (see `Database.run`)."""
        row = connection.execute(GET_ONE, (checkin_id, user_id)).fetchone()
        return None if row is None else self._from_row(row)

    async def recent(self, user_id: int, limit: int = 25) -> list[Checkin]:
        """The member's check-ins, newest first."""
        rows = await self._database.fetchall(
            "SELECT * FROM checkins WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", (user_id, limit)
        )
        return [self._from_row(row) for row in rows]

    async def count(self, user_id: int) -> int:
        """How many rejections the member has logged ("shots taken")."""
        return int(await self._database.fetchval("SELECT COUNT(*) FROM checkins WHERE user_id = ?", (user_id,)) or 0)

    def _from_row(self, row: Row) -> Checkin:
        get = row.__getitem__
        return Checkin(
            id=get("id"),
            user_id=get("user_id"),
            guild_id=get("guild_id"),
            created_at=from_iso(get("created_at")),
            company=self._cipher.decrypt_optional(get("company_encrypted")),
            role=self._cipher.decrypt_optional(get("role_encrypted")),
            stage=get("stage"),
            feeling=get("feeling"),
            intensity=get("intensity"),
            vent=self._cipher.decrypt_optional(get("vent_encrypted")),
        )
