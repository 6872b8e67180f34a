"""What a quote needs beside it to read right out of context: the sentence a leaning
opener points back to ("For example, ...", "these administrators"), the paragraph a
contrast sets itself against ("... in other areas"), and that contrast for a question
about the occupation as a whole.

Pure: plain functions over scored candidates and the section's chunks.
"""

from __future__ import annotations

import re

from careerbot.core.candidate import Candidate, Neighbours, candidate_for
from careerbot.core.lexicon import DANGLING
from careerbot.core.question import Query

_POINTS_BACK = re.compile(r"^[^.;:]{0,25}?\b(?:these|those|such)\s+[a-z]+", re.I)
"""A demonstrative early in a sentence ("In most states, these administrators must ...")
points back to what the sentence before named; that sentence is quoted too."""
_CONTRASTS = re.compile(r"^[^.;:]{0,40}?\bother\s+(?!than\b)[a-z]+", re.I)
"""A paragraph opening on "other ..." ("A license is typically not required in other
areas") sets itself against the paragraph before, whose opening sentence is quoted too."""


def with_contrast(
    q: Query, chosen: list[Candidate], picks: list[Candidate], neighbours: Neighbours
) -> list[Candidate]:
    """A question about the occupation as a whole ("do I need a license?") answered by a
    paragraph about one kind of it ("All states require licensure for nursing home
    administrators") gets the next paragraph too when it opens on the contrast ("A license
    is typically not required in other areas ...")."""
    if q.kinds or q.persons or not chosen or chosen[0].kind != "sentence" or chosen[0].lead:
        return chosen
    first = chosen[0]
    section = neighbours(first.doc)
    later = sorted({int(d.metadata["passage_start"]) for d in section
                    if int(d.metadata["passage_start"]) > first.passage_key[1]})
    nxt = [d for d in section if later and int(d.metadata["start"]) == later[0]]
    ids = {c.doc.metadata["id"] for c in chosen}
    if nxt and _CONTRASTS.match(nxt[0].page_content) and nxt[0].metadata["id"] not in ids:
        return [*chosen, candidate_for(nxt[0], picks)]
    return chosen


def with_leaned_on(
    chosen: list[Candidate], picks: list[Candidate], neighbours: Neighbours
) -> list[Candidate]:
    """Add the sentence that a passage's first quoted sentence leans on ("For example, ...",
    "However, ..."), so no quote opens on a connective; :func:`compose` marks the cut where
    there is none to add."""
    firsts: dict[tuple[str, int], Candidate] = {}
    for c in chosen:
        if c.passage_key not in firsts or c.start < firsts[c.passage_key].start:
            firsts[c.passage_key] = c
    ids = {c.doc.metadata["id"] for c in chosen}
    for first in firsts.values():
        opens = first.start == first.passage_key[1]
        if first.lead or not (DANGLING.match(first.text) or _POINTS_BACK.match(first.text)
                              or opens and _CONTRASTS.match(first.text)):
            continue
        section = neighbours(first.doc)
        before = [d for d in section if int(d.metadata["passage_start"]) == first.passage_key[1]
                  and int(d.metadata["start"]) < first.start and d.metadata["id"] not in ids]
        if not before and opens:  # "... in other areas": the paragraph before says which
            earlier = max((int(d.metadata["passage_start"]) for d in section
                           if int(d.metadata["passage_start"]) < first.passage_key[1]), default=None)
            before = [d for d in section if int(d.metadata["start"]) == earlier
                      and not d.page_content.rstrip().endswith("?") and d.metadata["id"] not in ids]
        if before:  # two quotes may lean on one sentence: it is added once
            chosen.append(candidate_for(before[-1], picks))
            ids.add(before[-1].metadata["id"])
    return chosen


__all__ = ["with_contrast", "with_leaned_on"]
