"""Text as the safety grammar and model read it: quotes folded, NFKC, casefolded, apostrophes dropped; the characters
that separate words and end clauses; the placeholder idioms are blanked with."""

from __future__ import annotations

import re
import unicodedata

# What a matched idiom is replaced with: underscores as long as the idiom, between spaces, so it can neither
# complete a phrase nor glue the words on either side of it together (no rule may match or step over an
# underscore), and every other word keeps its position.
PLACEHOLDER = " _ "


def _placeholder(match: re.Match[str]) -> str:
    length = match.end() - match.start()
    return "_" * length if length < 3 else " " + "_" * (length - 2) + " "


_APOSTROPHES = "\u2018\u2019\u201a\u201b\u2032\u02bc\u02bb\u00b4\u0060\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02"
_QUOTES = str.maketrans({**dict.fromkeys(_APOSTROPHES, "'"), **dict.fromkeys(_DOUBLE_QUOTES, '"')})
# Zero-width and invisible formatting characters people (or keyboards) slip between letters.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"))
_QUOTE_CHARS = re.compile(f"[{re.escape(_APOSTROPHES + _DOUBLE_QUOTES)}]")
_INVISIBLE_OR_QUOTE_CHARS = re.compile(f"[{re.escape(_APOSTROPHES + _DOUBLE_QUOTES + ''.join(map(chr, _INVISIBLE)))}]")
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"[\n\r\u2028\u2029\x0b\x0c\x85]+")
_LINE_BREAK_CHARS = "\n\r\u2028\u2029\x0b\x0c\x85"  # what _LINE_BREAKS matches
# Where a run of line breaks was, in text normalised once for both the grammar (which reads a line break as a comma)
# and the model (as a sentence end): a character normalising leaves as it is, between spaces like either.
_BREAK_MARK = "\x00"
_ESCAPE = re.compile(r"\\.")
# A . or : with a digit either side; written to start with the [.:] so a search skips to those characters in C.
_INSIDE_A_NUMBER = re.compile(r"[.:](?<=\d[.:])(?=\d)")

# Characters that separate words inside a clause, and those that end a clause. A rule never reaches across
# the end of a clause; a negation never reaches across a comma or a "but" either (see _SCOPE_BREAK).
_SEP_CHARS = r"\s,\-\u2013\u2014/*\"()\[\]~"
_HARD_CHARS = r".!?;:\u2026"
SEP = f"[{_SEP_CHARS}]"
_HARD_BREAK = re.compile(f"[{_HARD_CHARS}]")
_SCOPE_BREAK = re.compile(rf"[{_HARD_CHARS},]|\b(?:but|though|although|however|except|yet)\b")
# How far back (in characters) a negation is looked for before a match.
_NEGATION_REACH = 80
# How far from a required string a rule's match may reach, when a clause is longer than that.
_REACH = 250
_WORD_CACHE_SIZE = 50_000


def normalise_text(text: str) -> str:
    """Fold text for matching: straight quotes, NFKC, casefolded, no zero-width characters, single spaces."""
    if text.isascii():  # most text: nothing to fold or remove, and casefold() is lower() here; ` is a quote
        return " ".join(text.replace("`", "'").lower().split())
    # Quotes first: NFKC would turn an acute accent (´) into a space and a combining mark. (A search, then a
    # translation only when there is something to translate: str.translate is slow on non-ASCII text.)
    if _QUOTE_CHARS.search(text):
        text = text.translate(_QUOTES)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    if _INVISIBLE_OR_QUOTE_CHARS.search(text):
        text = text.translate(_INVISIBLE).translate(_QUOTES)
    # str.split() splits on exactly the characters \s matches, and much faster than a regex substitution.
    return " ".join(text.split())


def matchable_text(text: str) -> str:
    """The form patterns are written against: normalised, with apostrophes dropped ("can't" -> "cant"), and a . or :
    between digits (a time, 6:15; a number, 2.5) made part of the number, so it does not end the clause."""
    text = normalise_text(text).replace("'", "")
    return _INSIDE_A_NUMBER.sub("h", text) if ":" in text or "." in text else text


def has_line_break(text: str) -> bool:
    """Whether the text has a line break (a character _LINE_BREAKS matches): a few searches in C, not a regex scan."""
    return any(char in text for char in _LINE_BREAK_CHARS)


def both_forms(text: str) -> tuple[str, str]:
    """The text as the grammar reads it (matchable_text() with line breaks as commas) and as the model does (as
    sentence ends), normalised once: the two only differ where the line breaks were."""
    if not has_line_break(text):
        same = matchable_text(text)
        return same, same
    if _BREAK_MARK in text:
        return matchable_text(_LINE_BREAKS.sub(" , ", text)), matchable_text(_LINE_BREAKS.sub(" . ", text))
    marked = matchable_text(_LINE_BREAKS.sub(f" {_BREAK_MARK} ", text))
    return marked.replace(_BREAK_MARK, ","), marked.replace(_BREAK_MARK, ".")
