"""The analyser's vocabulary: the phrases that suggest each STAR part, figures, hedges, fillers and habits.

Answers are folded to lower case with straight quotes before matching (see `analysis.prepare`). Each pattern
errs towards finding too little rather than too much: a missed cue costs a suggestion, a false one costs trust.
"""

from __future__ import annotations

import re


def compile_all(*sources: str) -> tuple[re.Pattern[str], ...]:
    """Compile several patterns at once."""
    return tuple(re.compile(source) for source in sources)


PAST_VERBS = (
    r"[a-z]+ed|built|wrote|rewrote|led|ran|made|took|spoke|met|set|brought|found|began|drove|gave|chose|taught"
    r"|put|told|did|got|kept|sent|went|sat|broke|drew|held|paid|sold|won|oversaw|sought|stood|shared|dug"
    r"|split|cut|fought|flew|read|rang|sped|spent|struck|swapped|thought|threw|understood|undertook|rebuilt"
)
# "I wanted", "I needed" and friends describe a state of mind, not something the member did.
NOT_ACTIONS = frozenset(
    {
        "wanted",
        "needed",
        "liked",
        "loved",
        "hoped",
        "guessed",
        "supposed",
        "believed",
        "seemed",
        "used",
        "learned",
        "hated",
        "feared",
        "worried",
        "cared",
        "preferred",
        "enjoyed",
        "wished",
        "missed",
        "failed",
    }
)
ACTION_PAST = re.compile(
    r"\bi (?:then |first |also |quickly |immediately |personally |eventually |finally |later |instead |"
    r"actually |just |carefully |calmly )?(" + PAST_VERBS + r")\b"
)
# Team actions ("we rebuilt") still count as the action part; the ownership check says whose part it was.
TEAM_ACTION_PAST = re.compile(
    r"\bwe (?:then |first |also |quickly |immediately |eventually |finally |all )?(" + PAST_VERBS + r")\b"
)
ACTION_EXTRA = compile_all(r"\bmy first step was\b", r"\bso i (?:went|asked|called|decided|set|started)\b")
ACTION_HYPOTHETICAL = compile_all(
    r"\bi(?:'d| would| will|'ll) (?:first |then |also |probably |start by |begin by |try to )?[a-z]{3,}",
    r"\bmy first (?:step|move|priority) would be\b",
    r"\b(?:first|firstly|then|next|after that|finally),? i(?:'d| would)\b",
)

CUES: dict[str, tuple[re.Pattern[str], ...]] = {
    "situation": compile_all(
        r"\b(?:in|at|during) my (?:last|previous|first|current|old|former|second|third) (?:job|role|position|"
        r"company|team|internship|placement|year|semester|employer|workplace)\b",
        r"\b(?:in|at|during) my (?:last|previous|first|current|old|former) [a-z]+\b",
        r"\b(?:in|on|during|spent) my (?:placement|internship|apprenticeship|degree|course|studies|gap year|"
        r"time at)\b",
        r"\bwhen i (?:was|worked|joined|started|moved|took over)\b",
        r"\bwhile (?:i was|working|at|studying)\b",
        r"\b(?:last|this|that|one) (?:year|month|week|summer|spring|autumn|fall|winter|quarter|term)\b",
        r"\bin (?:19|20)\d{2}\b",
        r"\b(?:back in|a few (?:years|months|weeks) ago|years ago|months ago)\b",
        r"\b(?:at the time|the situation was|the context was|the background was)\b",
        r"\b(?:our|the|my) (?:team|company|client|customer|manager|project|department|store|shop|school|"
        r"business|startup|product|warehouse|office|ward|class) (?:was|were|had|needed|wanted|asked)\b",
        r"\bthere (?:was|were) (?:a|an|some|two|three|several|many)\b",
        r"\b(?:we|i) (?:had|were|was) (?:a|an|some|two|three|several|been)\b",
        r"\bi was (?:working|part of|on a|an? [a-z]+ at)\b",
    ),
    "task": compile_all(
        r"\bmy (?:job|role|task|responsibility|goal|aim|brief|assignment|challenge|part) (?:was|were)\b",
        r"\bi was (?:asked|responsible|tasked|in charge|given|expected|supposed|brought in)\b",
        r"\bi (?:needed|had) to\b",
        r"\b(?:the|our|my) (?:goal|aim|task|challenge|problem|issue|objective|target|deadline|priority) "
        r"(?:was|were|is)\b",
        r"\bwe (?:needed|had) to\b",
        r"\b(?:i|we) (?:wanted|aimed|set out|decided) to\b",
        r"\bit was (?:up to me|my job|my responsibility)\b",
    ),
    "result": compile_all(
        r"\bas a result\b",
        r"\bin the end\b",
        r"\bultimately\b",
        r"\bthe (?:result|outcome|impact|effect)\b",
        r"\b(?:which|this|that|it) (?:meant|led to|resulted in|helped|allowed|let us|saved|cut|reduced|"
        r"increased|improved|gave)\b",
        r"\bended up\b",
        r"\b(?:increased|reduced|decreased|dropped|fell|rose|grew(?! up)|improved|doubled|halved|tripled|saved|"
        r"exceeded|delivered|launched|shipped|renewed|promoted|praised|resolved|solved|recovered)\b",
        r"\b(?:on time|ahead of schedule|under budget|on budget|on track)\b",
        r"\bi (?:learned|learnt|realised|realized|took away) (?:that|how|to|a lot|from)\b",
        r"\b(?:since then|from then on|these days|going forward|next time)\b",
        r"\b(?:the |their |my )?feedback was\b",
        r"\b(?:the client|the customer|my manager|the team|they|everyone) (?:was|were) (?:happy|pleased|"
        r"delighted|satisfied|relieved|impressed)\b",
    ),
}
RESULT_HYPOTHETICAL = compile_all(
    r"\bso that\b",
    r"\bthat way\b",
    r"\bthe (?:goal|aim|point) (?:would be|is)\b",
    r"\b(?:which|this|that) would\b",
    r"\bto make sure\b",
    r"\bi(?:'d| would) (?:measure|check|know it worked|judge)\b",
)

