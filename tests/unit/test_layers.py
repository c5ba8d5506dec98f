"""The arrows of docs/ARCHITECTURE.md, checked: cogs -> bot, never bot -> cogs, and no cog imports another."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports (absolute names), including imports inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_the_core_knows_no_capability() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in imported_modules(path) if name.split(".")[0] == "cogs")
        for path in (ROOT / "bot").rglob("*.py")
    }
    assert not {path: names for path, names in offenders.items() if names}


def test_no_capability_imports_another() -> None:
    offenders: dict[str, list[str]] = {}
    for package in sorted(path for path in (ROOT / "cogs").iterdir() if (path / "__init__.py").exists()):
        for path in package.rglob("*.py"):
            others = sorted(
                name
                for name in imported_modules(path)
                if name.startswith("cogs.") and name.split(".")[1] != package.name
            )
            if others:
                offenders[str(path.relative_to(ROOT))] = others
    assert not offenders


def test_the_check_sees_imports() -> None:
    assert {"bot.client", "cogs.journal.views"} <= imported_modules(ROOT / "cogs" / "journal" / "cog.py")
