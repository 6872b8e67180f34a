"""Scoring what could be quoted: every retrieved chunk (sentence, list item, table row)
against a read question, by the question's words it covers (weighted by rarity, with
partial credit for a list's lead, its section, its passage, or a word of the same family),
its cosine to the question, and how well its form fits what is asked.

Pure: plain functions over LangChain ``Document`` objects and a :class:`Query`;
:mod:`careerbot.core.extractive` decides what to quote from the ranking.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

from langchain_core.documents import Document

from careerbot.core.candidate import Candidate
from careerbot.core.citations import table_unit
from careerbot.core.figures import chosen_among, money_table, one_row_asked
from careerbot.core.forms import form_fit
from careerbot.core.keywords import KeywordIndex
from careerbot.core.lexicon import CONCEPTS, EXTREMES, GENERIC_STEMS, name_terms, stem_pairs, term_set
from careerbot.core.question import Query

DEFINITION_OPENING = 0.05
"""Score a paragraph's first sentence gains for a "what is / what does X do" question."""
OTHER_MEASURE = 0.5
"""Score a table of money loses for a question about another kind of fact."""
CONTEXT_WEIGHT = 0.5
"""Weight of a word said before the sentence that asks, against one of that sentence."""


def score_units(q: Query, docs: Sequence[Document], keywords: KeywordIndex) -> list[Candidate]:
    """Score chunks by weighted term coverage, dense similarity and fit of form."""
    # What the user tells first ("Retired Army, 20 years ...") is context: half the weight
    # of a word of the sentence that asks.
    weights = {t: keywords.idf(t) * (CONTEXT_WEIGHT if t in q.context else 1.0) for t in q.terms
               if t not in GENERIC_STEMS}
    weights.update({t: 0.5 * keywords.idf(t) for t in q.carried if t not in weights})
    total = sum(weights.values()) or 1.0
    kinds = q.kinds - set(CONCEPTS)  # "top executives" names a rank, not a sense of "top"
    # A question whose own words name nothing (all it names is carried from the one before:
    # "can they move up from there?") is told apart by its meaning, not by a paragraph's lede.
    by_lede = any(t not in GENERIC_STEMS for t in q.terms) or not q.carried
    # Whether a table's one row is asked depends only on its lead: read once per table.
    row_asked: dict[str, bool] = {}
    which = EXTREMES | chosen_among(q.text)
    picks = []
    for doc in docs:
        meta = doc.metadata
        plain, names = name_terms(doc.page_content)
        own = plain.union(*(n for n in names if len(n & weights.keys()) >= 2))
        said = str(meta.get("lead", ""))
        lead = term_set(said)
        if meta.get("kind") == "row":  # "Offices of physicians 12" is a percent in its table
            own |= term_set(" ".join(table_unit(str(meta["passage"])) or ()))
            if said not in row_asked:
                row_asked[said] = one_row_asked(q, said, which=True)
            # "Which industry pays the least?": a table holds its lowest row, an industry.
            own |= which if row_asked[said] else set()
        # The word of the kind asked about in another sense ("a clinical role", "more
        # information about", not "clinical managers") does not name the kind.
        if kinds and _other_sense(doc.page_content, kinds, q.subject):
            own -= kinds
        section, passage = term_set(str(meta["section"])), term_set(str(meta["passage"]))
        score, covered = 0.0, set()
        for t, w in weights.items():
            factor = (1.0 if t in own else 0.7 if t in lead or _kin(t, own) else 0.5 if t in section
                      else 0.2 if t in passage else 0.0)
            score += w * factor
            if factor >= 0.5:
                covered.add(t)
        pick = Candidate(doc, 0.0, covered, score / total - 0.5 * bool(q.excluded & own))
        lede = (0.15 if len(weights) <= 1 else 0.03) if meta.get("lede") and by_lede else 0.0
        # A paragraph's opening sentence says what its subject is: a definition's answer.
        opens = DEFINITION_OPENING if q.answer_type == "definition" and pick.start == int(
            meta["passage_start"]) else 0.0
        # A table of money answers questions about pay only ("which industries employ the
        # most?" is not asked of the wages by industry).
        off = OTHER_MEASURE if q.intents and "pay" not in q.intents and money_table(pick) else 0.0
        pick.score = pick.coverage + pick.dense + 0.3 * form_fit(q, pick) + lede + opens - off
        picks.append(pick)
    # Among equals, the chunk naming the person asked about ("an admin assistant") first.
    persons = set(q.persons)
    picks.sort(key=lambda p: (-p.score, -len(p.covered & persons)))
    return picks


SHARED_STEM = 6
"""Letters two stems must share, one beginning the other, to be one word's family
("financi" of "financial" and "financ" of "finances")."""


def _kin(term: str, own: Set[str]) -> bool:
    """Whether a chunk holds a word of the term's family: the stemmer cuts "financial" and
    "finances" differently, though a question about one asks about the other."""
    return len(term) >= SHARED_STEM and any(
        len(o) >= SHARED_STEM and (o.startswith(term) or term.startswith(o)) for o in own)


_COORDINATORS = frozenset({"and", "or", "nor"})


def _other_sense(text: str, kinds: set[str], subject: frozenset[str]) -> bool:
    """Whether a chunk uses the word of a kind of the occupation asked about ("clinical
    managers") only before another word ("a clinical role", "more information about"),
    never before the name; a word before "and" / "or" may still name a kind ("clinical and
    administrative managers")."""
    after = [(a, b) for a, b in stem_pairs(text) if a in kinds]
    named = any(b in subject for _, b in after)
    return not named and any(b.isalpha() and b not in _COORDINATORS for _, b in after)


__all__ = ["score_units"]
