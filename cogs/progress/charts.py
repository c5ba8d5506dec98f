"""The `/progress` chart: feelings and intensity over time, rendered with matplotlib (Agg) off the event loop.

One vertical scale for everything: how heavy a moment felt, 1 (light) to 5 (heavy). A check-in's intensity
of a heavy feeling maps straight across; a strong *light* feeling (very relieved, very motivated) is light;
a daily mood log (1 = really low ... 5 = pretty good) is turned over so that low means light here too.

Readable at Discord's thumbnail size (big type, few thick marks) and legible in both light and dark
themes: the image carries its own opaque, soft mid-light background instead of relying on Discord's.
Only the object-oriented API is used (no pyplot), so rendering in a worker thread is safe.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

WIDTH_PX = 1200
HEIGHT_PX = 675
DPI = 100
MAX_DAYS = 90

BACKGROUND = "#EEE8DF"  # warm, soft mid-light: a calm card on both Discord themes
PLOT_BACKGROUND = "#F7F3EC"
INK = "#23262D"
MUTED = "#5F6470"
GRID = "#D3CCC0"
LINE = "#8A8F99"
GROUP_COLOURS = {
    "heavy": "#4C6FB1",  # blue
    "stirred": "#D1495B",  # red
    "lighter": "#2E9D6F",  # green
    "unknown": "#8A8F99",
}
REFLECTION_COLOUR = "#1F8A8A"
WIN_COLOUR = "#E0A100"
REJECTION_TICK_COLOUR = "#6B6F78"


LIGHT_GROUPS = frozenset({"lighter"})


def heaviness(intensity: int, group: str) -> int:
    """How heavy a check-in felt, 1-5, from the feeling's group and how strongly it was felt."""
    return 6 - intensity if group in LIGHT_GROUPS else intensity


def mood_heaviness(level: int) -> int:
    """A daily mood log (1 = really low, 5 = pretty good) on the same 1 (light) to 5 (heavy) scale."""
    return 6 - level


def mood_group(level: int) -> str:
    """The colour group of a daily mood log, which names no feeling: low is heavy, good is lighter."""
    if level <= 2:
        return "heavy"
    return "lighter" if level >= 4 else "unknown"


@dataclass(frozen=True)
class ChartPoint:
    """One rated check-in: when, how heavy (1-5), which feeling group, and what kind of check-in."""

    at: datetime
    heaviness: int
    group: str = "unknown"
    kind: str = "rejection"  # "rejection", "mood" or "filled"


@dataclass(frozen=True)
class ChartInput:
    """Everything the chart draws; plain data so it can cross to a worker thread."""

    points: Sequence[ChartPoint]
    now: datetime
    zone: ZoneInfo
    words: Mapping[str, Any]
    reflections: Sequence[datetime] = ()
    wins: Sequence[datetime] = ()
    unrated_rejections: Sequence[datetime] = field(default_factory=tuple)


