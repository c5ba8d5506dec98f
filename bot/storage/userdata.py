"""A member's data rights, generically: export and delete every row about them, from every table.

The convention (see DESIGN.md and the shared brief): every table holding anything about a member has a
column named exactly `user_id`; child rows without one hang off such a parent with ON DELETE CASCADE.
Tables with no personal data at all are listed in `NON_PERSONAL_TABLES`. Anything else is "uncovered",
which the data-rights tests treat as a failure, so a new table cannot silently escape deletion.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.clock import Clock, from_iso
from bot.crypto import TextCipher
from bot.storage.database import Database, Reference

log = logging.getLogger(__name__)

USER_COLUMN = "user_id"
ENCRYPTED_SUFFIX = "_encrypted"

# Tables that hold nothing about any one member, so they need no `user_id`. Add to this list only after
# checking that the table cannot contain a member's id or words (the tests scan every column for them).
NON_PERSONAL_TABLES: frozenset[str] = frozenset(
    {
        "meta",  # command-sync hashes and other bot-wide settings
        "schema_migrations",  # which migrations ran
        "guild_settings",  # per-server configuration chosen by admins (channels, digest time)
        "support_settings",  # per-server support channel and moderators' role, chosen by admins
        "pending_takedowns",  # channel and message ids of posts still to come down; no member id, no words
        "digest_posts",  # where each weekly digest is and the counts it showed; who it quotes is in digest_quotes
        "cluster_leases",  # which process runs bot-wide jobs (digest, purges) and until when; process names only
        "cluster_heartbeats",  # which process (host, pid) runs which shard and when it last beat
        "sqlite_import",  # PostgreSQL only: how far `bounceback migrate` has copied each table (bot/migrate.py)
    }
)

# JavaScript (and many JSON readers) lose precision past 2**53; Discord ids are bigger, so they become text.
MAX_SAFE_INTEGER = 2**53 - 1
ISO_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
HOOK_TIMEOUT_SECONDS = 60.0


@dataclass
class ErasureOutcome:
    """What an erasure hook did outside the database: things removed by kind, and what is still visible.

    `removed` counts by kind ('posts', 'dms', 'digests'); `still_up` holds a jump link for each message that could
    not be taken down or edited yet (the member is told exactly what, and it is retried).
    """

    removed: dict[str, int] = field(default_factory=dict)
    still_up: list[str] = field(default_factory=list)

    def add(self, kind: str, count: int = 1) -> None:
        """Count `count` more things of a kind removed."""
        self.removed[kind] = self.removed.get(kind, 0) + count


ErasureHook = Callable[[int], Awaitable[ErasureOutcome | None]]
UNDECRYPTABLE = "(stored encrypted, but it could not be decrypted with the current key)"


@dataclass(frozen=True)
class ForeignKey:
    """One foreign key of a table: `columns` of the child point at `parent_columns` of `parent`."""

    parent: str
    columns: tuple[str, ...]
    parent_columns: tuple[str, ...]
    on_delete: str

    @property
    def cascades(self) -> bool:
        """True when deleting the parent row deletes this child row too."""
        return self.on_delete.upper() == "CASCADE"


@dataclass(frozen=True)
class TableInfo:
    """A table's name, columns and foreign keys, read from the database's catalogue."""

    name: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def has_user_id(self) -> bool:
        """True when the table follows the convention directly."""
        return USER_COLUMN in self.columns


@dataclass(frozen=True)
class Coverage:
    """How each table is handled by export and deletion."""

    personal: tuple[str, ...]
    children: tuple[str, ...]
    non_personal: tuple[str, ...]
    uncovered: tuple[str, ...]


@dataclass
class ErasureReport:
    """What a deletion did: rows removed per table, and any erasure hook that failed."""

    deleted: dict[str, int] = field(default_factory=dict)
    failed_hooks: list[str] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)
    still_up: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Rows removed, cascaded child rows included (the same rows `MemberData.counts` counts)."""
        return sum(self.deleted.values())


def classify(tables: list[TableInfo], non_personal: frozenset[str] = NON_PERSONAL_TABLES) -> Coverage:
    """Sort tables into personal (has user_id), cascade children, non-personal and uncovered."""
    by_name = {table.name: table for table in tables}
    personal = {table.name for table in tables if table.has_user_id}
    children: set[str] = set()
    changed = True
    # A child may hang off another child (grandchildren), so repeat until nothing new is found.
    while changed:
        changed = False
        for table in tables:
            if table.name in personal or table.name in children:
                continue
            if any(fk.cascades and (fk.parent in personal or fk.parent in children) for fk in table.foreign_keys):
                children.add(table.name)
                changed = True
    rest = [name for name in by_name if name not in personal and name not in children]
    return Coverage(
        personal=tuple(sorted(personal)),
        children=tuple(sorted(children)),
        non_personal=tuple(sorted(name for name in rest if name in non_personal)),
        uncovered=tuple(sorted(name for name in rest if name not in non_personal)),
    )