NUMBER = re.compile(
    r"(?:[£$€¥]\s?\d[\d,.]*\s?(?:k|m|bn|million|billion|thousand)?|\b\d[\d,.]*\s?(?:%|percent|per cent|k\b|x\b)?"
    r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|hundreds|thousand|thousands|million|millions|dozen|dozens|half|double|doubled|halved|tripled)\b)"
)
GENERIC = compile_all(
    r"\busually\b",
    r"\balways\b",
    r"\bgenerally\b",
    r"\btypically\b",
    r"\bnormally\b",
    r"\btend to\b",
    r"\bin general\b",
    r"\bwhenever\b",
    r"\bi(?:'m| am) (?:[a-z]+ ){0,2}(?:hard[- ]working|hard worker|"
    r"team player|people person|perfectionist|good at|great at)",
)
GENERIC_WOULD = re.compile(r"\bi(?:'d| would)\b")

HEDGES: dict[str, re.Pattern[str]] = {
    label: re.compile(source)
    for label, source in (
        ("I think", r"\bi think\b"),
        ("I guess", r"\bi guess\b"),
        ("I suppose", r"\bi suppose\b"),
        ("I feel like", r"\bi feel like\b"),
        ("maybe", r"\bmaybe\b"),
        ("perhaps", r"\bperhaps\b"),
        ("probably", r"\bprobably\b"),
        ("possibly", r"\bpossibly\b"),
        ("sort of", r"(?<!what )(?<!this )(?<!that )(?<!the )(?<!any )\bsort of\b"),
        ("kind of", r"(?<!what )(?<!this )(?<!that )(?<!the )(?<!any )\bkind of\b"),
        ("somewhat", r"\bsomewhat\b"),
        ("a bit", r"\ba (?:little )?bit\b"),
        ("hopefully", r"\bhopefully\b"),
        ("not sure", r"\bnot (?:really |totally |entirely )?sure\b"),
        ("might", r"\bmight\b"),
        ("I'm no expert", r"\bi'?m no expert\b"),
    )
}
FILLERS: dict[str, re.Pattern[str]] = {
    label: re.compile(source)
    for label, source in (
        ("um", r"\bu+m+\b"),
        ("uh", r"\bu+h+\b"),
        ("erm", r"\berm+\b"),
        ("like", r"\blike,|,\s*like\b(?!\s+(?:a|an|the|this|that|when|how|what|to)\b)"),
        ("you know", r"\byou know\b(?! (?:what|how|why|when|where|that|the)\b)"),
        ("basically", r"\bbasically\b"),
        ("literally", r"\bliterally\b"),
        ("actually", r"\bactually\b"),
        ("honestly", r"\bhonestly\b"),
        ("just", r"\bjust\b"),
        ("really", r"\breally\b"),
        ("I mean", r"\bi mean\b"),
        ("so yeah", r"\bso,? yeah\b"),
        ("and stuff", r"\b(?:and|or) (?:stuff|something|whatever)\b|\b(?:stuff|things) like that\b"),
    )
}
VOCAL_FILLERS = frozenset({"um", "uh", "erm"})
FIRST_PERSON = re.compile(r"\bi\b")
TEAM = re.compile(r"\b(?:we|us|our|ours|ourselves)\b")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SENTENCE_BREAK = re.compile(r"[.!?;]+(?:\s+|$)|\n+")
