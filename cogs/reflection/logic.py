"""The reflection's rules: splitting answers into items, reading "where", and choosing what is reflected back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.content import load_content
from bot.storage.checkins import Checkin
from bot.text import visible

NOTHING_GOOD_TOPIC = "reflect:nothing_good"
MAX_ITEMS = 25
MAX_ITEM_LENGTH = 300
MAX_WHERE = 100
QUOTE_LIMIT = 160
# Bullets and list numbers people type at the start of a line: "-", "*", "•", "1.", "2)", "(3)".
BULLET = re.compile(r"^\s*(?:[-*•·‣◦–—>]+|\(?\d{1,2}[.):]|\(\d{1,2}\))\s*")
# A new item starts after a question mark (several questions on one line) or a semicolon.
ITEM_BREAK = re.compile(r"(?<=[?？])\s+|;\s*")
# Answers that mean "nothing here" rather than a question.
NOTHING = {"", "none", "n/a", "na", "nothing", "no", "nope", "-", "nil", "not really", "idk", "none really"}
# Where one answer turns from one thing to another: "I froze, but my intro landed", "nothing except the intro".
CONTRAST = re.compile(
    r"\s*(?:,\s*)?\b(?:but|although|though|however|except(?: for| that)?|apart from|other than)\b\s*",
    re.IGNORECASE,
)
# Words that carry no meaning of their own in a short answer ("Honestly nothing", "not much tbh").
FILLER = re.compile(
    r"(?<= )(?:to be (?:honest|fair)|honestly|tbh|ngl|really|sadly|unfortunately|i guess|i think|i suppose|"
    r"i mean|well|um+|uh+|hm+|erm|lol|haha|just|so|truly|literally|pretty much|kind of|kinda|sort of|at all|"
    r"oh|okay|ok|yeah|yes|if i'?m honest|in all honesty|overall|all in all|today|this time|either)(?= )"
)
# Whole answers that say "nothing", or shrug.
NOTHING_GOOD = re.compile(
    r"(?:no+|nope|nah|na|none|nothing|nothin|nada|zilch|zero|nil|null|meh|idk|dunno|pass|skip|blank|whatever|"
    r"nothing much|not much|not a lot|not a thing|not anything|not really|not sure|no idea|no clue|"
    r"hardly anything|barely anything|very little|little|not applicable|none of it|nothing comes to mind|"
    r"i don'?t know|i do not know|don'?t know|can'?t think of anything|cannot think of anything|"
    r"i can'?t think of anything|i have no idea|nothing i can think of|not one thing|no comment|"
    r"same as always|n a|tbd|\?+|x+)"
)
# A negation of success or self-criticism anywhere in a clause: "nothing went well", "I bombed all of it".
_BAD = (
    r"terrible|awful|horrible|horrendous|bad|dreadful|useless|hopeless|rubbish|garbage|trash|stupid|dumb|"
    r"pathetic|embarrassing|a mess|a wreck|a disaster|a failure|a fool|an idiot|a joke|so nervous|nervous|"
    r"anxious|unprepared|underprepared|out of my depth|not good enough|not ready|worthless|incompetent|"
    r"the worst|a train ?wreck|a car crash|a nightmare|cringe|mortifying"
)
_FAILED = (
    r"bombed|blew it|blew everything|tanked|flopped|choked|froze|failed|flunked|messed up|messed it up|"
    r"messed everything up|screwed up|screwed it up|stuffed up|stuffed it up|mucked up|fumbled|rambled|"
    r"sucked|fell apart|panicked|blanked|stumbled|struggled|embarrassed myself|humiliated myself|"
    r"made a fool of myself|ruined it|ruined everything|couldn'?t answer|could not answer"
)
# "It didn't go badly", "I wasn't terrible": a bad word negated is not self-criticism.
NEGATED_BAD = re.compile(
    r"\b(?:didn'?t|did not|wasn'?t|was not|weren'?t|never|not)\s+(?:go\s+|went\s+|as\s+|that\s+|too\s+|so\s+)*"
    r"(?:badly|bad|wrong|terribly|terrible|awful|awfully|horribly|horrible)\b"
)
NOT_GOOD = re.compile(
    r"\b(?:"
    r"(?:nothing|none of it|not one thing|not a single thing|no part of it|not much|little|nothing at all)\s+"
    r"(?:went|was|felt|seemed|got|turned out|worked|landed|came out)"
    r"|(?:didn'?t|did not|never|wouldn'?t say it|doesn'?t feel like it|don'?t think it|can'?t say it)\s+"
    r"(?:go|went|goes|feel|felt|work|worked|land|landed|do)\b"
    r"|(?:went|go|going|gone|was|were)\s+(?:badly|terribly|horribly|awfully|wrong|poorly|south|downhill|bad)"
    r"|(?:everything|it all|all of it|the whole thing|the whole interview|the interview|it)\s+(?:was|went)\s+"
    r"(?:wrong|bad|badly|awful|terrible|horrible|a disaster|a mess|a nightmare|a failure)"
    r"|i\s*(?:was|am|'m|im|felt|feel|looked|sounded|seemed|came across as|came off as)\s+(?:so |really |very |"
    r"completely |totally |just |such |absolutely )*(?:" + _BAD + r")\b"
    r"|i\s*(?:'m|am|im)\s+(?:such |so )?(?:a failure|an idiot|useless|hopeless|terrible|awful|bad at this)"
    r"|i\s+(?:totally |completely |just |really |kind of |basically |absolutely |so )*(?:" + _FAILED + r")\b"
    r"|(?:" + _FAILED + r")\s+(?:all of it|everything|the whole thing|it all|every (?:question|answer))"
    r"|(?:total|complete|utter|absolute)\s+(?:failure|disaster|mess|trainwreck|train wreck)"
    r"|(?:it|that|the interview|the whole thing)\s+(?:was\s+)?(?:a )?(?:disaster|trainwreck|train wreck)"
    r")"
)
UNESCAPE = re.compile(r"\\([\\*_`~|>#\[\]()-])")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# "Data Analyst at Acme" or "Acme, Data Analyst" / "Acme - Data Analyst" / "Acme | Data Analyst".
ROLE_AT_COMPANY = re.compile(r"^(?P<role>.+?)\s+(?:at|@)\s+(?P<company>.+)$", re.IGNORECASE)
COMPANY_SEP_ROLE = re.compile(r"^(?P<company>.+?)\s*(?:,|\s[-–—|/]\s)\s*(?P<role>.+)$")


def words() -> dict[str, Any]:
    """The reflection's wording, from data/reflection.toml."""
    return load_content("reflection")


