"""Progress's own table (days filled in afterwards, `mood_fillins`) and the member's figures for `/progress`.

Everything else `/progress` shows belongs to other capabilities and is read through `bot.readmodel`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import readmodel
from bot.clock import to_iso
from bot.crypto import TextCipher
from bot.readmodel import FeedbackCounts, JourneyStep, LoggedRejection
from bot.storage.checkins import ensure_user
from bot.storage.database import Database, Transaction

log = logging.getLogger(__name__)

UTC_ZONE = ZoneInfo("UTC")

__all__ = ["FeedbackCounts", "LoggedRejection", "MoodPoint", "ProgressData", "ProgressRepository"]


@dataclass(frozen=True)
class MoodPoint:
    """One point on the feelings chart."""

    at: datetime
    feeling: str | None
    intensity: int | None
    source: str  # "rejection", "mood" (a daily check-in) or "filled" (filled in afterwards)


@dataclass
class ProgressData:
    """Everything `/progress` shows, for one member. None means "that capability isn't there"."""

    rejections: list[LoggedRejection] = field(default_factory=list)
    moods: list[MoodPoint] = field(default_factory=list)
    reflections: list[datetime] | None = None
    hard_questions: list[str] = field(default_factory=list)
    feedback: FeedbackCounts | None = None
    practice_sessions: int | None = None
    wins: list[datetime] | None = None
    zone: ZoneInfo = UTC_ZONE
    steps: list[JourneyStep] = field(default_factory=list)  # applications, interviews, offers and rejections

    @property
    def shots(self) -> int:
        """Rejections logged: a count of courage."""
        return len(self.rejections)

    @property
    def is_empty(self) -> bool:
        """True for a member with nothing logged anywhere yet."""
        return not (
            self.rejections
            or self.steps
            or self.moods
            or self.reflections
            or self.wins
            or self.practice_sessions
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


def member_zone(name: str | None) -> ZoneInfo:
    """The member's IANA zone (from their nudge settings), else UTC."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.debug("ignoring unknown time zone %r", name)
    return UTC_ZONE


class ProgressRepository:
    """Reads a member's progress across capabilities, and stores days filled in afterwards."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self._database = database
        self._cipher = cipher

    async def load(self, user_id: int) -> ProgressData:
        """Gather the member's figures and timelines."""
        facts = await readmodel.progress_facts(self._database, self._cipher, user_id)
        zone = member_zone(facts.timezone)
        moods = [
            MoodPoint(r.at, r.feeling, r.intensity, "rejection") for r in facts.rejections if r.intensity is not None
        ]
        moods += [MoodPoint(at, None, level, "mood") for at, level in facts.moods]
        moods += await self._fillins(user_id, zone)
        moods.sort(key=lambda point: point.at)
        return ProgressData(
            rejections=facts.rejections,
            moods=moods,
            reflections=facts.reflections,
            hard_questions=facts.hard_questions,
            feedback=facts.feedback,
            practice_sessions=facts.practice_sessions,
            wins=facts.wins,
            zone=zone,
            steps=await readmodel.journey_steps(self._database, self._cipher, user_id),
        )

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

    async def fill_in(
        self,
        user_id: int,
        day: date,
        feeling: str | None,
        intensity: int | None,
        now: datetime,
        tx: Transaction | None = None,
    ) -> bool:
        """Store how a missed day felt; False when that day already had a filled-in entry."""
        if tx is None:
            async with self._database.transaction() as own:
                return await self.fill_in(user_id, day, feeling, intensity, now, own)
        await ensure_user(tx, user_id, now)
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
