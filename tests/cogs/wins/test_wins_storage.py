"""Wins storage: drafts, posting, one cheer per member, milestones once, the week's counts and their edges."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.clock import to_iso
from bot.crypto import TextCipher
from bot.storage import Database
from bot.storage.guild_settings import GuildSettingsRepository, SettingsError
from cogs.wins.store import MAX_DRAFTS, Win, WinRepository

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
GUILD, OTHER_GUILD = 100, 200
ALEX, BOB, CARA = 1, 2, 3


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database in a temporary folder."""
    db = await Database.open(tmp_path / "wins.sqlite3")
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def repo(database: Database) -> WinRepository:
    """The wins repository with a fresh key."""
    return WinRepository(database, TextCipher(Fernet.generate_key()))


async def posted(
    repo: WinRepository,
    user_id: int,
    text: str,
    at: datetime,
    *,
    guild_id: int = GUILD,
    anonymous: bool = False,
    message_id: int = 0,
) -> Win:
    """A win drafted and posted at a moment."""
    win = await repo.create_draft(
        user_id=user_id, guild_id=guild_id, category="other", text=text, anonymous=anonymous, source="command", now=at
    )
    assert await repo.mark_posted(
        win.id, user_id, guild_id=guild_id, channel_id=50, message_id=message_id or 1000 + win.id, now=at
    )
    stored = await repo.get(win.id)
    assert stored is not None
    return stored


async def test_text_is_encrypted_at_rest_and_read_back(repo: WinRepository, database: Database) -> None:
    win = await repo.create_draft(
        user_id=ALEX,
        guild_id=GUILD,
        category="offer",
        text="I got the offer!",
        anonymous=True,
        source="nudge",
        now=NOW,
    )
    raw = await database.fetchval("SELECT text_encrypted FROM wins WHERE id = ?", (win.id,))
    assert "offer" not in raw
    assert (win.text, win.category, win.anonymous, win.state, win.source) == (
        "I got the offer!",
        "offer",
        True,
        "draft",
        "nudge",
    )
    assert await database.fetchval("SELECT COUNT(*) FROM users WHERE user_id = ?", (ALEX,)) == 1


async def test_unknown_source_is_a_programming_error(repo: WinRepository) -> None:
    with pytest.raises(ValueError, match="source"):
        await repo.create_draft(
            user_id=ALEX, guild_id=GUILD, category="other", text="x", anonymous=False, source="spam", now=NOW
        )


async def test_only_the_newest_drafts_are_kept(repo: WinRepository) -> None:
    drafts = [
        await repo.create_draft(
            user_id=ALEX,
            guild_id=GUILD,
            category="other",
            text=f"draft {n}",
            anonymous=False,
            source="command",
            now=NOW + timedelta(minutes=n),
        )
        for n in range(MAX_DRAFTS + 2)
    ]
    assert await repo.get(drafts[0].id) is None and await repo.get(drafts[1].id) is None
    assert [await repo.get(d.id) is not None for d in drafts[2:]] == [True] * MAX_DRAFTS
    latest = await repo.latest_draft(ALEX, GUILD)
    assert latest is not None and latest.id == drafts[-1].id
    # Coming back to an older draft makes it the one /win offers.
    await repo.touch(drafts[3].id, ALEX, NOW + timedelta(hours=1))
    latest = await repo.latest_draft(ALEX, GUILD)
    assert latest is not None and latest.id == drafts[3].id
    other = await repo.latest_draft(ALEX, GUILD, exclude=drafts[3].id)
    assert other is not None and other.id == drafts[-1].id


async def test_drafts_from_a_dm_are_offered_in_any_server_until_tied_to_one(repo: WinRepository) -> None:
    win = await repo.create_draft(
        user_id=ALEX, guild_id=None, category="other", text="from a DM", anonymous=False, source="nudge", now=NOW
    )
    offered = await repo.latest_draft(ALEX, OTHER_GUILD)
    assert offered is not None and offered.id == win.id
    await repo.set_guild(win.id, ALEX, GUILD, NOW)
    assert await repo.latest_draft(ALEX, OTHER_GUILD) is None
    assert await repo.latest_draft(BOB, GUILD) is None


