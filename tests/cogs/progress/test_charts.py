"""The /progress chart: a real PNG of sensible size, drawn in a worker thread so the loop keeps running."""

from __future__ import annotations

import asyncio
import struct
import threading
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cogs.progress import charts
from cogs.progress.charts import (
    ChartInput,
    ChartPoint,
    heaviness,
    mood_group,
    mood_heaviness,
    render_progress_chart,
    render_progress_chart_async,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
WORDS = tomllib.loads(Path("data/progress.toml").read_text(encoding="utf-8"))["chart"]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def seasoned(days: int = 60) -> ChartInput:
    """Two months of check-ins, reflections and wins, in a zone with a DST change inside the range."""
    groups = ("heavy", "stirred", "lighter")
    points = [
        ChartPoint(
            NOW - timedelta(days=day, hours=day % 7),
            1 + (day * 7) % 5,
            groups[day % 3],
            ("rejection", "mood", "filled")[day % 3],
        )
        for day in range(days, 0, -1)
    ]
    return ChartInput(
        points=points,
        now=NOW,
        zone=ZoneInfo("Europe/London"),
        words=WORDS,
        reflections=[NOW - timedelta(days=d) for d in (40, 20, 3)],
        wins=[NOW - timedelta(days=d) for d in (30, 2)],
        unrated_rejections=[NOW - timedelta(days=1)],
    )


@pytest.mark.parametrize(
    "data",
    [
        seasoned(),
        seasoned(400),  # more than the 90 days shown
        ChartInput(
            points=[ChartPoint(NOW - timedelta(hours=1), 4, "heavy")], now=NOW, zone=ZoneInfo("UTC"), words=WORDS
        ),
        ChartInput(points=[], now=NOW, zone=ZoneInfo("Asia/Kolkata"), words=WORDS, wins=[NOW]),
        ChartInput(points=[], now=NOW, zone=ZoneInfo("UTC"), words=WORDS),
    ],
    ids=["seasoned", "long-history", "one-point", "only-a-win", "nothing"],
)
def test_chart_is_a_png_of_sensible_size(data: ChartInput) -> None:
    png = render_progress_chart(data)
    width, height = png_size(png)
    assert 800 <= width <= 1600
    assert 0.4 <= height / width <= 0.75  # wide enough to read as a thumbnail in a Discord embed
    assert len(png) < 300_000


async def test_rendering_runs_in_a_worker_thread_and_the_loop_keeps_ticking(monkeypatch: pytest.MonkeyPatch) -> None:
    loop_thread = threading.get_ident()
    render_threads: list[int] = []
    original = charts.render_progress_chart

    def spy(data: ChartInput) -> bytes:
        render_threads.append(threading.get_ident())
        return original(data)

    monkeypatch.setattr(charts, "render_progress_chart", spy)
    gaps: list[float] = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    started = time.perf_counter()
    png = await render_progress_chart_async(seasoned())
    elapsed = time.perf_counter() - started
    stop.set()
    await beat
    assert png[:8] == PNG_SIGNATURE
    assert render_threads and render_threads[0] != loop_thread
    # The loop kept running while the chart was drawn: many beats, none stalled for the whole render.
    assert len(gaps) >= 5
    assert max(gaps) < max(0.1, elapsed / 2)


def test_one_scale_for_everything_from_light_to_heavy() -> None:
    assert heaviness(5, "heavy") == 5 and heaviness(5, "stirred") == 5 and heaviness(1, "heavy") == 1
    assert heaviness(5, "lighter") == 1  # very relieved or very motivated is a light moment
    assert heaviness(3, "unknown") == 3
    assert (mood_heaviness(1), mood_heaviness(5)) == (5, 1)  # mood logs run 1 = really low ... 5 = pretty good
    assert [mood_group(level) for level in range(1, 6)] == ["heavy", "heavy", "unknown", "lighter", "lighter"]