def split_items(text: str | None) -> list[str]:
    """Split an answer into items: one per line, bullet, or question-mark sentence; blanks and dupes dropped."""
    if not text:
        return []
    items: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        for piece in ITEM_BREAK.split(BULLET.sub("", line)):
            item = " ".join(BULLET.sub("", piece).split()).strip(" ,.;:-–—")
            if piece.rstrip().endswith(("?", "？")) and not item.endswith(("?", "？")):
                item += "?"
            key = item.casefold().rstrip("?.! ")
            if key in NOTHING or len(key) < 3 or key in seen:
                continue
            seen.add(key)
            items.append(item[:MAX_ITEM_LENGTH])
            if len(items) >= MAX_ITEMS:
                return items
    return items


def plain(text: str | None) -> str:
    """Undo Discord markdown escaping (check-in fields are stored escaped) for labels and quotes."""
    return UNESCAPE.sub(r"\1", text or "")


def choice_label(checkin: Checkin) -> str:
    """How a check-in appears in the autocomplete list: what it was, and the date."""
    day = checkin.created_at
    label = f"{plain(checkin.describe())} · {day.day} {day:%b %Y}"
    return label if len(label) <= 100 else label[:99] + "…"


def modal_title(about: str | None) -> str:
    """The reflection modal's title, cut to Discord's 45 characters."""
    text = words()["modal"]
    title = str(text["about_title"].format(about=about) if about else text["title"])
    return title if len(title) <= 45 else title[:44] + "…"


def parse_where(text: str | None) -> tuple[str | None, str | None]:
    """Read "Acme, Data Analyst" or "Data Analyst at Acme" as (company, role); anything else is the company."""
    cleaned = " ".join((text or "").split())[:MAX_WHERE]
    if not cleaned:
        return None, None
    match = ROLE_AT_COMPANY.match(cleaned)
    if match:
        return match["company"].strip(), match["role"].strip()
    match = COMPANY_SEP_ROLE.match(cleaned)
    if match:
        return match["company"].strip(), match["role"].strip()
    return cleaned, None


