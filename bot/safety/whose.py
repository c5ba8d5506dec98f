"""Whose words a match is, and whether a negation governs it: the checks every rule match passes before it counts
(SafetyRules inherits them; see bot/safety/assess.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.safety.grammar import Rule
from bot.safety.normalise import _HARD_BREAK, _NEGATION_REACH, _SCOPE_BREAK

# The categories a report of someone else can carry ("my brother wants to die", "she has been cutting"). Not a
# passive wish, a means, a plan or a preparation: "they'd be fine with the payout", "my dad's gun is in the
# closet", "my parents are away on saturday" and "my sister will have the dog if anything happens" are the
# member's own risk, said with someone else as the subject.
_TOLD_OF_OTHERS = frozenset(
    {"active_wish", "suicidal_thoughts", "intent", "past_attempt", "self_harm"}
    | {"hopelessness", "burden", "trapped", "empty", "no_future"}
)
# How far back a match's clause is read for who it is about.
_ABOUT_REACH = 200


class WhoseWords:
    """Negation scope and who a match is about, read off the grammar's concepts (someone_else, told_in_a_story,
    he_or_she, speech_verb, reported_to_me, first_person, when data/safety.toml defines them)."""

    concepts: Mapping[str, re.Pattern[str]]
    concept_sources: Mapping[str, tuple[str, ...]]
    negation_tail: re.Pattern[str]
    _whole_word_patterns: dict[str, re.Pattern[str]]

    def _matches(self, rule: Rule, prepared: str, start: int, end: int) -> bool:
        """Whether the rule has a match between start and end that no negation governs and that is about the
        member, not only about someone else."""
        return any(
            not (rule.negatable and self.negated(prepared, match.start()))
            and not self.about_someone_else(prepared, match.start(), match.end(), rule.category in _TOLD_OF_OTHERS)
            for match in rule.pattern.finditer(prepared, start, end)
        )

    def about_someone_else(self, prepared: str, start: int, end: int, person: bool = True) -> bool:
        """Whether the match is told of someone else: its clause opens with another person (`person`: only for the
        categories in _TOLD_OF_OTHERS) or with a story, a show or the news (any category: a character's goodbye
        letters are never the member's), and neither that nor the match says I, me or myself.

        Only clear third-person reports are set aside; "my mum said I'd be better off dead" still counts, and so
        does anything where the member is in the words at all.
        """
        if "first_person" not in self.concept_sources:
            return False
        clause_start = max(0, start - _ABOUT_REACH)
        for hard_break in _HARD_BREAK.finditer(prepared, clause_start, start):
            clause_start = hard_break.end()
        before = prepared[clause_start:start]
        if self._quoted_from_someone_else(before):
            return True
        opening = len(before) - len(before.lstrip(" ,"))
        if not self._opens_with("told_in_a_story", before, opening):
            opener = self._opens_with("someone_else", before, opening)
            if opener is None:
                return False
            # Means, plans and preparations said with someone else as the subject are often the member's own ("my
            # dad's gun is in the closet"): theirs only when he or she is the one doing it.
            if not person and self._opens_with("he_or_she", before, opening) is None:
                he_or_she = self.concepts.get("he_or_she")
                if he_or_she is None or he_or_she.search(before, opener.end()) is None:
                    return False
        if "reported_to_me" in self.concept_sources:  # "she told me she wants to die", "a book I'm reading": I listen
            before = self.concepts["reported_to_me"].sub(" ", before)
        first_person = self._whole_words("first_person")  # "me", never the start of "memoir"
        return first_person.search(before) is None and first_person.search(prepared, start, end) is None

    def _opens_with(self, name: str, before: str, opening: int) -> re.Match[str] | None:
        """The named concept's match at the opening of a clause, if the grammar has that concept."""
        pattern = self.concepts.get(name)
        return None if pattern is None else pattern.match(before, opening)

    def _quoted_from_someone_else(self, before: str) -> bool:
        """Whether the text before a match opens a quotation after someone else's words of saying ("my student said
        "i'll just..."): the I inside is theirs. The member quoting themselves ("I said "...") is not."""
        if before.count('"') % 2 == 0 or "speech_verb" not in self.concepts:
            return False
        head = before[: before.rfind('"')]
        opening = len(head) - len(head.lstrip(" ,"))
        if self._opens_with("someone_else", head, opening) is None and not self._opens_with(
            "told_in_a_story", head, opening
        ):
            return False
        if self.concepts["speech_verb"].search(head) is None:
            return False
        if "reported_to_me" in self.concept_sources:
            head = self.concepts["reported_to_me"].sub(" ", head)
        return self._whole_words("first_person").search(head) is None

    def _whole_words(self, name: str) -> re.Pattern[str]:
        """A concept matched only as whole words (concepts only promise to start a word)."""
        pattern = self._whole_word_patterns.get(name)
        if pattern is None:
            pattern = self._whole_word_patterns[name] = re.compile(rf"(?:{self.concepts[name].pattern})\b")
        return pattern

    def negated(self, prepared: str, position: int) -> bool:
        """Whether a negation governs the words starting at `position` ("I'm not | suicidal")."""
        before = prepared[max(0, position - _NEGATION_REACH) : position]
        scope_start = 0
        for scope_start_match in _SCOPE_BREAK.finditer(before):
            scope_start = scope_start_match.end()
        return self.negation_tail.search(before, scope_start) is not None
