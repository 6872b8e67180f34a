"""Citations: the one builder of :class:`~careerbot.result.Citation`, and quoting chunks.

Both answerers (extractive and generative) number their sources through :func:`citation`,
so a citation always carries the same fields, read the same way from chunk metadata.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from careerbot.core.candidate import Candidate
from careerbot.core.lexicon import DANGLING
from careerbot.result import Answer, Citation


def citation(
    n: int, meta: Mapping[str, Any], quote: str, start: int, end: int, passage: str, score: float
) -> Citation:
    """Citation ``[n]`` of a quote from the chunk whose metadata is ``meta``.

    Args:
        n: The marker number.
        meta: The chunk's metadata (source, title, section).
        quote: The words quoted, verbatim.
        start: Offset of the quote in the source file.
        end: Offset of the quote's end in the source file.
        passage: The passage shown for context.
        score: The retrieval score (rounded to 4 places here).
    """
    return Citation(
        n=n,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        section=str(meta.get("section", "")),
        quote=quote,
        start=start,
        end=end,
        passage=passage,
        score=round(score, 4),
    )


def compose(chosen: list[Candidate], premise_mismatch: bool) -> Answer:
    """Quote the chosen chunks verbatim, grouped by passage, each group with its marker."""
    groups: dict[tuple[str, int], list[Candidate]] = {}
    # A chunk is quoted once, however many reasons chose it (the sentence with the figure
    # asked for may also be the paragraph that names the topic).
    for p in {str(c.doc.metadata["id"]): c for c in chosen}.values():
        groups.setdefault(p.passage_key, []).append(p)
    # The best section first; within a section, its paragraphs in reading order ("Many
    # employers require ..." before "Others may begin ...").
    sections = list(dict.fromkeys(str(p.doc.metadata["section"]) for p in chosen))
    order = sorted(groups, key=lambda k: (sections.index(str(groups[k][0].doc.metadata["section"])), k))
    groups = {k: groups[k] for k in order}
    parts, citations = [], []
    before: Mapping[str, Any] = {}
    for n, picks in enumerate(groups.values(), start=1):
        picks.sort(key=lambda p: p.start)
        quote = render(picks)
        # The quote stays verbatim; the answer marks a cut before a leaning opener (unless
        # the paragraph it leans on was quoted just before) and gives table rows the unit
        # their table states once, in its first row.
        unit = table_unit(str(picks[0].doc.metadata["passage"]))
        shown = render(picks, unit) if unit else quote
        cut = DANGLING.match(shown) and not _follows(before, picks[0].doc.metadata)
        shown = f"[…] {shown}" if cut or picks[0].doc.metadata.get("cut_before") else shown
        shown = f"{shown} […]" if picks[-1].doc.metadata.get("cut_after") else shown
        before = picks[0].doc.metadata
        parts.append(f"{shown[:-1]} [{n}]{shown[-1]}" if shown[-1] in ".!?" else f"{shown} [{n}]")
        meta = picks[0].doc.metadata
        lead_at = str(meta["passage"]).find(picks[0].lead) if picks[0].lead else -1
        start = int(meta["passage_start"]) + lead_at if lead_at >= 0 else picks[0].start
        end = max(int(p.doc.metadata["end"]) for p in picks)
        score = max(float(p.doc.metadata["score"]) for p in picks)
        citations.append(citation(n, meta, quote, start, end, str(meta["passage"]), score))
    text = " ".join(parts)
    if premise_mismatch:
        text = "The profile does not support the figure in your question. " + text
    return Answer(text=text, citations=citations)


def _follows(before: Mapping[str, Any], meta: Mapping[str, Any]) -> bool:
    """Whether a passage is the paragraph right after the one quoted before it."""
    if not before or before.get("source") != meta.get("source"):
        return False
    end = int(before["passage_start"]) + len(str(before["passage"]))
    return 0 <= int(meta["passage_start"]) - end <= 3


_ROW = re.compile(r"^(?P<label>.*?\S)\s+(?P<pre>\$?)(?P<value>\d[\d,]*(?:\.\d+)?)(?P<post>%?)$")
"""A table row: a label, then one figure ("Government 117,000", "Hospitals ... $119,450")."""


def table_unit(passage: str) -> tuple[str, str] | None:
    """The unit a table states once, in its first row ("$", "%"): OOH tables print
    "$119,450" first and "83,550" after it. None when the passage has no such row."""
    for line in passage.splitlines():
        row = _ROW.match(line.strip())
        if row:
            return (row["pre"], row["post"]) if row["pre"] or row["post"] else None
    return None


def rows_with_units(passage: str) -> str:
    """A passage with each table row as the answer shows it ("Label: $83,550"), to check
    a shown row against the passage it cites."""
    unit = table_unit(passage)
    return "\n".join(_row(line.strip(), unit) for line in passage.splitlines())


def _row(text: str, unit: tuple[str, str] | None) -> str:
    """A row as "Label: $83,550": its label set off and its figure in the table's unit."""
    row = _ROW.match(text)
    if not row or unit is None:
        return text
    return f"{row['label']}: {unit[0]}{row['value']}{unit[1]}"


def render(picks: Sequence[Candidate], unit: tuple[str, str] | None = None) -> str:
    """Sentences as they are, joined by the very space between them in the corpus (a quote
    of a paragraph is its text); list items and rows joined after their lead; with ``unit``
    (see :func:`table_unit`) each row reads "Label: $83,550"."""
    out: list[str] = []
    lead, items = "", list[str]()
    leads = {p.lead for p in picks}
    printed: set[str] = set()
    before: Candidate | None = None

    def flush() -> str:
        """Items after their lead, the lead only the first time ("Communication skills.
        These managers ... Detail oriented. ..." in a list of labelled paragraphs)."""
        shown = f" {'; '.join(items)}." if lead in printed else f" {lead} {'; '.join(items)}."
        printed.add(lead)
        return shown

    for p in picks:
        if p.text in leads:
            continue  # printed in front of its items
        if items and p.lead != lead:
            out.append(flush())
            items = []
        if p.lead:
            lead = p.lead
            item = " ".join(p.text.split()).rstrip(".")
            items.append(_row(item, unit) if p.kind == "row" else item)
            before = None
        else:
            out.append(_space(before, p) + p.text)
            before = p
    if items:
        out.append(flush())
    return "".join(out).strip()


def _space(before: Candidate | None, p: Candidate) -> str:
    """The corpus's own space between two sentences of one passage (a non-breaking one
    too), else a plain space."""
    if before is not None and before.passage_key == p.passage_key:
        meta = p.doc.metadata
        at = int(meta["passage_start"])
        gap = str(meta["passage"])[int(before.doc.metadata["end"]) - at:p.start - at]
        if gap and not gap.strip():
            return gap
    return " "