def deletion_order(tables: list[TableInfo]) -> list[str]:
    """Tables ordered so that a table referencing another comes before it (children first)."""
    names = {table.name for table in tables}
    references = {table.name: {fk.parent for fk in table.foreign_keys if fk.parent in names} for table in tables}
    ordered: list[str] = []
    visited: set[str] = set()

    def visit(name: str, path: frozenset[str]) -> None:
        if name in visited or name in path:
            return  # a reference cycle: deferred foreign keys settle it at commit
        # Whoever references `name` must be emptied first.
        for other, parents in sorted(references.items()):
            if name in parents and other != name:
                visit(other, path | {name})
        visited.add(name)
        ordered.append(name)

    for table in sorted(names):
        visit(table, frozenset())
    return ordered


def _quote(identifier: str) -> str:
    """Quote an identifier that came from the database's own catalogue (never from a member)."""
    return '"' + identifier.replace('"', '""') + '"'


def owner_condition(table: str, tables: Mapping[str, TableInfo], depth: int = 0) -> str | None:
    """A SQL condition (named parameter `:user_id`) selecting a table's rows about the member, or None."""
    info = tables[table]
    if info.has_user_id:
        return f"{_quote(USER_COLUMN)} = :user_id"
    if depth > 8:
        return None
    parts = []
    for fk in info.foreign_keys:
        if not fk.cascades or fk.parent not in tables:
            continue
        parent_condition = owner_condition(fk.parent, tables, depth + 1)
        if parent_condition is None:
            continue
        parent_columns = fk.parent_columns or tables[fk.parent].primary_key or ("rowid",)
        left = ", ".join(_quote(column) for column in fk.columns)
        right = ", ".join(_quote(column) for column in parent_columns)
        left = f"({left})" if len(fk.columns) > 1 else left
        # Identifiers come from the database's own catalogue; the member id stays a bound parameter.
        parts.append(f"{left} IN (SELECT {right} FROM {_quote(fk.parent)} WHERE {parent_condition})")  # noqa: S608
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def export_value(column: str, value: Any, cipher: TextCipher) -> tuple[str, Any]:
    """Turn one stored value into (readable column name, readable value)."""
    if column.endswith(ENCRYPTED_SUFFIX):
        name = column[: -len(ENCRYPTED_SUFFIX)]
        if value is None:
            return name, None
        try:
            return name, cipher.decrypt(str(value))
        except ValueError:
            return name, UNDECRYPTABLE
    if isinstance(value, bytes):
        return column, {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, bool):
        return column, value
    if isinstance(value, int):
        if column.endswith("_at") and 946_684_800 <= value <= 4_102_444_800:
            # Epoch seconds (2000..2100): show them as a date a person can read.
            return column, datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
        return column, str(value) if abs(value) > MAX_SAFE_INTEGER else value
    if isinstance(value, str):
        if ISO_LIKE.match(value):
            try:
                return column, from_iso(value).isoformat(timespec="seconds").replace("+00:00", "Z")
            except ValueError:
                return column, value
        stripped = value.strip()
        if stripped[:1] in "{[" and stripped:
            try:
                return column, json.loads(stripped)
            except ValueError:
                return column, value
    return column, value


