"""Safety assessment: does anything a member typed call for care, and how much?

A package: normalise (text folding), tiers, required (required strings), grammar (rules and their compilation),
assess (SafetyRules and the fast path), whose (negation scope, and whether a match is someone else's: a friend's
words, a quotation after their "said", a story), loader (data/safety.toml), model (the trained second layer) and
corpus (labelled phrasings and their evaluation).

Three tiers, ordered so that the worst of several is their max():

* CRISIS: a wish to die, thoughts of suicide, a method, intent, a plan, preparations, a past attempt said to be
  coming back, or self-harm. The categories follow the Columbia Suicide Severity Rating Scale (C-SSRS) screen.
* CONCERN: hopelessness, being a burden, feeling trapped or empty, no future; no stated wish to die.
* BENIGN: everything else, including the figures of speech of job hunting ("this market is killing me").

The words live in data/safety.toml, reviewed like code, as a small grammar: *concepts* are lexicons of words and
phrases (desire, death, means, time-now, negation...), and *rules* combine concepts within one clause, e.g.
``desire filler{0,4} death``. Text is normalised, figures of speech are blanked out, then each rule is searched;
a rule's match is dropped when a negation governs it ("I'm not suicidal", "I would never hurt myself") but a
negation never reaches past a comma or a "but". The member's text is never logged: only the rule and category.

Speed (assess_normalised): the text is cut into clauses; each clause's distinct words are looked up once in a
cache of which required strings (worked out at load time from each concept's words) they hold, as bits
(gating.py), and a clause's bits are the OR of its words'. From that, where each concept may be; a rule is only
searched in a clause where each of its steps' concepts may be and has been found by a search of the concept alone,
each search starting where the pattern without its leading \\b first matches (found in C). The result is the same
as searching every rule everywhere (assess_everywhere), which tests/unit/test_safety_fast_path.py checks. The text
is normalised once for the grammar and the model (normalise.both_forms).
"""

from bot.safety.assess import SafetyRules
from bot.safety.grammar import MAX_GAP, REQUIRED_CONCEPTS, Rule, compile_match
from bot.safety.loader import DEFAULT_SAFETY_PATH, default_safety_rules, load_safety_rules
from bot.safety.normalise import PLACEHOLDER, SEP, matchable_text, normalise_text
from bot.safety.required import required_strings
from bot.safety.tiers import BENIGN, CONCERN_CATEGORIES, CRISIS_CATEGORIES, NOT_A_CRISIS, SafetyAssessment, Tier

__all__ = [
    "BENIGN",
    "CONCERN_CATEGORIES",
    "CRISIS_CATEGORIES",
    "DEFAULT_SAFETY_PATH",
    "MAX_GAP",
    "NOT_A_CRISIS",
    "PLACEHOLDER",
    "REQUIRED_CONCEPTS",
    "SEP",
    "Rule",
    "SafetyAssessment",
    "SafetyRules",
    "Tier",
    "compile_match",
    "default_safety_rules",
    "load_safety_rules",
    "matchable_text",
    "normalise_text",
    "required_strings",
]