def first_point(text: str | None, limit: int = QUOTE_LIMIT) -> str | None:
    """The first concrete point of an answer (first line / bullet / sentence), trimmed to fit a quote."""
    items = split_items(text)
    if not items:
        return None
    # One concrete thing: the first real sentence (three words or more), not a whole paragraph.
    point = next((sentence for sentence in SENTENCE_END.split(items[0]) if len(sentence.split()) >= 3), items[0])
    if len(point) > limit:
        point = point[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    point = point.rstrip(" .")
    return point if visible(point) else None  # nothing readable (only invisible characters) is no point at all


@dataclass(frozen=True)
class Line:
    """One line of the reply: a wording topic, its variants, and the member's own words to quote in it."""

    topic: str
    variants: list[str]
    quoted: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def went_well_point(text: str | None, limit: int = QUOTE_LIMIT) -> str | None:
    """The first part of a "what went well" answer that names something good, or None when none does.

    None for an empty, placeholder ("n/a", "-", "idk"), dismissive ("not much, to be honest") or negative answer
    ("nothing went well", "I bombed all of it"): those are answered honestly, never praised as a strength.
    """
    candidates = [
        clause.strip(" ,.;:!-–—")
        for item in split_items(text)
        for sentence in SENTENCE_END.split(item)
        for clause in CONTRAST.split(sentence)
        if not is_nothing_good(clause)
    ]
    candidates = [clause for clause in candidates if visible(clause)]
    if not candidates:
        return None
    point = next((clause for clause in candidates if len(clause.split()) >= 3), candidates[0])
    if len(point) > limit:
        point = point[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    return point


def is_nothing_good(text: str | None) -> bool:
    """True when an answer (or one clause of it) names nothing that went well: empty, a placeholder, a shrug,
    a negation of success or self-criticism."""
    core = _normalised(text)
    return not core or bool(NOTHING_GOOD.fullmatch(core)) or bool(NOT_GOOD.search(NEGATED_BAD.sub("fine", core)))


def _normalised(text: str | None) -> str:
    """Lower case, curly apostrophes straightened, punctuation and filler words ("honestly", "tbh") dropped."""
    lowered = (text or "").casefold().replace("’", "'").replace("n/a", "na")
    spaced = " ".join(re.sub(r"[^\w' ]+", " ", lowered).replace("_", " ").split())
    return " ".join(FILLER.sub(" ", f" {spaced} ").split())


def small_thing(*, stage: str | None, has_questions: bool, has_practise: bool) -> str:
    """One small thing the member did do, for an answer that named nothing good: the stage they reached if known,
    else the preparing they just did, else that they showed up."""
    did = words()["did"]
    if stage and stage in did["stage"]:
        return str(did["stage"][stage])
    if has_questions:
        return str(did["questions"])
    if has_practise:
        return str(did["practise"])
    return str(did["showed_up"])


def reflect_back(
    *,
    went_well: str,
    practise_next: str | None,
    do_differently: str | None,
    hard_questions: list[str],
    stage: str | None = None,
) -> tuple[Line, Line]:
    """One concrete thing they did well and one next step, both drawn from what they wrote.

    An answer that names nothing good gets an honest, kind line and one small thing they did (never praise).
    """
    text = words()
    thing = went_well_point(went_well)
    if thing:
        well = Line("reflect:went_well", text["went_well"], {"thing": thing})
    else:
        practise = bool(first_point(practise_next))
        did = small_thing(stage=stage, has_questions=bool(hard_questions), has_practise=practise)
        well = Line(NOTHING_GOOD_TOPIC, text["nothing_good"], values={"did": did})
    step = first_point(practise_next)
    if step:
        return well, Line("reflect:practise", text["practise_step"], {"step": step})
    if hard_questions:
        question = first_point(hard_questions[0]) or hard_questions[0]
        return well, Line("reflect:question", text["question_step"], {"question": question})
    change = first_point(do_differently)
    if change:
        return well, Line("reflect:change", text["change_step"], {"change": change})
    return well, Line("reflect:fallback", text["fallback_step"])