async def test_edits_and_cancels_only_touch_the_owners_drafts(repo: WinRepository) -> None:
    win = await repo.create_draft(
        user_id=ALEX, guild_id=GUILD, category="other", text="typo", anonymous=False, source="command", now=NOW
    )
    assert not await repo.update_draft(win.id, BOB, text="hijack", category="offer", anonymous=True, now=NOW)
    assert await repo.update_draft(win.id, ALEX, text="fixed", category="learned", anonymous=True, now=NOW)
    edited = await repo.get(win.id)
    assert edited is not None and (edited.text, edited.category, edited.anonymous) == ("fixed", "learned", True)
    assert not await repo.delete_draft(win.id, BOB)
    assert await repo.delete_draft(win.id, ALEX)
    assert await repo.get(win.id) is None


async def test_a_win_is_posted_once(repo: WinRepository) -> None:
    win = await posted(repo, ALEX, "up", NOW)
    assert win.state == "posted" and win.posted_at == NOW
    assert not await repo.mark_posted(win.id, ALEX, guild_id=GUILD, channel_id=1, message_id=2, now=NOW)
    assert not await repo.update_draft(win.id, ALEX, text="changed", category="other", anonymous=False, now=NOW)
    assert not await repo.delete_draft(win.id, ALEX)
    assert await repo.last_posted_at(ALEX) == NOW
    assert await repo.last_posted_at(BOB) is None


async def test_one_cheer_per_member_and_only_on_posted_wins(repo: WinRepository) -> None:
    draft = await repo.create_draft(
        user_id=ALEX, guild_id=GUILD, category="other", text="d", anonymous=False, source="command", now=NOW
    )
    assert not await repo.add_cheer(draft.id, BOB, NOW)
    win = await posted(repo, ALEX, "up", NOW)
    assert await repo.add_cheer(win.id, BOB, NOW)
    assert not await repo.add_cheer(win.id, BOB, NOW)
    assert await repo.add_cheer(win.id, CARA, NOW)
    assert await repo.cheer_count(win.id) == 2
    assert await repo.mark_removed(win.id, NOW)
    assert not await repo.mark_removed(win.id, NOW)
    assert not await repo.add_cheer(win.id, ALEX, NOW)


async def test_cheers_go_with_their_win(repo: WinRepository, database: Database) -> None:
    win = await posted(repo, ALEX, "up", NOW)
    await repo.add_cheer(win.id, BOB, NOW)
    await database.execute("DELETE FROM wins WHERE user_id = ?", (ALEX,))
    assert await database.fetchval("SELECT COUNT(*) FROM win_cheers") == 0


async def test_withdrawing_a_members_cheers_names_the_posts_to_refresh(repo: WinRepository) -> None:
    alex_win = await posted(repo, ALEX, "alex", NOW)
    bob_win = await posted(repo, BOB, "bob", NOW)
    removed = await posted(repo, CARA, "cara", NOW)
    for win in (alex_win, bob_win, removed):
        await repo.add_cheer(win.id, ALEX, NOW)
    await repo.mark_removed(removed.id, NOW)
    changed = await repo.withdraw_cheers(ALEX)
    assert [w.id for w in changed] == [bob_win.id]  # own win is being taken down anyway; removed is gone
    assert [await repo.cheer_count(w.id) for w in (alex_win, bob_win, removed)] == [0, 0, 0]


async def test_milestones_are_reached_once_and_remembered_until_told(repo: WinRepository) -> None:
    assert await repo.reach_milestone(ALEX, "shots", 5, NOW)
    assert not await repo.reach_milestone(ALEX, "shots", 5, NOW)
    assert await repo.reach_milestone(ALEX, "shots", 10, NOW)
    assert await repo.reach_milestone(ALEX, "wins", 5, NOW)
    assert await repo.undelivered_milestones(ALEX, "shots") == [5, 10]
    await repo.mark_milestone_delivered(ALEX, "shots", 5, NOW)
    assert await repo.undelivered_milestones(ALEX, "shots") == [10]
    assert await repo.undelivered_milestones(BOB, "shots") == []


