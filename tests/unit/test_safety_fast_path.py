"""The fast path (required strings, clause windows, idioms blanked only where needed) agrees with the definition
(every idiom blanked everywhere, then every rule searched over the whole text), and long or reformatted text
keeps its tier."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.safety import Tier, load_safety_rules
from bot.safety.corpus import CORPUS_DIR, read_examples

RULES = load_safety_rules()
EXAMPLES = read_examples(CORPUS_DIR / "corpus.tsv")
CRISIS = [example.text for example in EXAMPLES if example.tier is Tier.CRISIS and len(example.text) < 200]
SHORT = [example.text for example in EXAMPLES if len(example.text) < 200]
# Benign sentences that neither need care nor carry a negation into what follows them.
FILLER = [
    "I had the final round at the bank today.",
    "The recruiter said they would call me by Friday.",
    "My commute to the office is about forty minutes.",
    "I updated my CV again this morning.",
    "They asked about my biggest weakness and I talked about delegation.",
    "The take-home took me six hours.",
    "I applied to three more roles this afternoon.",
    "The panel was friendly enough.",
    "My friend is helping me practise the STAR answers.",
    "The salary was lower than the advert said.",
]
WORDS = [
    "i",
    "want",
    "to",
    "die",
    "kill",
    "myself",
    "this",
    "interview",
    "killed",
    "me",
    "dying",
    "hear",
    "back",
    "end",
    "it",
    "all",
    "commute",
    "murder",
    "suicidal",
    "kms",
    "cant",
    "go",
    "on",
    "hurt",
    "better",
    "off",
    "without",
    "coffee",
    "dead",
    "tired",
    "bombed",
    "the",
    "role",
    "not",
    "never",
    "dont",
    "tonight",
    "pills",
    "saving",
    "my",
    "burden",
    "hopeless",
    "trapped",
    "numb",
    "future",
    "no",
    "way",
    "out",
    "wish",
    "wake",
    "up",
    "but",
    ",",
    ".",
    "wanttodie",
    "weekend",
    "will",
    "thinking",
    "about",
    "ending",
    "cut",
    "again",
]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=16).map(" ".join)
    | st.text(max_size=80)
    | st.sampled_from(SHORT)
)
def test_fast_path_agrees_with_the_definition(text: str) -> None:
    expected = RULES.assess_everywhere(RULES.neutralise(text)) if text.strip() else RULES.assess()
    assert RULES.assess(text) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CRISIS), st.lists(st.sampled_from(FILLER), min_size=4, max_size=60), st.data())
def test_a_signal_in_the_middle_of_a_long_vent_still_trips(signal: str, filler: list[str], data: st.DataObject) -> None:
    where = data.draw(st.integers(0, len(filler)))
    sentences = [*filler[:where], signal.rstrip(".!?") + ".", *filler[where:]]
    vent = " ".join(sentences)
    assert RULES.assess(vent).is_crisis, (signal, where)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(FILLER), min_size=1, max_size=60))
def test_long_benign_vents_stay_benign(filler: list[str]) -> None:
    assert RULES.assess(" ".join(filler)).tier is Tier.BENIGN


def _reformat(text: str, data: st.DataObject) -> str:
    """The same words in other case, with other horizontal whitespace and curly quotes."""
    chars = []
    for char in text:
        if char == " ":
            chars.append(data.draw(st.sampled_from([" ", "  ", "\t", "\u00a0", " \u3000 "])))
        elif char == "'":
            chars.append(data.draw(st.sampled_from(["'", "\u2019", "\u2018", "\u02bc"])))
        elif char.isalpha():
            chars.append(char.upper() if data.draw(st.booleans()) else char.lower())
        else:
            chars.append(char)
    return data.draw(st.sampled_from(["", " ", "\u200b"])) + "".join(chars)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SHORT), st.data())
def test_case_whitespace_and_curly_quotes_do_not_change_the_tier(text: str, data: st.DataObject) -> None:
    assert RULES.assess(_reformat(text, data)).tier is RULES.assess(text).tier
