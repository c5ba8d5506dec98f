"""What went well: empty, dismissive and negative answers are a category of their own, never praised."""

from __future__ import annotations

import pytest

from cogs.reflection.logic import NOTHING_GOOD_TOPIC, is_nothing_good, reflect_back, small_thing, went_well_point, words

NOTHING_GOOD = [
    # empty and placeholders
    "",
    "   ",
    "\u200b",
    "-",
    "--",
    "—",
    "?",
    "...",
    "n/a",
    "N/A",
    "na",
    "NA.",
    "none",
    "None.",
    "nothing",
    "Nothing!",
    "nil",
    "idk",
    "IDK",
    "dunno",
    "no",
    "Nope.",
    "nah",
    "meh",
    "pass",
    "x",
    "🤷",
    "tbd",
    "no idea",
    "no clue",
    "not sure",
    "Not sure tbh",
    "I don't know",
    "I don’t know",
    "Can't think of anything",
    "nothing comes to mind",
    # dismissive
    "Not much, to be honest",
    "not much tbh",
    "Nothing really",
    "Honestly nothing",
    "Not a lot",
    "not really",
    "Hardly anything",
    "very little",
    "nothing at all",
    "Not much honestly.",
    "Nothing much, I guess",
    # negations of success
    "nothing went well",
    "Nothing went well at all.",
    "none of it went well",
    "It didn't go well",
    "It did not go well at all",
    "Nothing worked",
    "nothing landed",
    "Everything went wrong",
    "It all went badly",
    "The interview was a disaster",
    "the whole thing was a mess",
    "It went terribly",
    "it went south fast",
    "I didn't do well",
    "Not one thing went right",
    "I wouldn't say it went well",
    # self-criticism
    "Honestly nothing. I was terrible",
    "I was terrible",
    "I was awful",
    "I was so nervous",
    "I felt useless",
    "I bombed all of it",
    "I bombed",
    "I totally bombed the interview",
    "I blew it",
    "I choked",
    "I froze",
    "I messed up every answer",
    "I screwed it up",
    "I rambled the whole time",
    "I'm such a failure",
    "I'm an idiot",
    "I sounded stupid",
    "I came across as unprepared",
    "Total disaster",
    "complete failure",
    "I fell apart",
    "I panicked and blanked",
    "I failed",
    "I struggled with everything",
    # several lines, all of them negative
    "nothing\nI was bad",
    "- n/a\n- idk",
    "Not much. I rambled. I froze on the SQL one.",
]

SOMETHING_GOOD = {
    "My story about the data migration landed well. They asked lots of follow-ups.": (
        "My story about the data migration landed well"
    ),
    "I stayed calm": "I stayed calm",
    "I didn't panic": "I didn't panic",
    "I wasn't nervous this time": "I wasn't nervous this time",
    "It didn't go badly": "It didn't go badly",
    "I froze on the first question but my project story landed": "my project story landed",
    "I was terrible, but I recovered well in the second half": "I recovered well in the second half",
    "Nothing except the intro": "the intro",
    "Honestly nothing. Well, the SQL task went fine": "Well, the SQL task went fine",
    "I think my intro went fine": "I think my intro went fine",
    "They were friendly and I asked good questions": "They were friendly and I asked good questions",
    "Not much, though I did get my salary question answered": "I did get my salary question answered",
}


@pytest.mark.parametrize("answer", NOTHING_GOOD)
def test_empty_dismissive_and_negative_answers_name_nothing_good(answer: str) -> None:
    assert went_well_point(answer) is None
    well, _ = reflect_back(went_well=answer, practise_next=None, do_differently=None, hard_questions=[])
    assert well.topic == NOTHING_GOOD_TOPIC and well.quoted == {}


@pytest.mark.parametrize(("answer", "point"), SOMETHING_GOOD.items())
def test_a_good_thing_is_found_even_beside_self_criticism(answer: str, point: str) -> None:
    assert went_well_point(answer) == point
    assert not is_nothing_good(point)
    well, _ = reflect_back(went_well=answer, practise_next=None, do_differently=None, hard_questions=[])
    assert well.quoted == {"thing": point}


def test_the_small_thing_is_the_stage_reached_else_the_preparing_else_showing_up() -> None:
    did = words()["did"]
    assert small_thing(stage="onsite", has_questions=True, has_practise=True) == did["stage"]["onsite"]
    assert "final round" in small_thing(stage="onsite", has_questions=False, has_practise=False)
    assert small_thing(stage=None, has_questions=True, has_practise=False) == did["questions"]
    assert small_thing(stage=None, has_questions=False, has_practise=True) == did["practise"]
    assert small_thing(stage="unknown", has_questions=False, has_practise=False) == did["showed_up"]


def test_the_honest_line_never_praises_and_fits_every_small_thing() -> None:
    text = words()
    did = text["did"]
    things = [*did["stage"].values(), did["questions"], did["practise"], did["showed_up"]]
    for variant in text["nothing_good"]:
        assert "{did}" in variant and "{thing}" not in variant
        assert "strength" not in variant.casefold() and "well done" not in variant.casefold()
        for thing in things:
            assert "{" not in variant.format(did=thing)
