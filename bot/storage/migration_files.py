"""The numbered migration files: `NNNN_name.sql`, and a `NNNN_name.postgresql.sql` twin where the dialects differ."""

from __future__ import annotations

import re
from pathlib import Path

from bot.storage.errors import StorageError

MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
TWIN_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.postgresql\.sql$")


def load_migrations(migrations_dir: Path, dialect: str = "sqlite") -> list[tuple[int, str, str]]:
    """Read `NNNN_name.sql` files in order; numbers must be unique.

    For `dialect="postgresql"`, a twin `NNNN_name.postgresql.sql` replaces its migration (where the dialects
    differ: 64-bit ids, identity columns); every twin must have its SQLite migration, so both stay one list.
    """
    found: dict[int, tuple[int, str, str]] = {}
    twins: dict[int, tuple[str, str]] = {}
    for file in sorted(migrations_dir.glob("*.sql")):
        twin = TWIN_NAME.match(file.name)
        if twin:
            twins[int(twin.group(1))] = (twin.group(2), file.read_text(encoding="utf-8"))
            continue
        match = MIGRATION_NAME.match(file.name)
        if not match:
            raise StorageError(f"migration file name {file.name!r} is not NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise StorageError(f"two migrations share number {version:04d}")
        found[version] = (version, match.group(2), file.read_text(encoding="utf-8"))
    for version, (name, script) in twins.items():
        if version not in found or found[version][1] != name:
            raise StorageError(f"{version:04d}_{name}.postgresql.sql has no {version:04d}_{name}.sql beside it")
        if dialect == "postgresql":
            found[version] = (version, name, script)
    return [found[key] for key in sorted(found)]
