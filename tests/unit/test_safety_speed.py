"""The safety assessment's shortcuts read text exactly as their definitions do: one normalisation for both layers,
the model's tokeniser in C, the fast path's bits (bot/safety/gating.py) and its loosened searches."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety import load_safety_rules, matchable_text
from bot.safety.gating import bit_positions
from bot.safety.model import Tokens, tokens_of
from bot.safety.normalise import _INSIDE_A_NUMBER, _LINE_BREAKS, both_forms
from bot.safety.spans import loosened

RULES = load_safety_rules()
# Characters that normalising, line breaks, clause breaks and tokenising treat specially, and some that are not.
TRICKY = [
    *"aZ9 ,.:;!?'`_-\t\n\r\x0b\x0c\x00",
    "\x85",
    "\u2028",
    "\u2029",
    "\u2026",
    "\u2019",
    "\u201c",
    "\u00e9",
    "e\u0301",
    "\u00df",
    "\u0130",
    "\ufb01",
    "\u200b",
    "\u00a0",
    "\u3000",
    "\u0661",
    "\u00b2",
    "\u2160",
    "\U0001f602",
    "\ud800",
]
TEXTS = st.lists(st.sampled_from(TRICKY), max_size=24).map("".join) | st.text(max_size=40)

_SENTENCE_END = re.compile(r"[.!?;:\u2026]+")
_WORD = re.compile(r"[^\W_]+")


def _tokens_by_regex(matchable: str) -> Tokens:
    """The definition the model was trained with: sentences split by _SENTENCE_END, words found by _WORD."""
    words: list[str] = []
    joined: list[bool] = []
    starts: list[int] = []
    for sentence in _SENTENCE_END.split(matchable):
        found = _WORD.findall(sentence)
        if found:
            starts.append(len(words))
            joined.extend([False] + [True] * (len(found) - 1))
            words.extend(found)
    return Tokens(tuple(words), tuple(joined), tuple(starts))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_one_normalisation_gives_both_layers_their_text(text: str) -> None:
    grammar, model = both_forms(text)
    assert grammar == matchable_text(_LINE_BREAKS.sub(" , ", text)) == RULES.normalise(text)
    assert model == matchable_text(_LINE_BREAKS.sub(" . ", text))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_the_tokeniser_finds_the_words_and_sentences_the_regexes_do(text: str) -> None:
    assert tokens_of(text) == _tokens_by_regex(text)
    assert tokens_of(text.upper()) == _tokens_by_regex(text.upper())


@given(st.lists(st.sampled_from(list("0123456789.:a ")), max_size=16).map("".join))
def test_a_dot_inside_a_number_is_found_as_before(text: str) -> None:
    assert _INSIDE_A_NUMBER.sub("h", text) == re.sub(r"(?<=\d)[.:](?=\d)", "h", text)


@given(st.integers(min_value=0, max_value=1 << 3000))
def test_bit_positions(mask: int) -> None:
    assert bit_positions(mask) == [bit for bit in range(mask.bit_length()) if mask >> bit & 1]


def test_bits_say_which_concept_words_and_concepts_may_be_there() -> None:
    """Every word of a concept all of whose sets of required strings are among some strings, and no other."""
    layout = RULES._layout
    assert RULES.analysis is not None
    gating = RULES.analysis.gating
    spare = {name: bit for bit, name in layout.concept_at.items()}
    literals = sorted(layout.literal_bits)
    for seed in range(200):
        chosen = set(literals[seed::97][: 1 + seed % 40])
        bits = 0
        for literal in chosen:
            bits |= layout.literal_bits[literal]
        words = layout.words_present(bits)
        assert layout.all_words_present([bits, 0, bits]) == [words, 0, words]
        present = set(bit_positions(layout.concepts_present(words)))
        for name, (start, firsts) in layout.regions.items():
            expected = {
                number
                for number, (sets, _) in enumerate(gating[name])
                if all(not chosen.isdisjoint(strings) for strings in sets)
            }
            here = (words >> start) & firsts
            assert {layout.word_numbers[name][offset] for offset in bit_positions(here)} == expected, name
            assert (spare[name] in present) == bool(expected), name


def test_a_loosened_pattern_drops_only_a_leading_word_boundary() -> None:
    assert loosened(re.compile(r"\b(?:die|dying)\b")).pattern == r"(?:die|dying)\b"
    plain = re.compile(r"(?:die)")
    assert loosened(plain) is plain
