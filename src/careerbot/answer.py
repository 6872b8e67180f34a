"""The default answerer: extractive, grounded, no LLM.

It reads the question (what is asked, about what, in which form), scores every sentence,
list item and table row of the retrieved passages, and quotes the best ones verbatim,
each followed by the marker of its passage. It refuses when the question names things the
profile never mentions, when no passage holds the kind of fact asked for (a figure for
"how much"), or when the best passages leave the question's subject uncovered. All of it
is plain functions over plain data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from langchain_core.documents import Document

from careerbot.corpus import Unit, split_units
from careerbot.result import Answer, Citation
from careerbot.retrieve import KeywordIndex
from careerbot.text import (
    GENERIC,
    GENERIC_STEMS,
    INTENTS,
    STOPWORDS,
    is_injection,
    is_number,
    is_year,
    stem,
    terms,
    tokens,
)

WORD_BUDGET = 60
LIST_BUDGET = 100
LONG_QUESTION = 200
_PRONOUN = re.compile(r"\b(they|them|their|those|these|that|it|there|he|she|one)\b", re.I)
_ELLIPTIC = re.compile(r"^\s*(and|or|but|also|what about|how about|what of|same|in|for|at)\b", re.I)
_PERSON = re.compile(r"(?:ers|ors|ists|ians|ants|nurses|surgeons|clerks)$")
_MONEY_UNIT = re.compile(r"\$\s?\d")
_NUM = re.compile(r"\d")
_SENTENCE = re.compile(r"(?<=[.?!])\s+")


@dataclass
class Query:
    """What a question asks, reduced to terms the passages can be matched on."""

    text: str
    terms: list[str]
    carried: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
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


@dataclass
class Pick:
    """A scored answer unit inside a retrieved passage."""

    unit: Unit
    doc: Document
    score: float
    covered: set[str]


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
    raw = [keywords.correct(t) for t in tokens(text) if t not in STOPWORDS]
    q = Query(text=text, terms=[], injection=injection)
    for word in raw:
        term = stem(word)
        if term in subject:
            continue
        q.terms.append(term)
        if is_number(term):
            q.numbers.append(term)
        elif not keywords.knows(term) and word not in GENERIC and term not in GENERIC_STEMS:
            if term not in INTENTS and word.isalpha():
                q.unknown.append(word)
        elif _PERSON.search(word) and term == word.rstrip("s") or _PERSON.search(term):
            q.persons.append(term)
    q.answer_type = answer_type(text, q.terms)
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


def is_follow_up(text: str, q: Query) -> bool:
    """Elliptical or pronoun-led questions lean on the previous one."""
    content = [t for t in q.terms if t not in GENERIC_STEMS]
    return bool(_ELLIPTIC.match(text)) or len(content) <= 3 and bool(_PRONOUN.search(text))


def answer_type(text: str, q_terms: Sequence[str]) -> str:
    """The form of fact asked for: money, number, duration, date, or text."""
    low = text.lower()
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


def score_units(q: Query, docs: Sequence[Document], keywords: KeywordIndex) -> list[Pick]:
    """Score every unit of the retrieved passages by weighted term coverage and fit of form."""
    weights = {t: keywords.idf(t) for t in q.terms if t not in GENERIC_STEMS}
    weights.update({t: 0.5 * keywords.idf(t) for t in q.carried if t not in weights})
    total = sum(weights.values()) or 1.0
    picks: list[Pick] = []
    for rank, doc in enumerate(docs):
        section = set(terms(str(doc.metadata["section"])))
        passage = set(terms(doc.page_content))
        for unit in split_units(doc.page_content):
            own, lead = set(terms(unit.text)), set(terms(unit.lead))
            score, covered = 0.0, set()
            for t, w in weights.items():
                factor = (1.0 if t in own else 0.7 if t in lead else 0.5 if t in section
                          else 0.2 if t in passage else 0.0)
                score += w * factor
                if factor >= 0.5:
                    covered.add(t)
            score = score / total + 0.15 * form_fit(q, unit) - 0.02 * rank
            picks.append(Pick(unit, doc, score, covered))
    picks.sort(key=lambda p: -p.score)
    return picks


def form_fit(q: Query, unit: Unit) -> float:
    """+1 when a unit holds the kind of fact asked for, -1 when it cannot, 0 when unsure."""
    if q.answer_type == "money":
        money = _MONEY_UNIT.search(unit.text) or (
            unit.kind == "row" and "pay" in terms(unit.lead) and _NUM.search(unit.text)
        )
        return 1.0 if money else -1.0
    if q.answer_type in {"number", "duration", "date"}:
        return 1.0 if _NUM.search(unit.text) else -1.0
    return 0.0


def choose(q: Query, picks: list[Pick]) -> list[Pick]:
    """The best unit, plus list siblings or units that cover what it leaves out."""
    if not picks:
        return []
    best = picks[0]
    chosen = [best]
    if best.unit.lead and _asks_for_list(q, best):
        siblings = [p for p in picks if p.unit.lead == best.unit.lead and p is not best]
        siblings.sort(key=lambda p: p.unit.start)
        chosen += siblings
    elif best.unit.kind == "row" and ({"high", "low"} & set(q.terms)):
        chosen += _extreme_rows(q, best, picks)
    budget = LIST_BUDGET if len(chosen) > 1 else WORD_BUDGET
    chosen = _within(chosen, budget)
    covered = set().union(*(p.covered for p in chosen))
    for p in picks[1:]:
        if p in chosen or p.score < 0.6 * best.score:
            continue
        new = p.covered - covered
        if new - GENERIC_STEMS or p.score >= 0.9 * best.score and p.doc is not best.doc:
            if _words(chosen + [p]) <= WORD_BUDGET:
                chosen.append(p)
                covered |= p.covered
    return chosen


def _asks_for_list(q: Query, best: Pick) -> bool:
    """The question matches the list's lead rather than one of its items."""
    lead_terms = set(terms(best.unit.lead))
    own_terms = set(terms(best.unit.text))
    asked = set(q.terms + q.carried) - GENERIC_STEMS
    return len(asked & lead_terms) >= len(asked & own_terms)