class MemberData:
    """Export and deletion of everything stored about one member, driven by the live schema."""

    def __init__(
        self,
        database: Database,
        cipher: TextCipher,
        clock: Clock,
        non_personal: frozenset[str] = NON_PERSONAL_TABLES,
    ) -> None:
        self._database = database
        self._cipher = cipher
        self._clock = clock
        self._non_personal = non_personal

    async def schema(self) -> list[TableInfo]:
        """Read every application table's columns and foreign keys from the database's catalogue."""
        tables = []
        for name in await self._database.table_names():
            columns = await self._database.columns(name)
            grouped: dict[int, list[Reference]] = {}
            for reference in await self._database.references(name):
                grouped.setdefault(reference.key, []).append(reference)
            foreign = []
            for key in sorted(grouped):
                parts = sorted(grouped[key], key=lambda part: part.position)
                foreign.append(
                    ForeignKey(
                        parent=parts[0].parent,
                        columns=tuple(part.column for part in parts),
                        parent_columns=tuple(part.parent_column for part in parts if part.parent_column is not None),
                        on_delete=parts[0].on_delete or "NO ACTION",
                    )
                )
            primary = tuple(
                column.name for column in sorted(columns, key=lambda c: c.primary_key) if column.primary_key
            )
            tables.append(TableInfo(name, tuple(column.name for column in columns), primary, tuple(foreign)))
        return tables

    async def coverage(self) -> Coverage:
        """Classify the live schema; `uncovered` must be empty."""
        return classify(await self.schema(), self._non_personal)

    async def counts(self, user_id: int) -> dict[str, int]:
        """How many rows each table holds about the member (tables with none are left out)."""
        tables = {table.name: table for table in await self.schema()}
        found: dict[str, int] = {}
        for name in sorted(tables):
            condition = owner_condition(name, tables)
            if condition is None:
                continue
            count = int(
                await self._database.fetchval(
                    f"SELECT COUNT(*) FROM {_quote(name)} WHERE {condition}",  # noqa: S608
                    {"user_id": user_id},
                )
                or 0
            )
            if count:
                found[name] = count
        return found

    async def export(self, user_id: int, descriptions: Mapping[str, str], fallback: str) -> dict[str, Any]:
        """Everything about the member, grouped by table, with a short explanation per section."""
        tables = {table.name: table for table in await self.schema()}
        coverage = classify(list(tables.values()), self._non_personal)
        if coverage.uncovered:
            log.error("tables without data-rights support (not exported): %s", ", ".join(coverage.uncovered))
        sections: dict[str, Any] = {}
        for name in (*coverage.personal, *coverage.children):
            condition = owner_condition(name, tables)
            if condition is None:
                continue
            order = (
                self._database.ROW_ORDER
                if not tables[name].primary_key
                else ", ".join(map(_quote, tables[name].primary_key))
            )
            rows = await self._database.fetchall(
                f"SELECT * FROM {_quote(name)} WHERE {condition} ORDER BY {order}",  # noqa: S608
                {"user_id": user_id},
            )
            if not rows:
                continue
            records = [dict(export_value(key, row[key], self._cipher) for key in row.keys()) for row in rows]  # noqa: SIM118
            sections[name] = {
                "about": descriptions.get(name, fallback.format(table=name)),
                "count": len(records),
                "records": records,
            }
        return {
            "member_id": str(user_id),
            "exported_at": self._clock.now().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "sections": sections,
        }

    async def delete(self, user_id: int) -> dict[str, int]:
        """Delete every row about the member, everywhere, in one transaction; return rows removed per table."""
        schema = await self.schema()
        coverage = classify(schema, self._non_personal)
        if coverage.uncovered:
            log.error("tables without data-rights support (not deleted from): %s", ", ".join(coverage.uncovered))
        personal = set(coverage.personal)
        tables = {table.name: table for table in schema}
        deleted: dict[str, int] = {}
        async with self._database.transaction() as tx:
            # Checked at COMMIT instead of per statement, so the order of deletes can't trip a reference.
            await tx.defer_foreign_keys()
            # Rows that go by cascade are counted first, so "N records deleted" counts what `counts` showed.
            for name in coverage.children:
                condition = owner_condition(name, tables)
                if condition is None:
                    continue
                count = int(
                    await tx.fetchval(
                        f"SELECT COUNT(*) FROM {_quote(name)} WHERE {condition}",  # noqa: S608
                        {"user_id": user_id},
                    )
                    or 0
                )
                if count:
                    deleted[name] = count
            for name in deletion_order(schema):
                if name not in personal:
                    continue  # cascade children go with their parents
                count = await tx.execute(
                    f"DELETE FROM {_quote(name)} WHERE {_quote(USER_COLUMN)} = ?",  # noqa: S608
                    (user_id,),
                )
                if count:
                    deleted[name] = count
        log.info("deleted %d rows about a member across %d tables", sum(deleted.values()), len(deleted))
        await self._database.scrub()
        return deleted


async def erase_member(
    data: MemberData,
    user_id: int,
    hooks: Mapping[str, ErasureHook],
    forget: Callable[[int], None],
) -> ErasureReport:
    """Run the erasure hooks (e.g. take posted wins down), delete every row, then forget cached state."""
    report = ErasureReport()
    # Hooks may remove rows themselves (a digest's quote of the member goes with the edit): count before them,
    # so "N records deleted" counts the same rows /mydata delete said it would.
    before = await data.counts(user_id)
    for name, hook in list(hooks.items()):
        try:
            outcome = await asyncio.wait_for(hook(user_id), HOOK_TIMEOUT_SECONDS)
        except Exception:  # a failing hook must not stop the member's data from being deleted
            log.exception("erasure hook %r failed; continuing with the deletion", name)
            report.failed_hooks.append(name)
            continue
        if outcome is not None:
            for kind, count in outcome.removed.items():
                report.removed[kind] = report.removed.get(kind, 0) + count
            report.still_up.extend(outcome.still_up)
    deleted = await data.delete(user_id)
    report.deleted = {name: max(deleted.get(name, 0), before.get(name, 0)) for name in {*deleted, *before}}
    forget(user_id)
    return report
