"""The load benchmarks still run: tiny burst, soak and cluster runs end to end (real bot processes, the emulator).

Counts and shapes only, never timings: the machine is shared and the figures are for the README, not for CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from tests.pg import server_url

BURST_FIGURES = {"p50_ms", "p99_ms", "max_ms", "over_3s", "late", "unanswered", "failed", "bot_cpu_s", "rounds"}
SOAK_SAMPLE = {
    "t_s",
    "phase",
    "rss_mib",
    "tasks",
    "task_kinds",
    "threads",
    "views",
    "message_views",
    "modals",
    "timed_views",
    "flows",
    "errors",
}


def run_benchmark(script: str, *args: str, out: Path, timeout: float) -> tuple[str, dict[str, Any]]:
    """Run a benchmark script as a user would; return its stdout and the JSON it wrote."""
    completed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / script), *args, "--out", str(out)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    [path] = list(out.glob("*.json"))
    return completed.stdout, json.loads(path.read_text(encoding="utf-8"))


def test_burst_smoke_run_answers_every_member_and_reports_both_bots(tmp_path: Path) -> None:
    stdout, results = run_benchmark("bench_burst.py", "--members", "20", "--rounds", "1", out=tmp_path, timeout=100)
    assert "p99 (ms)" in stdout and "targets:" in stdout
    assert results["config"]["members"] == 20
    for side in ("bounceback", "bare"):
        figures = results[side]
        assert set(figures) >= BURST_FIGURES, side
        assert (figures["late"], figures["unanswered"], figures["failed"]) == (0, 0, 0), side
        [single] = results["rounds"][side]
        assert single["answered"] == single["ephemeral"] == 20, side  # every member got a private answer
    assert {"p99_ratio", "p50_ratio", "p99_ratio_paired_median"} <= set(results)
    assert set(results["meets_targets"]) == {"p99_ratio", "over_3s"}


def test_soak_smoke_run_samples_the_bot_and_finds_no_errors(tmp_path: Path) -> None:
    stdout, results = run_benchmark(
        "bench_soak.py",
        "--minutes",
        "0.1",
        "--warmup",
        "3",
        "--members",
        "8",
        "--workers",
        "3",
        "--sample-every",
        "3",
        "--hour-every",
        "1",
        "--restart-every",
        "2",
        out=tmp_path,
        timeout=110,
    )
    assert "RSS" in stdout and "targets:" in stdout
    phases = [sample["phase"] for sample in results["samples"]]
    assert phases[:2] == ["start", "warm"] and phases[-1] == "end" and "soak" in phases
    for sample in results["samples"]:
        assert set(sample) >= SOAK_SAMPLE
    traffic = results["traffic"]
    assert traffic["errors"] == {}, traffic["error_samples"]
    assert traffic["flows_total"] > 0 and traffic["clock_hours"] >= 1
    assert traffic["gateway_reconnects"] + traffic["gateway_drops"] >= 1
    assert {"rss_warm_mib", "rss_end_mib", "rss_growth", "tasks_warm", "tasks_end", "task_growth"} <= set(results)
    assert set(results["meets_targets"]) == {"rss_growth", "task_growth"}
    # Views answered only by DynamicItems are sent untracked, so none is kept or timed after the traffic.
    end = results["samples"][-1]
    assert end["timed_views"] == {} and end["message_views"] == 0


CLUSTER_FIGURES = {
    "delivered",
    "lost",
    "duplicates",
    "delivered_per_s",
    "share_of_limit",
    "max_in_any_second",
    "http_429",
    "longest_stall_ms",
    "rss_peak_mib",
    "bots_cpu_s_per_1000",
}
CLUSTER_SMOKE = ("--subscribers", "3000", "--due", "300", "--tick", "1", "--lead", "2", "--settle", "1")


def check_cluster_run(run: dict[str, Any], processes: int) -> None:
    """Every due member got one nudge, and each process was watched (counts, never timings)."""
    assert set(run) >= CLUSTER_FIGURES
    assert (run["delivered"], run["members_reached"], run["lost"], run["duplicates"]) == (300, 300, 0, 0)
    assert run["owed_when_stopped"] == run["unclaimed_at_end"] == 0
    assert run["ledger_states"] == {"sent": 300}
    assert len(run["processes"]) == processes and run["exit_codes"] == [0] * processes
    assert all(bot["longest_stall_ms"] is not None and bot["rss_peak_mib"] > 0 for bot in run["processes"])
    assert run["tracebacks"] == 0


def test_cluster_smoke_run_on_sqlite_delivers_every_due_nudge_once(tmp_path: Path) -> None:
    stdout, results = run_benchmark("bench_cluster.py", *CLUSTER_SMOKE, "--runs", "sqlite:1", out=tmp_path, timeout=110)
    assert "Delivered per second" in stdout and "sqlite x1" in stdout
    [run] = results["runs"]
    check_cluster_run(run, 1)


@pytest.mark.postgresql
def test_cluster_smoke_run_on_postgresql_delivers_every_due_nudge_once(tmp_path: Path) -> None:
    stdout, results = run_benchmark(
        "bench_cluster.py", *CLUSTER_SMOKE, "--runs", "pg:1", "--url", server_url(), out=tmp_path, timeout=110
    )
    assert "postgresql x1" in stdout
    [run] = results["runs"]
    check_cluster_run(run, 1)
    assert run["db_server_cpu_s_per_1000"] is None  # a server it did not start is not measured
