"""The pattern rules: what each counts, the minimums below which it says nothing, and the sentences' evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.content import load_content
from cogs.progress.observations import load_themes
from cogs.progress.patterns import (
    CheckinPoint,
    NoteFacts,
    ReflectionFacts,
    feelings_since_start,
    find_patterns,
    going_well,
    pattern_lines,
    recurring_themes,
    rejection_stage,
)

START = datetime(2026, 10, 1, 9, tzinfo=UTC)
NOW = START + timedelta(days=42)
WORDS = load_content("patterns")
THEMES = load_themes(WORDS["themes"])
STRENGTHS = load_themes(WORDS["strengths"])


def reflection(day: int, hard: str = "", went_well: str = "") -> ReflectionFacts:
    return ReflectionFacts(START + timedelta(days=day), hard, went_well)


def note(day: int, text: str) -> NoteFacts:
    return NoteFacts(START + timedelta(days=day), text)


def checkin(
    day: int, stage: str | None = None, heaviness: int | None = None, feeling: str | None = None
) -> CheckinPoint:
    return CheckinPoint(START + timedelta(days=day), stage, feeling, heaviness)


# ---------------------------------------------------------------- themes in what was hard


def test_a_theme_named_in_three_of_five_reflections_is_counted_with_its_evidence() -> None:
    reflections = [
        reflection(0, "Design a URL shortener: system design was rough"),
        reflection(7, "Tell me about a time you failed"),
        reflection(14, "The system design round, again"),
        reflection(21, "Salary expectations"),
        reflection(28, "Scaling the architecture to a million users"),
    ]
    [finding] = recurring_themes(reflections, [], THEMES)
    assert finding.theme.key == "system_design"
    assert (finding.in_reflections, finding.reflections, finding.in_notes, finding.notes) == (3, 5, 0, 0)
    assert pattern_lines(find_patterns([], reflections, [], THEMES, [], NOW), WORDS) == [
        "**System design** came up as the hard part in 3 of your last 5 reflections."
    ]


def test_a_theme_counts_once_per_reflection_however_often_it_is_named() -> None:
    reflections = [
        reflection(0, "system design\nmore system design\nsystem design again"),
        reflection(1, "What's your biggest weakness?"),
        reflection(2, "Why this company?"),
    ]
    assert recurring_themes(reflections, [], THEMES) == []  # one reflection named it, three times: not a pattern


def test_feedback_notes_count_alongside_reflections_each_once() -> None:
    reflections = [reflection(0, "system design"), reflection(1, "system design"), reflection(2, "salary")]
    notes = [note(3, "Good culture fit, but we wanted more depth in system design and architecture.")]
    [first, *rest] = recurring_themes(reflections, notes, THEMES)
    assert first.theme.key == "system_design" and (first.in_reflections, first.in_notes, first.notes) == (2, 1, 1)
    assert all(finding.mentions >= 2 for finding in rest)
    line = pattern_lines(find_patterns([], reflections, notes, THEMES, [], NOW), WORDS)[0]
    assert line == (
        "**System design** came up as the hard part in 2 of your last 3 reflections and the one interviewer reply "
        "you noted."
    )


def test_a_theme_only_in_feedback_names_only_the_feedback() -> None:
    notes = [note(0, "Salary expectations were above our band"), note(1, "We could not meet your salary ask")]
    reflections = [reflection(2, "Tell me about a time you led a team")]
    [finding] = recurring_themes(reflections, notes, THEMES)
    assert finding.theme.key == "salary"
    line = pattern_lines(find_patterns([], reflections, notes, THEMES, [], NOW), WORDS)[0]
    assert line == "**Salary and negotiation** came up as the hard part in 2 of the 2 interviewer replies you noted."


def test_too_few_reflections_and_notes_say_nothing_about_themes() -> None:
    # Named twice, but only two reflections in all: below the three a theme needs.
    assert recurring_themes([reflection(0, "system design"), reflection(1, "system design")], [], THEMES) == []


def test_a_theme_named_once_says_nothing() -> None:
    reflections = [reflection(0, "system design"), reflection(1, "salary"), reflection(2, "why this company")]
    assert recurring_themes(reflections, [], THEMES) == []


def test_only_the_newest_ten_reflections_count() -> None:
    old = [reflection(day, "system design") for day in range(3)]
    new = [reflection(10 + day, "Tell me about yourself") for day in range(10)]
    assert recurring_themes(old + new, [], THEMES) == []


def test_at_most_two_themes_most_named_first() -> None:
    reflections = [
        reflection(0, "salary; system design; sql"),
        reflection(1, "salary; system design; sql"),
        reflection(2, "system design; sql"),
        reflection(3, "system design"),
    ]
    found = recurring_themes(reflections, [], THEMES)
    assert [(f.theme.key, f.in_reflections) for f in found] == [("system_design", 4), ("technical_depth", 3)]


# ---------------------------------------------------------------- where rejections cluster


def test_rejections_clustering_at_one_stage_are_counted() -> None:
    checkins = [
        checkin(0, "screen"),
        checkin(7, "onsite"),
        checkin(14, "onsite"),
        checkin(21, None),
        checkin(28, "onsite"),
        checkin(35, "technical"),
    ]
    finding = rejection_stage(checkins)
    assert finding is not None and (finding.stage, finding.hits, finding.staged) == ("onsite", 3, 5)
    assert pattern_lines(find_patterns(checkins, [], [], [], [], NOW), WORDS) == [
        "3 of the 5 rejections you logged with a stage came after the final round."
    ]


def test_fewer_than_three_rejections_with_a_stage_say_nothing() -> None:
    assert rejection_stage([checkin(0, "onsite"), checkin(1, "onsite"), checkin(2), checkin(3)]) is None


def test_no_cluster_says_nothing() -> None:
    assert rejection_stage([checkin(0, "screen"), checkin(1, "onsite"), checkin(2, "technical")]) is None
    # A tie at the top is no cluster either.
    tied = [checkin(0, "screen"), checkin(1, "screen"), checkin(2, "onsite"), checkin(3, "onsite")]
    assert rejection_stage(tied) is None
    # Under half at one stage is no cluster.
    spread = [checkin(day, stage) for day, stage in enumerate(["screen", "screen", "onsite", "technical", "offer"])]
    assert rejection_stage(spread) is None


def test_two_of_three_is_a_cluster() -> None:
    finding = rejection_stage([checkin(0, "technical"), checkin(1, "technical"), checkin(2, "screen")])
    assert finding is not None and (finding.stage, finding.hits, finding.staged) == ("technical", 2, 3)


# ---------------------------------------------------------------- what keeps going well


def test_a_strength_named_again_and_again_is_counted_with_the_newest_words() -> None:
    reflections = [
        reflection(0, went_well="I explained my project clearly"),
        reflection(7, went_well="Stayed calm"),
        reflection(14, went_well="Explaining the trade-offs, clear and structured"),
        reflection(21, went_well="nothing really"),
    ]
    [finding] = going_well(reflections, STRENGTHS)
    assert finding.theme.key == "explaining"
    assert (finding.hits, finding.reflections, finding.quote) == (
        2,
        4,
        "Explaining the trade-offs, clear and structured",
    )
    assert pattern_lines(find_patterns([], reflections, [], [], STRENGTHS, NOW), WORDS) == [
        "You named **Explaining things clearly** as something that went well in 2 of your last 4 reflections."
    ]


def test_strengths_need_three_reflections_and_two_mentions() -> None:
    two = [reflection(0, went_well="calm"), reflection(1, went_well="calm")]
    assert going_well(two, STRENGTHS) == []
    once = [*two[:1], reflection(1, went_well="prepared"), reflection(2, went_well="good rapport")]
    assert going_well(once, STRENGTHS) == []


# ---------------------------------------------------------------- how feelings moved


def test_feelings_getting_lighter_since_the_first_check_in() -> None:
    checkins = [
        checkin(0, heaviness=5, feeling="sad"),
        checkin(10, heaviness=4, feeling="frustrated"),
        checkin(20, heaviness=3, feeling="anxious"),
        checkin(30, heaviness=2, feeling="disappointed"),
        checkin(42, heaviness=2, feeling="motivated"),
    ]
    finding = feelings_since_start(checkins, NOW)
    assert finding is not None
    assert (finding.direction, finding.first, round(finding.recent, 2), finding.recent_count) == ("lighter", 5, 2.33, 3)
    [line] = pattern_lines(
        find_patterns(checkins, [], [], [], [], NOW), WORDS, {"sad": "Sad", "motivated": "Motivated"}
    )
    assert line == (
        "Things have got lighter since your first check-in 6 weeks ago: that one felt 5 out of 5 for heaviness, "
        "your last 3 about 2.3 on average. You started with *sad*; most recently you named *motivated*."
    )


def test_feelings_heavier_and_steady() -> None:
    heavier = feelings_since_start([checkin(0, heaviness=2), checkin(4, heaviness=4), checkin(8, heaviness=5)], NOW)
    assert heavier is not None and heavier.direction == "heavier" and heavier.recent == 4.5
    steady = feelings_since_start([checkin(0, heaviness=3), checkin(4, heaviness=3), checkin(8, heaviness=4)], NOW)
    assert steady is not None and steady.direction == "steady"
    [line] = pattern_lines(
        find_patterns(
            [checkin(0, heaviness=3), checkin(4, heaviness=3), checkin(8, heaviness=4)],
            [],
            [],
            [],
            [],
            START + timedelta(days=9),
        ),
        WORDS,
    )
    assert line == (
        "How heavy it feels has stayed about the same since your first check-in 9 days ago: around 3.5 out of 5 "
        "across your last 2."
    )


def test_feelings_need_three_rated_check_ins_over_a_week() -> None:
    assert feelings_since_start([checkin(0, heaviness=5), checkin(10, heaviness=1)], NOW) is None
    # Three, but all within six days.
    assert (
        feelings_since_start([checkin(0, heaviness=5), checkin(3, heaviness=2), checkin(6, heaviness=1)], NOW) is None
    )
    # Unrated check-ins don't count towards the three.
    assert feelings_since_start([checkin(0, heaviness=5), checkin(5), checkin(10, heaviness=1)], NOW) is None


# ---------------------------------------------------------------- all together


def test_a_single_rejection_says_nothing_at_all() -> None:
    patterns = find_patterns(
        [checkin(0, "onsite", 4, "sad")],
        [reflection(0, "system design", "I stayed calm")],
        [note(3, "We wanted more system design depth")],
        THEMES,
        STRENGTHS,
        NOW,
    )
    assert patterns.empty
    assert pattern_lines(patterns, WORDS) == []


def test_no_records_say_nothing() -> None:
    patterns = find_patterns([], [], [], THEMES, STRENGTHS, NOW)
    assert patterns.empty and pattern_lines(patterns, WORDS) == []