async def test_shared_count_includes_wins_taken_down_later(repo: WinRepository) -> None:
    first = await posted(repo, ALEX, "one", NOW)
    await posted(repo, ALEX, "two", NOW)
    await repo.mark_removed(first.id, NOW)
    await repo.create_draft(
        user_id=ALEX, guild_id=GUILD, category="other", text="draft", anonymous=False, source="command", now=NOW
    )
    assert await repo.shared_count(ALEX) == 2
    assert [w.text for w in await repo.posted_by(ALEX)] == ["two"]


async def test_week_summary_counts_only_this_servers_posted_wins_inside_the_window(
    repo: WinRepository, database: Database
) -> None:
    start, end = NOW, NOW + timedelta(days=7)
    await posted(repo, ALEX, "exactly at the start", start)
    await posted(repo, ALEX, "just before the start", start - timedelta(microseconds=1))
    await posted(repo, ALEX, "exactly at the end", end)
    anonymous = await posted(repo, BOB, "anonymous", start + timedelta(days=1), anonymous=True)
    cheered = await posted(repo, CARA, "most cheered", start + timedelta(days=2))
    removed = await posted(repo, CARA, "taken down", start + timedelta(days=3))
    await repo.mark_removed(removed.id, end)
    await posted(repo, ALEX, "other server", start + timedelta(days=1), guild_id=OTHER_GUILD)
    await repo.add_cheer(cheered.id, ALEX, end)
    await repo.add_cheer(anonymous.id, ALEX, end)

    checkins = [
        (ALEX, GUILD, start + timedelta(hours=1)),
        (ALEX, GUILD, start + timedelta(hours=2)),
        (BOB, GUILD, end - timedelta(microseconds=1)),
        (CARA, GUILD, end),
        (CARA, OTHER_GUILD, start + timedelta(hours=3)),
        (CARA, None, start + timedelta(hours=3)),
    ]
    await database.executemany(
        "INSERT INTO checkins (user_id, guild_id, created_at) VALUES (?, ?, ?)",
        [(user, guild, to_iso(at)) for user, guild, at in checkins],
    )

    summary = await repo.week_summary(GUILD, start, end, highlights=2)
    assert summary.wins_shared == 3  # start, anonymous, most cheered
    assert summary.members_checked_in == 2  # alex (twice) and bob
    assert [h.text for h in summary.highlights] == ["most cheered", "exactly at the start"]
    assert summary.highlights[0].cheers == 1 and summary.highlights[0].user_id == CARA


async def test_guild_settings_default_then_saved(database: Database) -> None:
    settings = GuildSettingsRepository(database)
    default = await settings.get(GUILD)
    assert (default.wins_channel_id, default.digest_enabled, default.weekday_name, default.digest_time) == (
        None,
        False,
        "Friday",
        "17:00",
    )
    await settings.set_wins_channel(GUILD, 42, NOW)
    saved = await settings.set_digest(GUILD, enabled=True, weekday=6, at="8:15", timezone="asia/tokyo", now=NOW)
    assert (
        saved.wins_channel_id,
        saved.digest_enabled,
        saved.weekday_name,
        saved.digest_time,
        saved.digest_timezone,
    ) == (42, True, "Sunday", "08:15", "Asia/Tokyo")
    assert [s.guild_id for s in await settings.with_digest_enabled()] == [GUILD]
    assert [s.guild_id for s in await settings.with_wins_channel()] == [GUILD]
    with pytest.raises(SettingsError):
        await settings.set_digest(GUILD, enabled=True, weekday=7, at="8:15", timezone="UTC", now=NOW)
    await settings.mark_digest_posted(GUILD, NOW)
    assert (await settings.get(GUILD)).digest_last_posted_at == NOW


async def test_guild_settings_hold_nothing_personal(database: Database) -> None:
    assert "user_id" not in await database.column_names("guild_settings")
    for table in ("wins", "win_cheers", "win_milestones"):
        assert "user_id" in await database.column_names(table)
