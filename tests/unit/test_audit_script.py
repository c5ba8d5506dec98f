"""scripts/audit.py: fails only for a known vulnerability, and says plainly when no audit could be done."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from types import ModuleType
from typing import Any

import pytest

from bot.config import PROJECT_ROOT


def load_audit() -> ModuleType:
    """Import scripts/audit.py (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("audit_script", PROJECT_ROOT / "scripts" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer(monkeypatch: pytest.MonkeyPatch, stdout: str, stderr: str = "", code: int = 0) -> ModuleType:
    """Have pip-audit answer with this output."""
    audit = load_audit()

    def fake_run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        assert "--disable-pip" in command and "requirements-test.lock" in command
        return subprocess.CompletedProcess(command, code, stdout, stderr)

    monkeypatch.setattr(audit.subprocess, "run", fake_run)
    return audit


def report(*dependencies: dict[str, Any]) -> str:
    """pip-audit's JSON report."""
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_a_known_vulnerability_fails_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vuln = {"id": "GHSA-xxxx", "fix_versions": ["3.13.3"], "aliases": [], "description": ""}
    audit = answer(monkeypatch, report({"name": "aiohttp", "version": "3.9.0", "vulns": [vuln]}), code=1)
    assert audit.main("requirements-test.lock") == 1
    assert "aiohttp 3.9.0 has GHSA-xxxx (fixed in: 3.13.3)" in capsys.readouterr().out


def test_no_vulnerabilities_passes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    audit = answer(monkeypatch, report({"name": "orjson", "version": "3.10.0", "vulns": []}))
    assert audit.main("requirements-test.lock") == 0
    assert "1 locked packages checked, no known vulnerabilities" in capsys.readouterr().out


def test_a_service_without_data_is_reported_as_not_done(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    skipped = {"name": "orjson", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    audit = answer(monkeypatch, report(skipped))
    assert audit.main("requirements-test.lock") == 0
    assert capsys.readouterr().out.startswith("audit: NOT DONE")


def test_an_unreachable_service_is_reported_as_not_done(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = answer(monkeypatch, "", "Traceback ...\nrequests.exceptions.ConnectionError: no route", code=1)
    assert audit.main("requirements-test.lock") == 0
    out = capsys.readouterr().out
    assert out.startswith("audit: NOT DONE") and "ConnectionError: no route" in out and out.count("\n") == 1