def render_progress_chart(data: ChartInput) -> bytes:
    """Draw the chart and return PNG bytes. Blocking (CPU-bound): call it through `render_progress_chart_async`."""
    # Imported here, in the worker thread, so bot start-up doesn't pay for matplotlib.
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    def num(moments: Sequence[datetime]) -> list[float]:
        """Matplotlib's date numbers (typed as floats for the plotting calls)."""
        return [float(value) for value in mdates.date2num(list(moments))]  # type: ignore[no-untyped-call]

    def tick_label(value: float, _position: int) -> str:
        return _day_label(mdates.num2date(value, data.zone))  # type: ignore[no-untyped-call]

    words = data.words
    start = data.now - timedelta(days=MAX_DAYS)
    points = [p for p in data.points if start <= p.at <= data.now + timedelta(days=1)]
    reflections = [t for t in data.reflections if t >= start]
    wins = [t for t in data.wins if t >= start]
    unrated = [t for t in data.unrated_rejections if t >= start]
    moments = [p.at for p in points] + reflections + wins + unrated
    first = min(moments, default=data.now - timedelta(days=7))
    span_start = min(first, data.now - timedelta(days=6)) - timedelta(hours=18)
    span_end = data.now + timedelta(hours=18)

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.085, 0.25, 0.86, 0.6), facecolor=PLOT_BACKGROUND)
    figure.text(0.085, 0.91, str(words.get("title", "")), fontsize=30, fontweight="bold", color=INK)

    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(MUTED)
        axes.spines[side].set_linewidth(1.5)
    axes.set_ylim(0.2, 5.8)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.set_xlim(*num([span_start, span_end]))
    axes.tick_params(colors=INK, labelsize=20, width=1.5, length=6)
    axes.set_ylabel(str(words.get("y_label", "")), fontsize=20, color=INK, labelpad=12)
    axes.grid(axis="y", color=GRID, linewidth=1.2)
    axes.set_axisbelow(True)

    locator = mdates.AutoDateLocator(tz=data.zone, minticks=4, maxticks=7)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(FuncFormatter(tick_label))

    rated = sorted(points, key=lambda p: p.at)
    if len(rated) > 1:
        axes.plot(
            num([p.at for p in rated]),
            [p.heaviness for p in rated],
            color=LINE,
            linewidth=3,
            alpha=0.7,
            zorder=2,
            solid_capstyle="round",
        )
    marker_for = {"rejection": "o", "mood": "s", "filled": "D"}
    size_for = {"rejection": 320, "mood": 200, "filled": 180}
    for kind, marker in marker_for.items():
        chosen = [p for p in rated if p.kind == kind]
        if not chosen:
            continue
        axes.scatter(
            num([p.at for p in chosen]),
            [p.heaviness for p in chosen],
            s=size_for[kind],
            marker=marker,
            zorder=3,
            linewidths=2.5,
            edgecolors="white",
            c=[GROUP_COLOURS.get(p.group, GROUP_COLOURS["unknown"]) for p in chosen],
        )
    if unrated:
        # Logged without saying how it felt: a hollow circle on the bottom row.
        axes.scatter(
            num(unrated),
            [0.55] * len(unrated),
            marker="o",
            s=260,
            linewidths=3,
            facecolors="none",
            edgecolors=REJECTION_TICK_COLOUR,
            zorder=3,
        )
    if reflections:
        axes.scatter(
            num(reflections),
            [0.55] * len(reflections),
            marker="^",
            s=320,
            zorder=4,
            color=REFLECTION_COLOUR,
            edgecolors="white",
            linewidths=2,
        )
    if wins:
        axes.scatter(
            num(wins), [5.5] * len(wins), marker="*", s=700, zorder=4, color=WIN_COLOUR, edgecolors=INK, linewidths=1.2
        )
    if not rated and not reflections and not wins and not unrated:
        axes.text(
            0.5,
            0.5,
            str(words.get("empty_note", "")),
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=24,
            color=MUTED,
        )

    groups: Mapping[str, str] = words.get("groups", {})
    # Colours are swatches and shapes are grey, so neither is mistaken for the other.
    handles: list[Any] = [
        Patch(facecolor=GROUP_COLOURS[key], edgecolor="none", label=_short(str(groups.get(key, key))))
        for key in ("heavy", "stirred", "lighter")
    ]
    # Shapes are listed only when they appear, so a short history gets a short legend.
    kinds = {p.kind for p in rated}
    shapes = [
        (bool(unrated) or "rejection" in kinds, "o", 17, LINE, "white", "rejection"),
        ("mood" in kinds, "s", 13, LINE, "white", "mood"),
        ("filled" in kinds, "D", 12, LINE, "white", "filled"),
        (bool(reflections), "^", 16, REFLECTION_COLOUR, "white", "reflection"),
        (bool(wins), "*", 22, WIN_COLOUR, INK, "win"),
    ]
    handles += [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=marker,
            markersize=size,
            markerfacecolor=face,
            markeredgecolor=edge,
            label=str(words.get(key, key)),
        )
        for shown, marker, size, face, edge, key in shapes
        if shown
    ]
    legend = figure.legend(
        handles=handles,
        loc="lower center",
        ncols=min(4, (len(handles) + 1) // 2),
        frameon=False,
        fontsize=19,
        bbox_to_anchor=(0.52, 0.0),
        handletextpad=0.4,
        columnspacing=1.4,
        labelcolor=INK,
        handlelength=1.2,
    )
    legend.set_zorder(5)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor=BACKGROUND, metadata={"Software": None})
    return buffer.getvalue()


def _day_label(moment: datetime) -> str:
    """'3 Nov': day and short month, no zero padding, any platform."""
    return f"{moment.day} {moment:%b}"


def _short(label: str) -> str:
    """'Heavy (sad, disappointed...)' → 'Heavy': the chart has no room for the list."""
    return label.split(" (", 1)[0]


async def render_progress_chart_async(data: ChartInput) -> bytes:
    """Render in a worker thread so the event loop keeps serving other members meanwhile."""
    return await asyncio.to_thread(render_progress_chart, data)
