"""Reading a question: what it asks for, about what, and what it leans on from history.

Plain functions over text and the keyword index's vocabulary; no model, no database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from careerbot.retrieve import KeywordIndex
from careerbot.text import (
    GENERIC,
    GENERIC_STEMS,
    INTENTS,
    OCCUPATIONS,
    STOPWORDS,
    is_injection,
    is_number,
    stem,
    tokens,
)

LONG_QUESTION = 200
_PRONOUN = re.compile(r"\b(they|them|their|those|these|that|it|there|he|she|one)\b", re.I)
_ELLIPTIC = re.compile(r"^\s*(and|or|but|also|what about|how about|what of|same|in|for|at)\b", re.I)
_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_PER_HOUR = re.compile(r"\b(?:per|an|a|by the|each)\s+hour\b", re.I)
_NEGATED = re.compile(r"\b(?:not|except|other than)\s+(?:a|an|the|in|at|for)\s+(\w+)(?:\s+(\w+))?", re.I)


@dataclass
class Query:
    """What a question asks, reduced to terms the passages can be matched on."""

    text: str
    terms: list[str]
    carried: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    quantities: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    about_subject: bool = False
    phrase: set[str] = field(default_factory=set)
    answer_type: str = "text"
    injection: bool = False

    @property
    def retrieval_text(self) -> str:
        """The question plus carried-over topic words, for search."""
        return f"{' '.join(self.carried)} {self.text}".strip()

    @property
    def intents(self) -> set[str]:
        """Which kind of fact is asked for (pay, license, growth, ...)."""
        return {t for t in self.terms + self.carried if t in INTENTS}


def focus(question: str) -> tuple[str, bool]:
    """The part of a question that asks, minus any embedded instructions to the bot.

    Long questions tell a life story before asking; the asking sentence is what must be
    answered. Returns (focus text, whether instructions were removed).
    """
    sentences = [s for s in _SENTENCE.split(re.sub(r"[()]", ". ", question.strip())) if s.strip()]
    kept = [s for s in sentences if not is_injection(s)]
    injection = len(kept) < len(sentences)
    if len(question) > LONG_QUESTION:
        asking = [s for s in kept if s.rstrip().endswith("?")] or kept[-1:]
        kept = asking[-2:] if len(" ".join(asking[-1:]).split()) < 8 else asking[-1:]
    return " ".join(kept).strip(" ."), injection


def analyse(
    question: str,
    history: Sequence[tuple[str, str]],
    keywords: KeywordIndex,
    subject: set[str],
) -> Query:
    """Turn a question (and, for a follow-up, the previous question) into a :class:`Query`."""
    text, injection = focus(question)
    text = _PER_HOUR.sub("hourly", text)
    raw = [w for w in (keywords.correct(t) for t in tokens(text) if t not in STOPWORDS)
           if w not in STOPWORDS]
    q = Query(text=text, terms=[], injection=injection)
    q.phrase = {stem(w) for w in raw} - GENERIC_STEMS - INTENTS
    for word in raw:
        term = stem(word)
        if term in subject:
            q.about_subject = True
            continue
        q.terms.append(term)
        if is_number(term):
            q.numbers.append(term)
        elif not keywords.knows(term) and word not in GENERIC and term not in GENERIC_STEMS:
            if term not in INTENTS and word.isalpha() and len(word) > 3:
                q.unknown.append(word)
        elif word in OCCUPATIONS:
            q.persons.append(term)
    q.excluded = {stem(w) for m in _NEGATED.finditer(text) for w in m.groups() if w} - STOPWORDS
    q.terms = [t for t in q.terms if t not in q.excluded]
    q.answer_type = answer_type(text, q.terms)
    q.quantities = quantities(text)
    if history and is_follow_up(text, q):
        previous = analyse(history[-1][0], history[:-1], keywords, subject)
        own_entities = [t for t in q.terms if t not in INTENTS and t not in GENERIC_STEMS]
        if not q.intents:
            q.carried += [t for t in previous.terms if t in INTENTS]
            if q.answer_type == "text":
                q.answer_type = previous.answer_type
        if not own_entities or _PRONOUN.search(text) and not q.intents:
            q.carried += [t for t in previous.terms if t not in INTENTS and not is_number(t)]
    return q


def quantities(text: str) -> set[str]:
    """What the figures in a text count: "50,000 jobs" -> {"employ"}, "10%" -> {"percent"}."""
    toks = tokens(text)
    return {stem(toks[i + 1]) for i in range(len(toks) - 1) if is_number(toks[i])}


def is_follow_up(text: str, q: Query) -> bool:
    """Elliptical or pronoun-led questions lean on the previous one."""
    content = [t for t in q.terms if t not in GENERIC_STEMS]
    return bool(_ELLIPTIC.match(text)) or len(content) <= 3 and bool(_PRONOUN.search(text))


def answer_type(text: str, q_terms: Sequence[str]) -> str:
    """The form of fact asked for: money, number, duration, date, or text."""
    low = text.lower()
    if re.match(r"\s*why\b", low) or re.search(r"\bwhat (drives|causes)\b", low):
        return "reason"
    if re.search(r"\bmean\b|\bmeaning\b|\bdefinition\b|\bdefine\b", low):
        return "text"
    if re.search(r"\bwhere (can|do|should|could) i\b|\bwhich organi[sz]ation|\bwho (offers|has)\b", low):
        return "pointer"
    if re.match(r"\s*(what's|what is|what are|who is|who are)\s+(?!the\b)", low) and len(low.split()) <= 8:
        return "definition"
    if re.match(r"\s*what (does|do) .+ do\b", low):
        return "definition"
    if re.match(r"\s*who (do|does|will|would|did)\b", low):
        return "person"
    if re.match(r"\s*where\b", low) and "come from" not in low:
        return "place"
    if "how often" in low:
        return "frequency"
    if "how long" in low:
        return "duration"
    if re.search(r"\b(when|what date|what year|which year)\b", low):
        return "date"
    if "pay" in q_terms and re.search(r"\bhow much\b|\bsalary\b|\bwage\b|\bearn|\bmake\b|\bpay\b", low):
        return "money"
    if re.search(r"\bhow (many|much|big|fast|large)\b|\bnumber of\b|\baverage\b|\brate\b", low) or (
        "percent" in q_terms
    ):
        return "number"
    return "text"


