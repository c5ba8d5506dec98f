"""The queries behind `/progress`: counts and timelines from every feature's tables that exist.

Other features add their tables in their own migrations; this module looks each one up in
`sqlite_master` first, so `/progress` works on a bare database and grows richer as features land.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.database import Database

log = logging.getLogger(__name__)

UTC_ZONE = ZoneInfo("UTC")
ZONE_COLUMNS = ("timezone", "time_zone", "tz", "zone")
FEEDBACK_ASKED = ("sent", "replied", "no_reply", "ghosted")
FEEDBACK_GHOSTED = ("no_reply", "ghosted")
MOOD_TABLES = ("mood_logs", "mood_log", "moods", "mood_checkins")
MOOD_TIME_COLUMNS = ("created_at", "logged_at", "at")
MOOD_LEVEL_COLUMNS = ("intensity", "level")
PRACTICE_TABLES = ("practice_sessions", "practice_answers", "practice_attempts")


@dataclass(frozen=True)
class MoodPoint:
    """One point on the feelings chart."""

    at: datetime
    feeling: str | None
    intensity: int | None
    source: str  # "rejection", "mood" (a daily check-in) or "filled" (filled in afterwards)


@dataclass(frozen=True)
class LoggedRejection:
    """One `/rejected` check-in as the dashboard needs it."""

    at: datetime
    stage: str | None
    feeling: str | None
    intensity: int | None


@dataclass(frozen=True)
class FeedbackCounts:
    """Feedback requests: asked (sent), replied, and left without an answer."""

    asked: int
    replied: int
    ghosted: int


@dataclass
class ProgressData:
    """Everything `/progress` shows, for one member. None means "that feature isn't installed"."""

    rejections: list[LoggedRejection] = field(default_factory=list)
    moods: list[MoodPoint] = field(default_factory=list)
    reflections: list[datetime] | None = None
    hard_questions: list[str] = field(default_factory=list)
    feedback: FeedbackCounts | None = None
    practice_sessions: int | None = None
    wins: list[datetime] | None = None
    zone: ZoneInfo = UTC_ZONE

    @property
    def shots(self) -> int:
        """Rejections logged: a count of courage."""
        return len(self.rejections)

    @property
    def is_empty(self) -> bool:
        """True for a member with nothing logged anywhere yet."""
        return not (
            self.rejections or self.moods or self.reflections or self.wins or self.practice_sessions
            or (self.feedback and self.feedback.asked)
        )

    @property
    def last_rejection_at(self) -> datetime | None:
        """When the most recent rejection was logged."""
        return max((r.at for r in self.rejections), default=None)

    def checkin_days(self) -> set[date]:
        """Local dates with any check-in (a rejection, a daily mood, or a day filled in afterwards)."""
        days = {r.at.astimezone(self.zone).date() for r in self.rejections}
        days |= {m.at.astimezone(self.zone).date() for m in self.moods if m.source != "filled"}
        days |= {m.at.date() for m in self.moods if m.source == "filled"}
        return days


class ProgressRepository:
    """Reads a member's progress across features, and stores days filled in afterwards."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self._database = database
        self._cipher = cipher

    async def _schema(self) -> dict[str, set[str]]:
        tables = await self._database.table_names()
        schema: dict[str, set[str]] = {}
        for table in tables:
            rows = await self._database.fetchall(f'PRAGMA table_info("{table}")')
            schema[table] = {row["name"] for row in rows}
        return schema

    async def load(self, user_id: int) -> ProgressData:
        """Gather the member's figures and timelines from whichever feature tables exist."""
        schema = await self._schema()
        data = ProgressData(zone=await self.member_zone(user_id, schema))
        rows = await self._database.fetchall(
            "SELECT created_at, stage, feeling, intensity FROM checkins WHERE user_id = ? ORDER BY created_at, id",
            (user_id,),
        )
        data.rejections = [
            LoggedRejection(from_iso(r["created_at"]), r["stage"], r["feeling"], r["intensity"]) for r in rows
        ]
        data.moods = [
            MoodPoint(r.at, r.feeling, r.intensity, "rejection") for r in data.rejections if r.intensity is not None
        ]
        data.moods += await self._mood_logs(user_id, schema)
        data.moods += await self._fillins(user_id, data.zone)
        data.moods.sort(key=lambda point: point.at)
        if "reflections" in schema:
            data.reflections = [
                from_iso(r[0]) for r in await self._database.fetchall(
                    "SELECT created_at FROM reflections WHERE user_id = ? ORDER BY created_at", (user_id,)
                )
            ]
        if {"text_encrypted", "user_id"} <= schema.get("hard_questions", set()):
            for row in await self._database.fetchall(
                "SELECT text_encrypted FROM hard_questions WHERE user_id = ? ORDER BY created_at", (user_id,)
            ):
                try:
                    data.hard_questions.append(self._cipher.decrypt(row[0]))
                except ValueError:
                    log.warning("a hard question could not be decrypted; leaving it out of /progress")
        if "state" in schema.get("feedback_requests", set()):
            data.feedback = await self._feedback(user_id)
        data.practice_sessions = await self._practice(user_id, schema)
        if "posted_at" in schema.get("wins", set()):
            data.wins = [
                from_iso(r[0]) for r in await self._database.fetchall(
                    "SELECT posted_at FROM wins WHERE user_id = ? AND posted_at IS NOT NULL ORDER BY posted_at",
                    (user_id,),
                )
            ]
        return data

    async def _feedback(self, user_id: int) -> FeedbackCounts:
        rows = await self._database.fetchall(
            "SELECT state, COUNT(*) AS n FROM feedback_requests WHERE user_id = ? GROUP BY state", (user_id,)
        )
        by_state = {row["state"]: int(row["n"]) for row in rows}
        return FeedbackCounts(
            asked=sum(by_state.get(state, 0) for state in FEEDBACK_ASKED),
            replied=by_state.get("replied", 0),
            ghosted=sum(by_state.get(state, 0) for state in FEEDBACK_GHOSTED),
        )

    async def _practice(self, user_id: int, schema: dict[str, set[str]]) -> int | None:
        if {"session_id", "id"} <= schema.get("practice_turns", set()) and "turn_id" in schema.get(
            "practice_answers", set()
        ):
            # A session counts once the member answered at least one question in it.
            return int(
                await self._database.fetchval(
                    "SELECT COUNT(DISTINCT t.session_id) FROM practice_answers a "
                    "JOIN practice_turns t ON t.id = a.turn_id WHERE a.user_id = ?",
                    (user_id,),
                ) or 0
            )
        for table in PRACTICE_TABLES:
            if "user_id" in schema.get(table, set()):
                return int(
                    await self._database.fetchval(
                        f'SELECT COUNT(*) FROM "{table}" WHERE user_id = ?', (user_id,)  # noqa: S608
                    ) or 0
                )
        return None

    async def _mood_logs(self, user_id: int, schema: dict[str, set[str]]) -> list[MoodPoint]:
        for table in MOOD_TABLES:
            columns = schema.get(table, set())
            time_column = next((c for c in MOOD_TIME_COLUMNS if c in columns), None)
            level_column = next((c for c in MOOD_LEVEL_COLUMNS if c in columns), None)
            if "user_id" not in columns or level_column is None or time_column is None:
                continue
            feeling = "feeling" if "feeling" in columns else "NULL"
            rows = await self._database.fetchall(
                f'SELECT {time_column} AS at, {feeling} AS feeling, {level_column} AS intensity FROM "{table}" '  # noqa: S608
                f"WHERE user_id = ? ORDER BY {time_column}",
                (user_id,),
            )
            return [MoodPoint(from_iso(r["at"]), r["feeling"], r["intensity"], "mood") for r in rows]
        return []

    async def _fillins(self, user_id: int, zone: ZoneInfo) -> list[MoodPoint]:
        rows = await self._database.fetchall(
            "SELECT day, feeling, intensity FROM mood_fillins WHERE user_id = ? ORDER BY day", (user_id,)
        )
        points = []
        for row in rows:
            day = date.fromisoformat(row["day"])
            # Placed at local noon of the day it describes, so it lands on the right day in any zone.
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
            points.append(MoodPoint(noon, row["feeling"], row["intensity"], "filled"))
        return points

    async def member_zone(self, user_id: int, schema: dict[str, set[str]] | None = None) -> ZoneInfo:
        """The member's IANA time zone if any feature knows it (e.g. their nudge settings), else UTC."""
        schema = schema if schema is not None else await self._schema()
        for table, columns in sorted(schema.items()):
            if "user_id" not in columns:
                continue
            for column in ZONE_COLUMNS:
                if column not in columns:
                    continue
                value = await self._database.fetchval(
                    f'SELECT "{column}" FROM "{table}" WHERE user_id = ? AND "{column}" IS NOT NULL LIMIT 1',  # noqa: S608
                    (user_id,),
                )
                if isinstance(value, str) and value:
                    try:
                        return ZoneInfo(value)
                    except (ZoneInfoNotFoundError, ValueError):
                        log.debug("ignoring unknown time zone %r in %s", value, table)
        return UTC_ZONE

    async def fill_in(
        self, user_id: int, day: date, feeling: str | None, intensity: int | None, now: datetime
    ) -> bool:
        """Store how a missed day felt; False when that day already had a filled-in entry."""
        async with self._database.transaction() as tx:
            await tx.execute(
                "INSERT INTO users (user_id, created_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING",
                (user_id, to_iso(now)),
            )
            existing = await tx.fetchval(
                "SELECT id FROM mood_fillins WHERE user_id = ? AND day = ?", (user_id, day.isoformat())
            )
            if existing is not None:
                return False
            await tx.execute(
                "INSERT INTO mood_fillins (user_id, day, feeling, intensity, created_at) VALUES (?, ?, ?, ?, ?)",
                (user_id, day.isoformat(), feeling, intensity, to_iso(now)),
            )
        return True
