"""Every word the code asks data/ for exists: a key path typed in Python that the TOML lacks fails here, not live.

The test reads the source of bot/, cogs/ and sandbox/ and follows the ways words are reached: `load_content("x")`,
a module's `words()` helper (and the same helper imported under another name), and local names bound to either,
e.g. `text = words()["tomorrow"]` then `text["dm_title"]`. Keys written as string constants are checked; a key
chosen at run time (a variable) ends the path there.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from bot.content import load_content

SOURCES = [path for folder in ("bot", "cogs", "sandbox") for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))]
Path_ = tuple[str, ...]  # a data file's name, then its keys


def module_name(path: Path) -> str:
    """bot/care/service.py -> bot.care.service."""
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def constant_keys(node: ast.expr) -> tuple[ast.expr, list[str]]:
    """Peel constant string subscripts off an expression: (the base, the keys in order)."""
    keys: list[str] = []
    while (
        isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)
    ):
        keys.insert(0, node.slice.value)
        node = node.value
    return node, keys


def words_helpers() -> dict[str, Path_]:
    """Each module's `words()` helper: what it returns, as (data file, keys...)."""
    helpers: dict[str, Path_] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name == "words":
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and inner.value is not None:
                        value = inner.value
                        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "dict" and value.args:
                            value = value.args[0]
                        base, keys = constant_keys(value)
                        if isinstance(base, ast.Call) and getattr(base.func, "id", "") == "load_content":
                            argument = base.args[0]
                            assert isinstance(argument, ast.Constant)
                            helpers[module_name(path)] = (str(argument.value), *keys)
    return helpers


def resolve(expr: ast.expr, names: dict[str, Path_], bound: dict[str, Path_]) -> Path_ | None:
    """The (data file, keys...) an expression reads, if it reads words at all."""
    base, keys = constant_keys(expr)
    if isinstance(base, ast.Call) and isinstance(base.func, ast.Name):
        if base.func.id == "load_content" and base.args and isinstance(base.args[0], ast.Constant):
            return (str(base.args[0].value), *keys)
        if base.func.id in names:
            return (*names[base.func.id], *keys)
    if isinstance(base, ast.Name) and base.id in bound and keys:
        return (*bound[base.id], *keys)
    return None


def asked_paths() -> list[tuple[str, int, Path_]]:
    """Every constant key path the code asks for: (file, line, (data file, keys...))."""
    helpers = words_helpers()
    found: list[tuple[str, int, Path_]] = []
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        here = module_name(path)
        names: dict[str, Path_] = {}
        if here in helpers:
            names["words"] = helpers[here]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    target = f"{node.module}.{alias.name}" if alias.name != "words" else node.module
                    if alias.name == "words" and target in helpers:
                        names[alias.asname or "words"] = helpers[target]

        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            bound: dict[str, Path_] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    resolved = resolve(node.value, names, bound) if not isinstance(node.value, ast.Name) else None
                    if resolved is not None:
                        bound[node.targets[0].id] = resolved
            for node in ast.walk(function):
                if isinstance(node, ast.Subscript):
                    resolved = resolve(node, names, bound)
                    if resolved is not None and len(resolved) > 1:
                        found.append((str(path.relative_to(PROJECT_ROOT)), node.lineno, resolved))
    return found


def lookup(data: Any, keys: Path_) -> bool:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def test_the_scan_finds_what_the_code_asks_for() -> None:
    paths = asked_paths()
    files = {asked[0] for _, _, asked in paths}
    # A scan that found nothing would pass vacuously; these are read all over the bot.
    assert {"care", "checkin", "nudges", "wins", "practice", "resources"} <= files
    assert len(paths) > 150


@pytest.mark.parametrize(("where", "line", "asked"), asked_paths(), ids=lambda value: str(value))
def test_every_key_the_code_asks_for_exists(where: str, line: int, asked: Path_) -> None:
    name, *keys = asked
    assert lookup(load_content(name), tuple(keys)), f"{where}:{line} asks data/{name}.toml for {'.'.join(keys)}"
