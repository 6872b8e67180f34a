"""The forms of fact a question can ask for: a sum of money, a count, a duration, a place,
a definition... :data:`FORMS` is the one table that says how each is recognised in a
question, how well a passage chunk fits it, and whether it is a figure. A new answer type
is one member and one row.

Pure: plain functions over text. Kept apart from :mod:`careerbot.core.question`, which
reads the rest of a question (its terms, names, gaps and history).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from careerbot.core.lexicon import OCCUPATIONS, STOPWORDS, is_number, named_places, stem, term_set, tokens

if TYPE_CHECKING:
    from careerbot.core.question import Query


def quantities(text: str) -> set[str]:
    """What the figures in a text count: "50,000 jobs" -> {"employ"}, "10%" -> {"percent"}."""
    toks = tokens(text)
    return {stem(toks[i + 1]) for i in range(len(toks) - 1) if is_number(toks[i])}


_THOUSANDS = re.compile(r"(?<![\w.,])(\$?)(\d{1,3}(?:\.\d)?)\s?[kK]\b")
"""An amount in thousands, as people write money ("100k", "$85K", "1.5k")."""


def thousands_spelt(text: str) -> str:
    """``text`` with each amount in thousands written out ("around 100k" -> "around
    $100,000"), so it is read as the figure it is, not as a word the profile never uses.
    A whole number of thousands that is not round ("401k", "403b") names a plan, not an
    amount, unless a dollar sign says otherwise."""
    def spelt(m: re.Match[str]) -> str:
        dollar, digits = m.groups()
        if not dollar and "." not in digits and digits[-1] not in "05":
            return m.group(0)
        return f"${round(float(digits) * 1000):,}"

    return _THOUSANDS.sub(spelt, text)


_SUPERLATIVE = re.compile(r"\bthe\s+(most|least)\b(?=\s*(?:[?.!,;]|$|money\b|in\b|at\b|of all\b))", re.I)
""""the most" said of a verb ("which employer pays the most?"): the highest figure, unlike
"most of them" or "the most common"."""
_JUDGED_PAY = re.compile(r"\b(best|worst)[- ](?:paid|paying|pay|salary|salaries|wages?|money)\b"
                         r"|\b(?:pays?|paid|paying)\s+(?:\w+\s+)?the\s+(best|worst)\b", re.I)
""""best" or "worst" said of pay, before it or after it ("which place pays the worst?"): its
highest or lowest figure."""


def superlatives(text: str) -> list[str]:
    """The extremes "the most" / "the least" said of a verb, or "best" / "worst" said of
    pay ("the worst pay you could expect"), ask for: "high", "low"."""
    extreme = {"most": "high", "least": "low", "best": "high", "worst": "low"}
    return [extreme[(m.group(1) or m.group(2)).lower()]
            for m in itertools.chain(_SUPERLATIVE.finditer(text), _JUDGED_PAY.finditer(text))]


class AnswerType(StrEnum):
    """The form of fact a question asks for."""

    TEXT = "text"
    REASON = "reason"
    ALIAS = "alias"
    POINTER = "pointer"
    DEFINITION = "definition"
    PERSON = "person"
    PLACE = "place"
    REGION = "region"
    FREQUENCY = "frequency"
    DURATION = "duration"
    DATE = "date"
    MONEY = "money"
    NUMBER = "number"


class Quotable(Protocol):
    """A candidate chunk as the fit functions see it."""

    @property
    def text(self) -> str: ...  # noqa: D102

    @property
    def kind(self) -> str: ...  # noqa: D102

    @property
    def lead(self) -> str: ...  # noqa: D102


Detector = Callable[[str, Sequence[str]], bool]
"""(lower-cased question, its terms) -> whether the question asks for this form."""
Fit = Callable[["Query", Quotable], float]
"""+1 when a chunk holds the kind of fact asked for, -1 when it cannot, 0 when unsure."""


@dataclass(frozen=True)
class Form:
    """One row of :data:`FORMS`."""

    type: AnswerType
    asks: Detector
    fits: Fit
    figure: bool = False
    lacks: str = "that figure"
    """What the profile lacks when no passage fits, for the refusal ("it does not give ...")."""


_MONEY_UNIT = re.compile(r"\$\s?\d")
_DIGIT = re.compile(r"\d")
_ALIAS = re.compile(r"\balso (?:called|known as)\b|\bknown as\b|\baka\b", re.I)
"""Where a passage gives another name for something ("also called healthcare executives")."""
_POINTER = re.compile(r"\b(visit|contact|offers?|website|association)\b", re.I)
_FREQUENCY = re.compile(r"\b(every|per|each|annual|annually|yearly|weekly|daily|times)\b", re.I)
_CAUSAL = re.compile(r"\b(as|because|since|due to|result|results|lead to|leads to|drive|create|"
                     r"therefore|means|thanks to)\b", re.I)
_PLACE = re.compile(r"\b(in|at)\s+(an?\s+|the\s+)?[a-z]{4,}")


def _matches(pattern: str, how: Callable[..., object] = re.search) -> Detector:
    compiled = re.compile(pattern)
    return lambda low, _terms: bool(how(compiled, low))


def _has(pattern: re.Pattern[str], yes: float = 1.0, no: float = -1.0) -> Fit:
    return lambda _q, c: yes if pattern.search(c.text) else no


def _fits_money(_q: Query, c: Quotable) -> float:
    row_of_pay = c.kind == "row" and "pay" in term_set(c.lead) and _DIGIT.search(c.text)
    return 1.0 if _MONEY_UNIT.search(c.text) or row_of_pay else -1.0


_PERCENT = re.compile(r"\d\s*(%|percent)")
_HOW_MANY = re.compile(r"\bhow many\b(?!\s+(percent|%))", re.I)


def _fits_number(q: Query, c: Quotable) -> float:
    if "grow" in q.intents and "opening" not in q.terms:
        return 1.0 if _PERCENT.search(c.text) else -1.0
    # "How many jobs in 2031?" counts things: a percentage ("grow 28 percent") is no count.
    if _HOW_MANY.search(q.text) and _PERCENT.search(c.text) and c.kind != "row":
        return -1.0
    return 1.0 if _DIGIT.search(c.text) else -1.0


def _fits_definition(q: Query, c: Quotable) -> float:
    opening = {stem(t) for t in tokens(c.text)[:4]}
    return 1.0 if len(opening & q.phrase) >= min(2, len(q.phrase)) > 0 else 0.0


def _fits_place(_q: Query, c: Quotable) -> float:
    """"Where ..." is answered by a place ("in offices") or by a row of a table of who
    employs them: an industry is where they work."""
    return 1.0 if _PLACE.search(c.text) or c.kind == "row" and "employ" in term_set(c.lead) else 0.0


_EVERY_PLACE = re.compile(
    r"\b(all|most|every|each|many|some|several)\s+(states?|cit(y|ies)|countr(y|ies))\b", re.I
)
"""A passage that speaks of places in general ("All states require licensure")."""
_RULES = frozenset({"require", "license", "certify"})
"""Concepts of a rule, which a passage can state for all places at once; a count or a wage
("which state employs the most?") needs the place named."""


def _fits_region(q: Query, c: Quotable) -> float:
    """"Which state ..." is answered by a named place, or by a rule that speaks of states
    in general about what is asked ("which states require a license?": "All states require
    licensure")."""
    if named_places(c.text):
        return 1.0
    general = _EVERY_PLACE.search(c.text) and q.intents & _RULES & term_set(c.text)
    return 0.0 if general else -1.0


def _asks_definition(low: str, _terms: Sequence[str]) -> bool:
    short = re.match(r"\s*(what's|what is|what are|who is|who are)\s+(?!the\b)", low)
    return bool(short and len(low.split()) <= 8 or re.match(r"\s*what (does|do) .+ do\b", low))


_WHO = re.compile(r"\W*(?:(\w+)\W+)?who (?:do|does|will|would|did)\b")


def _asks_who(low: str, _terms: Sequence[str]) -> bool:
    """"Who do they work with?", also after a word that asks nothing ("so who do these
    managers deal with?"), but not "people who do this job ..."."""
    found = _WHO.match(low)
    return found is not None and (found.group(1) is None or found.group(1) in STOPWORDS)


def _asking(word: str) -> re.Pattern[str]:
    """``word`` where it asks: opening the question or before a verb that asks ("and where
    do most of them work?"), not introducing a clause ("the state where I live", "a strong
    candidate when I apply")."""
    return re.compile(rf"^\s*{word}\b|\b{word}(?:'s|\s+(?:do|does|did|can|could|should|would|will|"
                      rf"is|are|was|were)\b)")


_WHERE = _asking("where")
_WHEN = re.compile(rf"{_asking('when').pattern}|\b(what date|what year|which year)\b")
_COUNTING = re.compile(r"\bhow (many|much|big|fast|large)\b|\bnumber of\b|\baverage\b|\brate\b")
"""Words that ask for a count, a share or a rate."""
FORMS: tuple[Form, ...] = (
    Form(AnswerType.REASON,
         _matches(r"^\s*(why|how come|y(?=\s+(?:is|are|do|does|did|would|will|should|can)\b))\b"
                  # "what's driving ...", "what factors are behind ..."
                  r"|\bwhat(?:\s+[a-z]+)?(?:'s|’s|\s+is|\s+are)?\s+(driv|caus|behind)\w*"
                  r"|\breasons?\s+(for|why|behind)\b"), _has(_CAUSAL, no=0.0)),
    Form(AnswerType.ALIAS,
         _matches(r"\b(also|other|alternative|alternate|else|another)\b.*\b(call|called|names?|titles?|known)\b"
                  r"|\bknown as\b|\baka\b"
                  # "is that the same thing as ...?": whether two names name one job
                  r"|\bthe same (?:thing|job|title|role|position|career)\b"
                  r"|\b(?:is|are) (?:that|this|those|these) (?:just )?the same\b"),
         _has(_ALIAS, no=0.0)),
    Form(AnswerType.TEXT, _matches(r"\bmean\b|\bmeaning\b|\bdefinition\b|\bdefine\b"),
         lambda _q, _c: 0.0),
    Form(AnswerType.POINTER,
         _matches(r"\b(where|who) (can|do|should|could) i\b|\bwhich organi[sz]ation|\bwho (offers|has)\b"),
         lambda _q, c: 1.0 if _POINTER.search(c.text) or c.lead else 0.0),
    Form(AnswerType.DEFINITION, _asks_definition, _fits_definition),
    Form(AnswerType.PERSON, _asks_who,
         lambda _q, c: 1.0 if OCCUPATIONS & set(tokens(c.text)) else 0.0),
    Form(AnswerType.PLACE, lambda low, _t: bool(_WHERE.search(low)) and "come from" not in low,
         _fits_place),
    Form(AnswerType.REGION,
         # one word may qualify the places ("which US cities", "what big states")
         _matches(r"\b(which|what)\s+(?:[a-z.]+\s+)?(states?|cit(y|ies)|countr(y|ies)|count(y|ies)|"
                  r"regions?|metro(politan)? areas?)\b"),
         _fits_region, figure=True,
         lacks="figures by state, city or country"),
    Form(AnswerType.FREQUENCY, lambda low, _t: "how often" in low, _has(_FREQUENCY), figure=True),
    Form(AnswerType.DURATION, lambda low, _t: "how long" in low, _has(_DIGIT), figure=True),
    Form(AnswerType.DATE, _matches(_WHEN.pattern), _has(_DIGIT), figure=True),
    Form(AnswerType.MONEY,
         lambda low, t: "pay" in t and bool(re.search(r"\bhow much\b|\bsalary\b|\bwage\b|\bearn|"
                                                      r"\bmake\b|\bpays?\b|\bpaid\b", low)),
         _fits_money, figure=True),
    Form(AnswerType.NUMBER, lambda low, t: bool(_COUNTING.search(low)) or "percent" in t,
         _fits_number, figure=True),
)
"""Every answer type, in the order questions are tested for them (the first match wins)."""
FORM_OF = {f.type: f for f in FORMS}


def form_words(text: str) -> set[str]:
    """Terms that say a figure is asked for ("the average salary", "the growth rate"), not
    what it is about: a figure question never lacks them."""
    return {t for m in _COUNTING.finditer(text.lower()) for t in term_set(m.group(0))}


_FIGURES_OF = re.compile(r"\b([a-z]+)\s+(?:numbers|figures|stats|statistics)\b", re.I)


def figures_of_topic(text: str) -> bool:
    """Whether a text asks for the figures of a topic ("what job outlook numbers can I
    give?", "the pay stats"), not for one figure or with the word in another sense
    ("great with numbers")."""
    return any(m.group(1).lower() not in STOPWORDS for m in _FIGURES_OF.finditer(text))


def answer_type(text: str, q_terms: Sequence[str]) -> AnswerType:
    """The form of fact asked for: the first row of :data:`FORMS` whose detector matches."""
    low = text.lower()
    return next((f.type for f in FORMS if f.asks(low, q_terms)), AnswerType.TEXT)


def form_fit(q: Query, chunk: Quotable) -> float:
    """+1 when a chunk holds the kind of fact asked for, -1 when it cannot, 0 when unsure."""
    if q.quantities & quantities(chunk.text):
        return 1.0
    return FORM_OF[q.answer_type].fits(q, chunk)


def is_figure(q: Query) -> bool:
    """True when the question asks for a figure (money, a number, a duration, a date...)."""
    return FORM_OF[q.answer_type].figure
