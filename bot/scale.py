"""The 1-5 scale members rate on (how strong a feeling is, how they feel right now): one shape of labels.

Only the ends carry words ("1 · a little" ... "5 · a lot"); the words live in data/scale.toml.
"""

from __future__ import annotations

from bot.content import load_content

SCALE = (1, 2, 3, 4, 5)


def scale_labels(low: str, high: str) -> dict[int, str]:
    """Labels of a 1-5 scale, e.g. {1: '1 · a little', 2: '2', 3: '3', 4: '4', 5: '5 · a lot'}."""
    ends = {SCALE[0]: f"{SCALE[0]} · {low}", SCALE[-1]: f"{SCALE[-1]} · {high}"}
    return {level: ends.get(level, str(level)) for level in SCALE}


def labels_for(name: str) -> dict[int, str]:
    """The labels of one scale named in data/scale.toml ('intensity' or 'mood')."""
    ends = load_content("scale")[name]
    return scale_labels(str(ends["low"]), str(ends["high"]))


INTENSITY_LABELS = labels_for("intensity")
MOOD_LABELS = labels_for("mood")
