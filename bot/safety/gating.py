"""The fast path's gate as bits: which words of which concepts, and which idioms, each span of a text may hold.

Every (concept, word, set of required strings) has one bit: a concept's words side by side, a word's sets next to
each other, and one spare bit after each concept; the idioms' bits come after all of them. A word of text holds the
bits of the required strings inside it, and a span the OR of its words' bits, worked out in one C-level reduce.
From a span's integer a few operations give every concept word whose sets all occur there (its first bit AND the
next one or two) and every concept with such a word (adding all ones to a concept's bits carries into its spare bit
only when one of them is set). The same answers as one set update per (span, word, required string), in far fewer
Python steps. See SafetyRules.assess_normalised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import reduce
from operator import or_

from bot.safety.normalise import _WORD_CACHE_SIZE


def bit_positions(mask: int) -> list[int]:
    """The positions of a mask's set bits, lowest first."""
    found: list[int] = []
    while mask:
        top = mask.bit_length() - 1
        found.append(top)
        mask ^= 1 << top
    found.reverse()
    return found


class WordBits(dict[str, int]):
    """word -> the bits of the required strings inside it; a word not seen yet is worked out and kept (bounded).

    A dict, so a span's words are looked up by map() in C; a miss calls __missing__.
    """

    __slots__ = ("_work_out",)

    def __init__(self, work_out: Callable[[str], int]) -> None:
        super().__init__()
        self._work_out = work_out

    def __missing__(self, word: str) -> int:
        bits = self._work_out(word)
        if len(self) >= _WORD_CACHE_SIZE:
            self.clear()
        self[word] = bits
        return bits


class Layout:
    """Where each (concept, word, set) and each idiom has its bit, and the masks that read a span's bits."""

    __slots__ = (
        "add",
        "concept_at",
        "concept_bits",
        "firsts",
        "guards",
        "idiom_shift",
        "literal_bits",
        "regions",
        "word_numbers",
    )

    def __init__(
        self,
        set_counts: Mapping[tuple[str, int], int],
        alternatives_by_literal: Mapping[str, Iterable[tuple[str, int, int]]],
        idioms_by_literal: Mapping[str, Iterable[int]],
    ) -> None:
        position = 0
        key_bit: dict[tuple[str, int, int], int] = {}
        # first bits of the words with 1, 2, 3... sets
        firsts: dict[int, int] = {}
        self.add = self.guards = 0
        self.concept_at: dict[int, str] = {}  # spare bit -> concept
        # concept -> (its first bit, the mask of its words' first bits from there)
        self.regions: dict[str, tuple[int, int]] = {}
        # concept -> the word number at each first bit (counted from the concept's first bit)
        self.word_numbers: dict[str, dict[int, int]] = {}
        words_of: dict[str, list[int]] = {}
        for name, number in sorted(set_counts):
            words_of.setdefault(name, []).append(number)
        for name, numbers in words_of.items():
            start = position
            region_firsts = 0
            offsets: dict[int, int] = {}
            for number in numbers:
                count = set_counts[name, number]
                firsts[count] = firsts.get(count, 0) | 1 << position
                region_firsts |= 1 << (position - start)
                offsets[position - start] = number
                for set_number in range(count):
                    key_bit[name, number, set_number] = position
                    position += 1
            # All ones over the concept's bits: a carry into the spare bit when any first bit is set.
            self.add |= ((1 << (position - start)) - 1) << start
            self.guards |= 1 << position
            self.concept_at[position] = name
            self.regions[name] = (start, region_firsts)
            self.word_numbers[name] = offsets
            position += 1
        self.concept_bits = (1 << position) - 1
        self.firsts = tuple(sorted(firsts.items()))
        self.idiom_shift = position
        literal_bits: dict[str, int] = {}
        for literal, keys in alternatives_by_literal.items():
            literal_bits[literal] = reduce(or_, (1 << key_bit[key] for key in keys), 0)
        for literal, indexes in idioms_by_literal.items():
            bits = reduce(or_, (1 << (position + index) for index in indexes), 0)
            literal_bits[literal] = literal_bits.get(literal, 0) | bits
        self.literal_bits = literal_bits

    def words_present(self, bits: int) -> int:
        """The first bits of every concept word all of whose sets have a bit set in `bits`."""
        present = 0
        run = bits  # bit p set when bits p .. p+done-1 all are (a word's sets are side by side)
        done = 1
        for count, first in self.firsts:
            for shift in range(done, count):
                run &= bits >> shift
            done = count
            present |= first & run
        return present

    def all_words_present(self, spans: list[int]) -> list[int]:
        """words_present() of each span's bits, in one comprehension when words have at most three sets (always, as
        required.py finds them)."""
        counts = dict(self.firsts)
        if not set(counts) <= {1, 2, 3}:
            return [self.words_present(bits) for bits in spans]
        one, two, three = counts.get(1, 0), counts.get(2, 0), counts.get(3, 0)
        return [bits & one | (pair := bits & bits >> 1) & two | pair & bits >> 2 & three for bits in spans]

    def concepts_present(self, words: int) -> int:
        """The spare bits of the concepts with a word among `words` (first bits, see words_present)."""
        return (words + self.add) & self.guards
