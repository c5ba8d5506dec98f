"""The nudge benchmark still runs: a small smoke run end to end (real bot processes, the emulator)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT

FIGURES = (
    "extra_rss_mib",
    "max_loop_stall_ms",
    "p99_loop_lag_ms",
    "budget_share",
    "rate_per_s",
    "http_429",
    "rest_per_nudge",
    "cold_start_s",
    "setup_hook_s",
    "sent",
    "round_s",
)


def test_benchmark_smoke_run_produces_every_figure(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "bench_nudges.py"),
            "--subscribers",
            "200",
            "--due",
            "40",
            "--repeat",
            "1",
            "--settle",
            "0",
            "--out",
            str(tmp_path),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "REST requests per nudge" in completed.stdout
    [path] = list(tmp_path.glob("nudges-*.json"))
    results = json.loads(path.read_text(encoding="utf-8"))
    assert results["config"]["subscribers"] == 200 and results["config"]["due"] == 40
    for design in ("db", "naive"):
        figures = results[design]
        assert set(FIGURES) <= set(figures), design
        assert figures["sent"] == 40, design
        # Counts, not timings: every nudge costs one request (DM channels are known) and nothing hits a 429.
        assert figures["rest_per_nudge"] == 1.0, design
        assert figures["http_429"] == 0, design
        assert figures["dm_channel_opens"] == 0, design
    assert set(results["ratios"]) >= set(FIGURES)
    assert set(results["meets_targets"]) == {
        "extra_rss_mib",
        "max_loop_stall_ms",
        "budget_share",
        "http_429",
        "rest_per_nudge",
        "cold_start_s",
    }
