"""Citations: the one builder of :class:`~careerbot.result.Citation`, and quoting chunks.

Both answerers (extractive and generative) number their sources through :func:`citation`,
so a citation always carries the same fields, read the same way from chunk metadata.
"""

from __future__ import annotations

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
    for p in chosen:
        groups.setdefault(p.passage_key, []).append(p)
    parts, citations = [], []
    for n, picks in enumerate(groups.values(), start=1):
        picks.sort(key=lambda p: p.start)
        quote = render(picks)
        # The quote stays verbatim; the answer marks a cut before a leaning opener.
        shown = f"[…] {quote}" if DANGLING.match(quote) else quote
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


def render(picks: Sequence[Candidate]) -> str:
    """Sentences as they are; list items and rows joined after their lead."""
    out: list[str] = []
    lead, items = "", list[str]()
    leads = {p.lead for p in picks}
    for p in picks:
        if p.text in leads:
            continue  # printed in front of its items
        if items and p.lead != lead:
            out.append(f"{lead} {'; '.join(items)}.")
            items = []
        if p.lead:
            lead = p.lead
            items.append(" ".join(p.text.split()).rstrip("."))
        else:
            out.append(p.text)
    if items:
        out.append(f"{lead} {'; '.join(items)}.")
    return " ".join(out)