def _extreme_rows(q: Query, best: Pick, picks: list[Pick]) -> list[Pick]:
    rows = [p for p in picks if p.unit.lead == best.unit.lead and p.unit.kind == "row"]

    def value(p: Pick) -> float:
        nums = [t for t in tokens(p.unit.text) if is_number(t)]
        return float(nums[-1]) if nums else 0.0

    top = (max if "high" in q.terms else min)(rows, key=value)
    return [] if top is best else [top]


def _within(chosen: list[Pick], budget: int) -> list[Pick]:
    kept: list[Pick] = []
    for p in chosen:
        if kept and _words(kept + [p]) > budget:
            break
        kept.append(p)
    return kept


def _words(picks: Sequence[Pick]) -> int:
    leads = {p.unit.lead for p in picks if p.unit.lead}
    return sum(len(p.unit.text.split()) for p in picks) + sum(len(x.split()) for x in leads)


def refusal_reason(q: Query, chosen: list[Pick], corpus_numbers: set[str]) -> str | None:
    """Why the chosen units do not answer the question, or None when they do."""
    if not q.terms and not q.carried:
        return "it has no question about the occupation" if q.injection else "it asks nothing specific"
    if q.unknown:
        return f"it never mentions {_quote_list(q.unknown)}"
    years = [n for n in q.numbers if is_year(n) and n not in corpus_numbers]
    if years:
        return f"it has no figures for {_quote_list(years)}"
    if not chosen:
        return "no passage matches the question"
    covered = set().union(*(p.covered for p in chosen))
    persons = [t for t in q.persons if t not in covered]
    if persons:
        return f"it does not give this for {_quote_list(persons)}"
    best = chosen[0]
    if form_fit(q, best.unit) < 0:
        return "it does not give that figure"
    if best.score < 0.35:
        return "no passage answers it closely enough"
    return None


def _quote_list(items: Sequence[str]) -> str:
    return ", ".join(f"“{i}”" for i in dict.fromkeys(items))


def compose(chosen: list[Pick], premise_mismatch: bool) -> Answer:
    """Quote the chosen units verbatim, grouped by passage, each group with its marker."""
    order: list[str] = []
    groups: dict[str, list[Pick]] = {}
    for p in chosen:
        cid = str(p.doc.metadata["id"])
        if cid not in groups:
            order.append(cid)
            groups[cid] = []
        groups[cid].append(p)
    parts, citations = [], []
    for n, cid in enumerate(order, start=1):
        picks = sorted(groups[cid], key=lambda p: p.unit.start)
        quote = _render(picks)
        parts.append(f"{quote} [{n}]")
        meta = picks[0].doc.metadata
        base = int(meta["start"])
        citations.append(
            Citation(
                n=n,
                source=str(meta["source"]),
                title=str(meta["title"]),
                section=str(meta["section"]),
                quote=quote,
                start=base + min(p.unit.start if not p.unit.lead else _lead_start(p) for p in picks),
                end=base + max(p.unit.end for p in picks),
                passage=picks[0].doc.page_content,
                score=round(float(meta["score"]), 4),
            )
        )
    text = " ".join(parts)
    if premise_mismatch:
        text = "The profile does not support the figure in your question. " + text
    return Answer(text=text, citations=citations)


def _lead_start(p: Pick) -> int:
    return p.doc.page_content.find(p.unit.lead)


def _render(picks: list[Pick]) -> str:
    """Sentences as they are; list items and rows joined after their lead."""
    out: list[str] = []
    lead = None
    items: list[str] = []
    for p in picks + [None]:  # type: ignore[list-item]
        u = p.unit if p else None
        if items and (u is None or u.lead != lead or not u.lead):
            out.append(f"{lead} " + "; ".join(items) + ".")
            items = []
        if u is None:
            break
        if u.lead:
            lead = u.lead
            items.append(u.text.rstrip("."))
        else:
            out.append(u.text)
    return " ".join(out)


def refusal(reason: str, title: str, sections: Sequence[str]) -> Answer:
    """A plain "not in the profile" answer that points at what the profile does cover."""
    topics = ", ".join(s for s in sections if s.lower() not in {"overview", "faq"})
    text = (
        f"I can't answer that from the {title} profile: {reason}. "
        f"It covers: {topics}."
    )
    return Answer(text=text, refused=True, notes=[f"refused: {reason}"])


def answer(
    q: Query, docs: Sequence[Document], keywords: KeywordIndex, corpus_numbers: set[str],
    title: str, sections: Sequence[str],
) -> Answer:
    """Answer a analysed question from retrieved passages, or refuse with the reason."""
    picks = score_units(q, docs, keywords)
    chosen = choose(q, picks)
    reason = refusal_reason(q, chosen, corpus_numbers)
    if reason:
        return refusal(reason, title, sections)
    premise = any(n not in corpus_numbers and not is_year(n) for n in q.numbers)
    result = compose(chosen, premise)
    if q.injection:
        result.notes.append("ignored instructions inside the question")
    return result


__all__ = ["Query", "analyse", "answer", "focus"]
