"""Content checks for the nudge and practice-question data files."""

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATA_DIR = Path(__file__).resolve().parents[3] / "data"
NUDGES_PATH = DATA_DIR / "nudges.toml"
QUESTIONS_PATH = DATA_DIR / "practice_questions.toml"

NUDGE_THEMES = ("feelings", "feedback", "mindset", "learning", "resilience", "rest")
QUESTION_CATEGORIES = ("behavioural", "motivation", "situational", "technical")

MIN_NUDGES = 66
MIN_PER_THEME = 11
MIN_QUESTIONS = 84
MIN_PER_CATEGORY = 21

MAX_NUDGE_CHARS = 400
MAX_QUESTION_CHARS = 300
MAX_TIP_CHARS = 300
MIN_VARIANTS = 3

BANNED_PHRASES = (
    "everything happens for a reason",
    "stay positive",
    "good vibes only",
    "no excuses",
    "hustle",
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Rough emoji detector: pictographs, symbols and dingbats.
EMOJI_RE = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
ID_RE = re.compile(r"^([a-z]+)-(\d{2})$")

# A TOML table as tomllib reads it.
Table = dict[str, Any]


@pytest.fixture(scope="module")
def nudge_data() -> Table:
    with NUDGES_PATH.open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def question_data() -> Table:
    with QUESTIONS_PATH.open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def nudges(nudge_data: Table) -> list[Table]:
    found: list[Table] = nudge_data["nudge"]
    return found


@pytest.fixture(scope="module")
def questions(question_data: Table) -> list[Table]:
    found: list[Table] = question_data["question"]
    return found


def _all_user_facing_texts(nudge_data: Table, question_data: Table) -> list[str]:
    texts = [n["text"] for n in nudge_data["nudge"]]
    texts += nudge_data["run_end"]["texts"] + nudge_data["welcome"]["texts"]
    for q in question_data["question"]:
        texts += [q["text"], q["tip"]]
    return texts


# ---------------------------------------------------------------- nudges


def test_nudge_total_count(nudges: list[Table]) -> None:
    assert len(nudges) >= MIN_NUDGES


def test_nudge_count_per_theme(nudges: list[Table]) -> None:
    counts = Counter(n["theme"] for n in nudges)
    for theme in NUDGE_THEMES:
        assert counts[theme] >= MIN_PER_THEME, f"theme {theme!r} has only {counts[theme]} nudges"


def test_nudge_themes_are_known(nudges: list[Table]) -> None:
    unknown = {n["theme"] for n in nudges} - set(NUDGE_THEMES)
    assert not unknown, f"unknown themes: {sorted(unknown)}"


def test_nudge_fields(nudges: list[Table]) -> None:
    for n in nudges:
        assert {"id", "theme", "text"} <= set(n) <= {"id", "theme", "text", "ideas"}, n
        assert all(isinstance(n[key], str) and n[key].strip() for key in ("id", "theme", "text")), n
        assert all(isinstance(idea, str) and idea.strip() for idea in n.get("ideas", [])), n


def test_nudge_ids_unique(nudges: list[Table]) -> None:
    dupes = [i for i, c in Counter(n["id"] for n in nudges).items() if c > 1]
    assert not dupes, f"duplicate nudge ids: {dupes}"


def test_nudge_id_prefix_matches_theme(nudges: list[Table]) -> None:
    for n in nudges:
        match = ID_RE.match(n["id"])
        assert match, f"malformed id {n['id']!r}"
        assert match.group(1) == n["theme"], f"id {n['id']!r} does not match theme {n['theme']!r}"


def test_nudge_length(nudges: list[Table]) -> None:
    for n in nudges:
        assert len(n["text"]) <= MAX_NUDGE_CHARS, f"{n['id']} is {len(n['text'])} chars"


def test_nudge_texts_unique(nudges: list[Table]) -> None:
    normalised = Counter(" ".join(n["text"].lower().split()) for n in nudges)
    dupes = [t for t, c in normalised.items() if c > 1]
    assert not dupes, f"duplicated nudge texts: {dupes}"


def test_nudges_avoid_specific_weekdays(nudge_data: Table) -> None:
    texts = [n["text"] for n in nudge_data["nudge"]]
    texts += nudge_data["run_end"]["texts"] + nudge_data["welcome"]["texts"]
    for text in texts:
        words = set(re.findall(r"[a-z]+", text.lower()))
        assert not words & set(WEEKDAYS), f"mentions a weekday: {text!r}"


def test_nudges_use_emoji_sparingly(nudges: list[Table]) -> None:
    with_emoji = [n["id"] for n in nudges if EMOJI_RE.search(n["text"])]
    assert len(with_emoji) <= len(nudges) // 10, f"too many nudges with emoji: {with_emoji}"
    for n in nudges:
        assert len(EMOJI_RE.findall(n["text"])) <= 1, f"{n['id']} has more than one emoji"


@pytest.mark.parametrize("section", ["run_end", "welcome"])
def test_message_variants(nudge_data: Table, section: str) -> None:
    texts = nudge_data[section]["texts"]
    assert len(texts) >= MIN_VARIANTS
    assert all(isinstance(t, str) and t.strip() for t in texts)
    assert len(set(texts)) == len(texts), f"duplicate {section} texts"
    assert all(len(t) <= MAX_NUDGE_CHARS for t in texts)


# ---------------------------------------------------------------- questions


def test_question_total_count(questions: list[Table]) -> None:
    assert len(questions) >= MIN_QUESTIONS


def test_question_count_per_category(questions: list[Table]) -> None:
    counts = Counter(q["category"] for q in questions)
    for category in QUESTION_CATEGORIES:
        assert counts[category] >= MIN_PER_CATEGORY, f"category {category!r} has only {counts[category]}"


def test_question_categories_are_known(questions: list[Table]) -> None:
    unknown = {q["category"] for q in questions} - set(QUESTION_CATEGORIES)
    assert not unknown, f"unknown categories: {sorted(unknown)}"


def test_question_fields(questions: list[Table]) -> None:
    for q in questions:
        assert set(q) == {"id", "category", "text", "tip"}, q
        assert all(isinstance(v, str) and v.strip() for v in q.values()), q


def test_question_ids_unique(questions: list[Table]) -> None:
    dupes = [i for i, c in Counter(q["id"] for q in questions).items() if c > 1]
    assert not dupes, f"duplicate question ids: {dupes}"


def test_question_id_prefix_matches_category(questions: list[Table]) -> None:
    for q in questions:
        match = ID_RE.match(q["id"])
        assert match, f"malformed id {q['id']!r}"
        assert match.group(1) == q["category"], f"id {q['id']!r} does not match category {q['category']!r}"


def test_question_and_tip_lengths(questions: list[Table]) -> None:
    for q in questions:
        assert len(q["text"]) <= MAX_QUESTION_CHARS, f"{q['id']} question is {len(q['text'])} chars"
        assert len(q["tip"]) <= MAX_TIP_CHARS, f"{q['id']} tip is {len(q['tip'])} chars"


def test_question_texts_unique(questions: list[Table]) -> None:
    for field in ("text", "tip"):
        normalised = Counter(" ".join(q[field].lower().split()) for q in questions)
        dupes = [t for t, c in normalised.items() if c > 1]
        assert not dupes, f"duplicated question {field}s: {dupes}"


# ---------------------------------------------------------------- shared tone checks


def test_no_banned_phrases(nudge_data: Table, question_data: Table) -> None:
    for text in _all_user_facing_texts(nudge_data, question_data):
        lowered = text.lower()
        for phrase in BANNED_PHRASES:
            assert phrase not in lowered, f"banned phrase {phrase!r} in {text!r}"


def test_no_placeholder_braces(nudge_data: Table, question_data: Table) -> None:
    for text in _all_user_facing_texts(nudge_data, question_data):
        assert "{" not in text and "}" not in text, f"placeholder braces in {text!r}"
        assert "TODO" not in text and "XXX" not in text, f"placeholder marker in {text!r}"


def test_no_exclamation_spam(nudge_data: Table, question_data: Table) -> None:
    for text in _all_user_facing_texts(nudge_data, question_data):
        assert "!!" not in text, f"repeated exclamation marks in {text!r}"
        assert text.count("!") <= 1, f"too many exclamation marks in {text!r}"
