"""Lists and tables in an answer: a list asked for is quoted whole (and from its start when
its items were chosen for what their lead says of them all), a lead brings what it
introduces, a table its rows, and a "where" question the table of who employs them; and
the word count every budget is measured in.

Pure: kept apart from :mod:`careerbot.core.extractive`, which scores and chooses the chunks.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from careerbot.core.candidate import Candidate, Neighbours, candidate_for
from careerbot.core.figures import extreme_row, one_row_asked
from careerbot.core.forms import AnswerType, form_fit
from careerbot.core.lexicon import GENERIC_STEMS, SENTENCE_BREAK, term_set, terms
from careerbot.core.question import Query, asking_sentence

LIST_BUDGET = 100
"""Words a list, a table or what a lead introduces may run to."""


def words(picks: Sequence[Candidate]) -> int:
    """Words the chunks quote, a lead shared by several items counted once."""
    leads = {p.lead for p in picks if p.lead}
    return sum(len(p.text.split()) for p in picks) + sum(len(x.split()) for x in leads)


def within(chosen: list[Candidate], budget: int) -> list[Candidate]:
    """The chunks, in order, up to the first that would take them past ``budget`` words."""
    kept: list[Candidate] = []
    for p in chosen:
        if kept and words(kept + [p]) > budget:
            break
        kept.append(p)
    return kept


def list_of(item: Candidate, picks: list[Candidate], neighbours: Neighbours) -> list[Candidate]:
    """Every item of the list (or row of the table) an item belongs to, in reading order."""
    return [candidate_for(d, picks) for d in neighbours(item.doc) if d.metadata["lead"] == item.lead]


def table_rows(row: Candidate, picks: list[Candidate], neighbours: Neighbours) -> list[Candidate]:
    """Every row of the table a row belongs to."""
    return [p for p in list_of(row, picks, neighbours) if p.kind == "row"]


def asks_for_list(q: Query, best: Candidate) -> bool:
    """The question matches the list's lead rather than one of its items."""
    lead_terms = term_set(best.lead)
    own_terms = term_set(best.text)
    # The sentence that asks counts, not an aside or example after it ("... hire these
    # people? like just hospitals or what").
    sentence = SENTENCE_BREAK.split(asking_sentence(q.text))[0]
    said = set(terms(sentence))
    asked = ({t for t in q.terms if t in said} | set(q.carried)) - GENERIC_STEMS
    # "all hospitals, or are there other places too?" asks past the item it names.
    past = bool(_BEYOND.search(sentence))
    return bool(asked & lead_terms) and (past or asked & own_terms <= asked & lead_terms)


_BEYOND = re.compile(r"\b(?:other|others|else|besides)\b", re.I)
"""Words that ask past what a question names ("other places", "anyone else")."""


def introduced(lead: Candidate, picks: list[Candidate], neighbours: Neighbours) -> list[Candidate]:
    """What an unfinished sentence ("... as follows:", "... visit") introduces: its items,
    else the lines after it up to the next such sentence, and the opening sentence of each
    following paragraph of the section."""
    section = neighbours(lead.doc)
    items = [d for d in section if d.metadata["lead"] == lead.text]
    if not items:
        seen = {lead.passage_key[1]}
        for d in (d for d in section if int(d.metadata["start"]) > lead.start):
            key = int(d.metadata["passage_start"])
            if key == lead.passage_key[1]:
                if _lead_like(d.page_content):
                    break
                items.append(d)
            elif key not in seen:
                seen.add(key)
                items.append(d)
    return within([lead] + [candidate_for(d, picks) for d in items], LIST_BUDGET)[1:]


def items_of(q: Query, p: Candidate, picks: list[Candidate], neighbours: Neighbours) -> list[Candidate]:
    """What a lead added beside the best chunk needs to say anything ("... as follows:"):
    the highest or lowest row asked for, else its items; nothing for any other chunk."""
    if p.kind != "sentence" or p.text.rstrip().endswith((".", "?", "!")):
        return []
    rows = [candidate_for(d, picks) for d in neighbours(p.doc)
            if d.metadata["lead"] == p.text and d.metadata["kind"] == "row"]
    if rows and one_row_asked(q, p.text):
        return [extreme_row(q, rows)]
    return introduced(p, picks, neighbours)


def whole_lists(chosen: list[Candidate], picks: list[Candidate], neighbours: Neighbours) -> list[Candidate]:
    """Items of one list chosen for a word their lead says of them all ("main duties": "...
    typically do the following:") stand for the list, which is quoted from its start: under
    its lead, items picked from its middle read as if they were all of it. An item chosen for
    a word no other item of the list covers ("budgets and schedules?", "why are problem-solving
    skills important?") answers that word, and the items stay as chosen. The list runs to
    :data:`LIST_BUDGET` words, or on to the last item chosen; the items are added after those
    chosen, whose order (the best first) is kept, since quotes are rendered in reading order."""
    out = list(chosen)
    for lead in dict.fromkeys(c.lead for c in chosen if c.kind == "item"):
        mine = [c for c in chosen if c.kind == "item" and c.lead == lead]
        scored = [c.covered for c in mine if c.covered]
        said = term_set(lead)
        if len(scored) < 2 or not set.intersection(*scored) & said:
            continue
        listed = [p.covered for p in picks if p.kind == "item" and p.lead == lead]
        if 1 in Counter(t for covered in listed for t in covered - said).values():
            continue
        whole = list_of(mine[0], picks, neighbours)
        ids = [w.doc.metadata["id"] for w in whole]
        last = max(ids.index(c.doc.metadata["id"]) for c in mine)
        have = {c.doc.metadata["id"] for c in out}
        upto = max(len(within(whole, LIST_BUDGET)), last + 1)
        out += [w for w in whole[:upto] if w.doc.metadata["id"] not in have]
    return out


def _lead_like(text: str) -> bool:
    """An unfinished sentence in running prose (not a title-cased name)."""
    lower = [w for w in text.split() if w.islower() and len(w) > 3]
    return not text.rstrip().endswith((".", "?", "!")) and len(lower) >= 2


def places(
    q: Query, chosen: list[Candidate], picks: list[Candidate], neighbours: Neighbours
) -> list[Candidate]:
    """"Where do most of them work?" answered by a sentence ("in offices") also gets the
    table of the places that employ them, when search found it nearly as good."""
    if q.answer_type != AnswerType.PLACE or any(c.kind == "row" for c in chosen):
        return []
    best = chosen[0]
    near = (p for p in picks if p.kind == "row" and p.score >= 0.75 * best.score and form_fit(q, p) > 0)
    row = next(near, None)
    rows = table_rows(row, picks, neighbours) if row else []
    return rows if rows and words(chosen + rows) <= LIST_BUDGET else []
