"""Figures inside chunks: whether a sentence states one, which clause of a sentence holds
the figure asked about, tables of money, and the highest or lowest row of a table.

Pure: plain functions over scored candidates; :mod:`careerbot.core.extractive` decides
what to quote with them.
"""

from __future__ import annotations

import re

from langchain_core.documents import Document

from careerbot.core.candidate import Candidate
from careerbot.core.citations import table_unit
from careerbot.core.lexicon import (
    EXTREMES,
    GENERIC_STEMS,
    STOPWORDS,
    inflected,
    is_number,
    is_year,
    plural_nouns,
    stem,
    term_set,
    tokens,
)
from careerbot.core.question import Query, asking_sentence

_CLAUSE_BREAK = re.compile(r",\s+and\s+|;\s+")


def asked_clause(q: Query, c: Candidate) -> Candidate:
    """Of a sentence joining clauses that each state a figure ("The lowest 10 percent
    earned less than $60,780, and the highest 10 percent earned more than $205,620"), the
    clause that alone holds a word of the question ("the top earners?": the highest), cut
    out verbatim; the sentence whole when no one clause is asked more than the others."""
    if c.kind != "sentence" or c.lead:
        return c
    pieces, at = [], 0
    for m in [*_CLAUSE_BREAK.finditer(c.text), None]:
        end = m.start() if m else len(c.text)
        pieces.append((at, c.text[at:end]))
        at = m.end() if m else at
    if len(pieces) < 2 or not all(holds_figure(text) for _, text in pieces):
        return c
    asked = set(q.terms) - GENERIC_STEMS - q.context  # not "high" of "I'm a high school counselor."
    own = [term_set(text) & asked for _, text in pieces]
    alone = [i for i, o in enumerate(own) if o - set().union(*(x for j, x in enumerate(own) if j != i))]
    if len(alone) != 1:
        return c
    offset, text = pieces[alone[0]]
    meta = {**c.doc.metadata, "start": c.start + offset, "end": c.start + offset + len(text),
            "cut_before": offset > 0, "cut_after": offset + len(text) < len(c.text)}
    return Candidate(Document(page_content=text, metadata=meta), c.score, c.covered, c.coverage)


def holds_figure(text: str) -> bool:
    """Whether a text states a figure: a number that is not a year alone."""
    return any(is_number(t) and not is_year(t) for t in tokens(text))


def other_figure(c: Candidate, asked: set[str]) -> bool:
    """A sentence stating a figure (a year alone is none) of another thing than the one
    asked: it lacks a word of the question that the chosen sentence holds ("median")."""
    return holds_figure(c.text) and not c.lead and bool(asked - c.covered)


def money_table(pick: Candidate) -> bool:
    """A row, or the lead, of a table whose unit is dollars."""
    table = pick.kind == "row" or pick.text.rstrip().endswith(":")
    return table and (table_unit(str(pick.doc.metadata["passage"])) or ("",))[0] == "$"


_WHICH = re.compile(r"\b(which|where|who|what\s+(kind|type|sort)s?\s+of)\b", re.I)
"""A question that asks which row."""
_AMONG = re.compile(r"\b(which(?:\s+one)?)\s+of\s+(?:the\s+|these\s+|those\s+)?(?:\w+\s+)?\w+s\b", re.I)
"""What one is chosen among ("which of the top industries")."""


def _chooser(asking: str) -> str:
    """The asking sentence without what one is chosen among ("which of the top industries
    pays the least?" -> "which pays the least?"): that set says neither the table asked
    for nor which end."""
    return _AMONG.sub(r"\1", asking)


def one_row_asked(q: Query, lead: str, which: bool = False) -> bool:
    """A question asks which row of a table is the highest or lowest ("which employer pays
    the most?"), not the table ordered by it ("who are the biggest employers?": the noun
    the table's lead names, or the rows are chosen as, is asked for in the plural). With
    ``which``, only a question asking which does (not "what's the top pay like?")."""
    asking = asking_sentence(q.text)
    if not EXTREMES & set(q.terms) or which and not _WHICH.search(asking):
        return False  # "what's the top pay like?" asks for no row
    named = term_set(lead) - q.subject  # "managers" names the people, not the rows
    # "which of the top industries ...?" chooses one of them: that plural asks for no table.
    chooser = _chooser(asking)
    # Nor does a plural the rows are chosen as ("which industries employ the most?"), though
    # the lead names them otherwise ("the largest employers").
    named |= chosen_among(chooser) - q.subject
    return not any(stem(w) in named for w in plural_nouns(chooser))


_SORT_OF = r"\s+(?:kind|type|sort)s?\s+of"
_WHICH_NOUN = re.compile(rf"\b(?:which(?:{_SORT_OF})?|what{_SORT_OF})\s+([a-z]+)", re.I)


def chosen_among(text: str) -> set[str]:
    """The noun after "which", "which kind of" or "what kind of" ("which place pays the
    least?"): the kind of thing the answer names, a row or an item, not a thing a figure
    must be given for ("which pays" has none)."""
    said = {m.group(1).lower() for m in _WHICH_NOUN.finditer(text)}
    return {stem(w) for w in said if not inflected(w, "VERB")} - STOPWORDS


def extreme_row(q: Query, rows: list[Candidate]) -> Candidate:
    """The row with the highest figure, or the lowest when the question asks for that (what
    it chooses among does not say: "which of the top industries pays the least?")."""

    def value(p: Candidate) -> float:
        nums = [t for t in tokens(p.text) if is_number(t)]
        return float(nums[-1]) if nums else 0.0

    asked = EXTREMES & set(term_set(_chooser(asking_sentence(q.text)))) or EXTREMES & set(q.terms)
    return (max if "high" in asked else min)(rows, key=value)


__all__ = ["asked_clause", "extreme_row", "holds_figure", "money_table", "one_row_asked", "other_figure"]
