"""Turns that are not one quoted answer: small talk, polite declines, advice composed of
several answers, and multi-part questions.

Composed advice is still made only of quoted, cited sentences: each part is an ordinary
extractive answer, and :func:`merge` renumbers their citations into one list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from string import Template

from careerbot import resources
from careerbot.core.lexicon import INTENTS, MARKER, terms
from careerbot.result import Answer, Citation

_ASKS = (r"(?:how|what|what's|whats|where|when|which|who|why|whom|is|are|do|does|did|can|could|will|"
         r"would|should|has|have)\b")
_PARTS = re.compile(rf"(?<=\?)\s+(?=\S)|,?\s+(?:and|also|plus)\s+(?={_ASKS})|,\s+(?={_ASKS})", re.I)
_ASKING = re.compile(_ASKS, re.I)
MIN_PART_WORDS = 3
MAX_SIDE_WORDS = 8
"""Longest side of a comparison read as a thing compared, not a clause."""
TOPICS_SHOWN = 5


def reply(intent: str, title: str, examples: Sequence[str], sections: Sequence[str]) -> Answer:
    """A short, friendly, fact-free reply (small talk, or a decline for off-topic)."""
    template = Template(resources.examples("replies")[intent][0])
    shown = " ".join(f"“{q}”" for q in examples[:3]) or "“What is the job outlook?”"
    named = [s for s in sections if s.lower() not in {"overview", "faq"}]
    topics = ", ".join(named[:TOPICS_SHOWN]) + (" and more" if len(named) > TOPICS_SHOWN else "")
    text = template.substitute(title=title, examples=shown, topics=topics)
    kind = "decline" if intent == "decline" else "smalltalk"
    return Answer(text=text, refused=kind == "decline", kind=kind, notes=[f"{kind}: {intent}"])


_COMPARED = re.compile(
    r"\b(?:between|compare|comparing)\s+(?P<a>[^?.!,;]+?)\s+(?:and|with|to|vs\.?|versus)\s+"
    r"(?P<b>[^?.!,;]+?)\s*(?:[?.!,;]|$)"
    r"|(?P<c>[\w'’ ]+?)\s+(?:vs\.?|versus)\s+(?P<d>[^?.!,;]+?)\s*(?:[?.!,;]|$)",
    re.I,
)


def compared(question: str) -> list[str]:
    """What a comparison asks about each side ("the diff between a clinical manager and a
    health info manager" -> "What is a clinical manager?", "What is a health info
    manager?"). Empty when it compares a figure ("compare pay in hospitals and
    government"): the table's rows answer that as one question."""
    m = _COMPARED.search(question)
    if not m or INTENTS & set(terms(question)):
        return []
    sides = [m["a"] or m["c"], m["b"] or m["d"]]
    asked = [f"What is {side.strip()}?" for side in sides if len(side.split()) <= MAX_SIDE_WORDS]
    return asked if len(asked) == 2 else []


def split_parts(question: str) -> list[str]:
    """The questions inside a multi-part message ("What's the pay, and how fast is it
    growing?"), or the message itself when it asks one thing."""
    parts: list[str] = []
    for piece in (p.strip(" ,;") for p in _PARTS.split(question.strip())):
        if parts and piece and not _ASKING.match(parts[0]):
            parts[-1] = f"{parts[-1]}, {piece}"  # context before a question: one part with it
        elif piece:
            parts.append(piece)
    if len(parts) < 2 or any(len(p.split()) < MIN_PART_WORDS for p in parts):
        return [question]
    return parts


def _renumber(number: dict[int, int], marker: re.Match[str]) -> str:
    return "".join(f"[{number.get(int(n), int(n))}]" for n in re.findall(r"\d+", marker.group(0)))


def merge(parts: Sequence[Answer]) -> Answer:
    """One answer from several answered parts: texts in order, citations renumbered, a
    passage quoted twice cited once, and a part whose every quote lies within another
    part's quotes (a sentence of a paragraph already given) left out."""
    parts = [p for i, p in enumerate(parts) if not _within_others(p, [*parts[:i], *parts[i + 1:]])]
    citations: list[Citation] = []
    texts: list[str] = []
    seen: dict[tuple[str, int, int], int] = {}
    for part in parts:
        number: dict[int, int] = {}
        for c in part.citations:
            key = (c.source, c.start, c.end)
            if key not in seen:
                seen[key] = len(citations) + 1
                citations.append(replace(c, n=seen[key]))
            number[c.n] = seen[key]
        text = MARKER.sub(partial(_renumber, number), part.text)
        if text not in texts:
            texts.append(text)
    notes = [n for p in parts for n in p.notes]
    return Answer(text="\n\n".join(texts), citations=citations, notes=notes)


def _within_others(part: Answer, others: Sequence[Answer]) -> bool:
    """Every quote of ``part`` lies inside a longer quote of another part."""
    spans = [(c.source, c.start, c.end) for o in others for c in o.citations]
    return bool(part.citations) and all(
        any(src == c.source and s <= c.start and c.end <= e and (s, e) != (c.start, c.end)
            for src, s, e in spans)
        for c in part.citations
    )
