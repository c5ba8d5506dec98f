"""The rule-based answer check: a table of sample answers and the specific findings each must produce."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from bot.content import load_content
from cogs.practice import analysis as rules
from cogs.practice import logic

STRONG = (
    "In my last role at a logistics company, our warehouse team was missing about 15% of same-day shipments "
    "because orders were picked in the wrong sequence. My task was to fix the picking process before the holiday "
    "peak, which was six weeks away. I mapped the current flow with the three shift leads, found that the pick lists "
    "were sorted by order time rather than by aisle, and I rewrote the list generator so it grouped items by "
    "location. I then ran a two-week pilot on one shift and trained the other two shifts myself. As a result, missed "
    "same-day shipments dropped from 15% to 4%, and we got through the peak without overtime. I learned that talking "
    "to the people doing the work first saves a lot of guessing."
)
VAGUE = (
    "I'm a hard worker and I always get things done. I usually work well with people and I'm good at solving "
    "problems when they come up. I just try to do my best."
)
RAMBLING = (
    " ".join(
        [
            "So at my previous job there was this project and then we had a meeting and then my manager said we needed "
            "to look at the numbers and so I looked at the numbers and then I found some things and then "
            "we talked about them and then there was another meeting"
        ]
        * 8
    )
    + "."
)
ONLY_WE = (
    "We had a big client project that was behind schedule. We sat down as a team and we reorganised the plan. We "
    "split the work into smaller pieces and we met every morning to check progress. In the end we delivered on time "
    "and the client renewed their contract for another year."
)
HEDGING = (
    "Um, I think I sort of handled it okay, basically. There was a problem with a customer order at my last job and I "
    "guess I maybe talked to my manager, like, and we kind of figured it out, you know. I probably could have done "
    "more, honestly, but it was fine in the end I suppose."
)


@dataclass(frozen=True)
class Case:
    """A sample answer, what must be found, and what must not."""

    name: str
    text: str
    category: str
    present: frozenset[str]
    absent: frozenset[str]
    length: str


CASES = [
    Case(
        "strong STAR",
        STRONG,
        "behavioural",
        present=frozenset({"star_complete", "detail_numbers", "length_good", "ownership_balanced", "confident"}),
        absent=frozenset({"generic", "star_story", "detail_missing", "hedging", "filler", "ownership_only_we"}),
        length="good",
    ),
    Case(
        "vague",
        VAGUE,
        "behavioural",
        present=frozenset({"generic", "star_story", "detail_missing", "length_too_short"}),
        absent=frozenset({"star_complete", "detail_numbers", "ownership_clear", "ownership_balanced"}),
        length="too_short",
    ),
    Case(
        "rambling",
        RAMBLING,
        "behavioural",
        present=frozenset({"length_rambling", "star_result", "detail_missing"}),
        absent=frozenset({"star_complete", "length_good"}),
        length="rambling",
    ),
    Case(
        "only we",
        ONLY_WE,
        "behavioural",
        present=frozenset({"ownership_only_we", "star_task"}),
        absent=frozenset({"ownership_balanced", "ownership_clear", "star_action", "star_result", "hedging"}),
        length="brief",
    ),
    Case(
        "hedging and filler",
        HEDGING,
        "behavioural",
        present=frozenset({"hedging", "filler", "star_action"}),
        absent=frozenset({"confident", "star_complete", "ownership_balanced"}),
        length="brief",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_sample_answers(case: Case) -> None:
    analysis = rules.analyse(case.text, case.category)
    assert case.present <= analysis.codes, f"missing {case.present - analysis.codes}"
    assert not case.absent & analysis.codes, f"unexpected {case.absent & analysis.codes}"
    assert analysis.length == case.length


def test_strong_answer_evidence_points_at_the_right_phrases() -> None:
    analysis = rules.analyse(STRONG, "behavioural")
    assert analysis.star["situation"][0] == "in my last role"
    assert analysis.star["task"] == ("my task was",)
    assert analysis.star["action"][:2] == ("i mapped", "i rewrote")
    assert "as a result" in analysis.star["result"]
    assert analysis.numbers[0] == "15%"
    assert not analysis.improvements
    assert analysis.score == 100


def test_vague_answer_is_told_it_is_generic_with_its_own_words() -> None:
    analysis = rules.analyse(VAGUE, "behavioural")
    (generic,) = [finding for finding in analysis.findings if finding.code == "generic"]
    assert generic.evidence == ("i'm a hard worker", "always", "usually")
    assert analysis.improvements[0].code == "generic"
    assert analysis.star_found == ()


def test_only_we_counts_pronouns_and_credits_team_actions() -> None:
    analysis = rules.analyse(ONLY_WE, "behavioural")
    assert (analysis.first_person, analysis.team) == (0, 6)
    assert analysis.star["action"][:2] == ("we sat", "we reorganised")
    (finding,) = [finding for finding in analysis.findings if finding.code == "ownership_only_we"]
    assert finding.values == {"i": 0, "we": 6}


def test_hedges_and_fillers_are_listed_one_by_one() -> None:
    analysis = rules.analyse(HEDGING, "behavioural")
    assert analysis.hedges == {
        "I think": 1,
        "I guess": 1,
        "I suppose": 1,
        "maybe": 1,
        "probably": 1,
        "sort of": 1,
        "kind of": 1,
    }
    assert analysis.fillers == {"um": 1, "like": 1, "you know": 1, "basically": 1, "honestly": 1}


def test_rambling_by_run_on_sentences_even_under_the_word_limit() -> None:
    run_on = " and then ".join(["I called the supplier about the late order"] * 25)
    analysis = rules.analyse(run_on, "behavioural")
    assert analysis.words < rules.LENGTH_RULES["behavioural"].long
    assert analysis.sentences == 1
    assert analysis.length == "rambling"


@pytest.mark.parametrize(
    ("text", "hedges", "fillers"),
    [
        ("What kind of team would I join? That sort of question matters to me.", {}, {}),
        ("I would like to work somewhere like this, and you know what, I said so.", {}, {}),
        ("I think, maybe, it kind of worked.", {"I think": 1, "maybe": 1, "kind of": 1}, {}),
        ("Umm, well, erm, it was, like, fine.", {}, {"um": 1, "erm": 1, "like": 1}),
    ],
)
def test_hedge_and_filler_false_friends(text: str, hedges: dict[str, int], fillers: dict[str, int]) -> None:
    analysis = rules.analyse(text, "motivation")
    assert analysis.hedges == hedges
    assert analysis.fillers == fillers


def test_a_single_hedge_is_not_flagged_but_a_single_um_is() -> None:
    one_hedge = "I think the plan I wrote was sound. " + "I built it and it worked well. " * 5
    assert "hedging" not in rules.analyse(one_hedge, "motivation").codes
    assert "filler" in rules.analyse("Um. " + "I built the thing and it worked well. " * 5, "motivation").codes


@pytest.mark.parametrize(
    ("words", "band"),
    [(20, "too_short"), (70, "brief"), (200, "good"), (420, "long"), (600, "rambling")],
)
def test_length_bands_for_behavioural_answers(words: int, band: str) -> None:
    text = ". ".join(" ".join(["word"] * 10) for _ in range(words // 10)) + "."
    assert rules.analyse(text, "behavioural").length == band


def test_motivation_answers_are_not_held_to_star_or_numbers() -> None:
    text = (
        "I want this role because your team builds tools that nurses use every day, and I spent my placement on a "
        "busy ward. I saw how much a clumsy rota system cost people, so I built a small spreadsheet that the ward "
        "used for a year. That is the kind of problem I want to keep working on."
    )
    analysis = rules.analyse(text, "motivation")
    assert not {"star_situation", "star_task", "star_story", "detail_missing"} & analysis.codes
    assert "example_given" in analysis.codes


def test_situational_answers_accept_what_i_would_do() -> None:
    text = (
        "If a key supplier missed a delivery, my first step would be to call them and find out what went wrong and "
        "when they could deliver. Then I'd tell the customer straight away with a realistic new date, so that they "
        "can plan around it. I would also check whether a second supplier could cover part of the order."
    )
    analysis = rules.analyse(text, "situational")
    assert {"approach_clear"} <= analysis.codes
    assert not {"star_action", "star_result", "generic"} & analysis.codes


def test_one_thing_to_work_on_prefers_the_most_common_then_the_most_important() -> None:
    vague, we, strong = (rules.analyse(text, "behavioural") for text in (VAGUE, ONLY_WE, STRONG))
    assert logic.one_thing_to_work_on([vague, we, strong]) == "detail_missing"
    assert logic.one_thing_to_work_on([vague]) == "generic"
    assert logic.one_thing_to_work_on([strong]) is None


def test_strongest_answer_is_the_highest_score_and_ties_go_to_the_earlier() -> None:
    vague, strong = rules.analyse(VAGUE, "behavioural"), rules.analyse(STRONG, "behavioural")
    assert logic.strongest([vague, strong, vague]) == 1
    assert logic.strongest([strong, strong]) == 0
    assert logic.strongest([]) is None


def test_empty_answer_does_not_break() -> None:
    analysis = rules.analyse("   ", "technical")
    assert analysis.words == 0 and analysis.length == "too_short"


# ---------------------------------------------------------------- rendering with the real wording


@pytest.fixture(scope="module")
def wording() -> dict[str, object]:
    return load_content("practice")


def test_feedback_is_explained_and_honest(wording: dict[str, object]) -> None:
    feedback = logic.render(rules.analyse(VAGUE, "behavioural"), wording)
    assert "rule-based check of structure" in feedback.honesty and "not a judgement" in feedback.honesty
    assert "“I'm a hard worker”, “always”, “usually”" in feedback.improvements
    assert feedback.summary == "About 33 words, about 20 seconds when spoken aloud."
    # Each point says why, not just what: never a bare score.
    assert not re.search(r"\b\d+\s*/\s*100\b", " ".join(vars(feedback).values()))


def test_structure_section_quotes_the_evidence(wording: dict[str, object]) -> None:
    title, body = logic.render_structure(rules.analyse(STRONG, "behavioural"), wording)
    assert "STAR" in title
    assert "✅ **Action**: “I mapped”, “I rewrote”" in body
    _, body = logic.render_structure(rules.analyse(ONLY_WE, "behavioural"), wording)
    assert "▫️ **Task**: not spotted" in body


def test_hedge_counts_show_in_the_feedback(wording: dict[str, object]) -> None:
    text = "I think it went well. I think the client liked it. Maybe we could have been faster. " * 2
    feedback = logic.render(rules.analyse(text, "behavioural"), wording, max_improvements=10)
    assert "“I think” ×4" in feedback.improvements
    assert "“maybe” ×2" in feedback.improvements


def test_quote_cannot_break_markdown_or_mention() -> None:
    assert logic.quote("**bold** <@123> `code`") == "“bold 123 code”"
    assert logic.quote("i led it") == "“I led it”"
    assert logic.quote("x" * 100).endswith("…”")


def test_every_finding_has_wording(wording: dict[str, object]) -> None:
    findings = wording["findings"]
    work_on = wording["work_on"]
    assert isinstance(findings, dict) and isinstance(work_on, dict)
    samples = [STRONG, VAGUE, RAMBLING, ONLY_WE, HEDGING, "x"]
    codes = {
        finding.code
        for text in samples
        for category in (*rules.CATEGORIES, rules.OWN_CATEGORY)
        for finding in rules.analyse(text, category).findings
    }
    structural = {"example_given", "example_missing"}  # shown in the structure section instead
    assert codes - structural <= set(findings)
    assert set(rules.PRIORITY) <= set(work_on)
    improvement_codes = {f.code for t in samples for c in rules.CATEGORIES for f in rules.analyse(t, c).improvements}
    assert improvement_codes <= set(rules.PRIORITY)


def test_spoken_time_in_seconds_then_minutes(wording: dict[str, object]) -> None:
    def spoken(words: int) -> str:
        text = ". ".join(" ".join(["word"] * 10) for _ in range(words // 10)) + "."
        return logic.render(rules.analyse(text, "behavioural"), wording).summary

    assert spoken(120) == "About 120 words, about 60 seconds when spoken aloud."
    assert spoken(300) == "About 300 words, roughly 2.3 minutes when spoken aloud."
    assert spoken(390) == "About 390 words, roughly 3 minutes when spoken aloud."


def test_self_labels_with_a_word_in_between_still_read_as_generic() -> None:
    analysis = rules.analyse("I'm basically a people person and I always help out.", "behavioural")
    assert "generic" in analysis.codes


def test_growing_up_somewhere_is_not_a_result() -> None:
    assert rules.analyse("I grew up near your office.", "motivation").star["result"] == ()
    assert rules.analyse("Sales grew by a third.", "behavioural").star["result"] == ("grew",)


def test_counts_meet_their_nouns_in_the_right_form_and_add_up(wording: dict[str, object]) -> None:
    one = logic.render(rules.analyse("Teamwork.", "behavioural"), wording)
    assert one.summary.startswith("About 1 word,") and "1 words" not in one.summary
    hedges = ["I think", "maybe", "perhaps", "probably", "sort of", "kind of", "I guess"]
    text = " ".join(f"{hedge} we shipped the report on time." for hedge in hedges)
    feedback = logic.render(rules.analyse(text, "behavioural"), wording, max_improvements=10)
    found = rules.analyse(text, "behavioural").hedges
    total = sum(found.values())
    assert f"I counted {total} softening phrases" in feedback.improvements
    if len(found) > logic.MAX_EVIDENCE:
        hidden = sum(sorted(found.values())[: len(found) - logic.MAX_EVIDENCE])
        assert f" and {hidden} more." in feedback.improvements
    assert "'I' 1 times" not in feedback.strengths + feedback.improvements
