"""The check-in's rules: which feeling, how strong, which words validate it, and what happened."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bot.content import load_content
from bot.scale import INTENSITY_LABELS, SCALE
from bot.storage.checkins import STAGES, Checkin

MAX_VENT = 4000
MAX_FIELD = 100
LEVELS = SCALE  # intensity, from 1 (a little) to 5 (a lot)


def words() -> dict[str, Any]:
    """The check-in's wording, from data/checkin.toml."""
    return load_content("checkin")


def messages() -> dict[str, Any]:
    """The check-in's short texts (titles, labels, errors), from data/checkin.toml [messages]."""
    return dict(words()["messages"])


def feeling_table() -> dict[str, dict[str, str]]:
    """Feelings by key, in the order the data file lists them."""
    return {feeling["key"]: feeling for feeling in words()["feelings"]}


def intensity_label(level: int) -> str:
    """The label of one intensity button: '1 · a little' to '5 · a lot' (the shared 1-5 scale, data/scale.toml)."""
    return INTENSITY_LABELS.get(level, str(level))


def intensity_band(intensity: int) -> str:
    """Which set of validation wording fits an intensity from 1 to 5."""
    if intensity <= 2:
        return "low"
    return "mid" if intensity == 3 else "high"


def signals_care(feeling: str | None, level: int, heavy_feelings: Collection[str]) -> bool:
    """The strongest of the hard feelings starts a quiet day (care mode: no milestones, no cheer)."""
    return level == max(LEVELS) and feeling in heavy_feelings


def where_text(company: str | None, role: str | None, stage: str | None) -> str:
    """A short 'what happened' line, e.g. 'Engineer at Acme, onsite / final round'."""
    head = " at ".join(part for part in (role, company) if part)
    stage_label = STAGES.get(stage or "")
    if head and stage_label:
        return f"{head} · {stage_label.lower()}"
    return head or (stage_label.lower() if stage_label else "")


def validation_topics(checkin: Checkin, *, care: bool) -> list[tuple[str, list[str]]]:
    """What the validation says, as (wording topic, variants) in order: fitted words, a reframe, a way forward.

    In care mode the reframe and the way forward are left out: at a low moment, looking on the bright side is
    not what helps.
    """
    text = words()
    topics: list[tuple[str, list[str]]] = []
    feeling = feeling_table().get(checkin.feeling or "")
    if feeling is not None:
        band = intensity_band(checkin.intensity or 3)
        topics.append((f"validation:{feeling['key']}:{band}", text["validation"][feeling["key"]][band]))
    if not care:
        topics.append(("reframe", text["reframes"]))
        topics.append(("next_intro", text["next_steps_intro"]))
    return topics


def validation_title(checkin: Checkin) -> str:
    """The validation's title: the feeling and its strength, e.g. '😞 Disappointed · 4/5'."""
    feeling = feeling_table().get(checkin.feeling or "")
    title = f"{feeling['emoji']} {feeling['label']}" if feeling else str(messages()["untitled"])
    if checkin.intensity:
        title += f" · {checkin.intensity}/5"
    return title
