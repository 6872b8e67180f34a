"""Turns that are not one quoted answer: small talk, polite declines, advice composed of
several answers, and multi-part questions.

Composed advice is still made only of quoted, cited sentences: each part is an ordinary
extractive answer, and :func:`merge` renumbers their citations into one list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from string import Template

from careerbot import resources
from careerbot.core.lexicon import ABOUT_ME, EXAMPLES, INTENTS, MARKER, WH_WORDS, terms
from careerbot.result import Answer, Citation

_ASKS = (r"(?:how|what|what's|whats|where|when|which|who|why|whom|is|are|do|does|did|can|could|will|"
         r"would|should|has|have|(?:tell|give|show)\s+me|explain|describe|list)\b")
"""What opens a question or a request ("tell me the median salary and also how fast ...")."""
_PARTS = re.compile(rf"(?<=\?)\s+(?=\S)|,?\s+(?:and(?:\s+also)?|also|plus)\s+(?:\w+ly\s+)?(?={_ASKS})"
                    rf"|,\s+(?={_ASKS})", re.I)
"""Where a message's parts meet: after a "?", or before a question word after "and" (an
adverb between: "and roughly how many ...?") or a comma."""
_ASKING = re.compile(_ASKS, re.I)
_WH = rf"(?:{WH_WORDS})"
_ASKED_AFTER = re.compile(
    rf"(?<![,\w])\s+{_WH}\b|,\s*{_WH}\s+(?:do|does|did|is|are|can|could|should|would|will)\s+"
    r"(?:i|you|they|we|he|she|it|these|those|the)\b", re.I)
"""A question after a greeting, a condition or context in the same piece ("hi! what do
they do", "If I want to earn the most, where should I work"), unlike a relative clause
after a comma ("her salary, which is ...")."""
_REMARK = re.compile(rf"(?!(?:(?:and|also|plus|so|but)\s+)?{_ASKS})(?!.*\bor\b)", re.I)
"""A piece that neither opens as a question nor offers a choice ("asking for motivation
lol"; not "mostly hospitals or what")."""
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


_WORKPLACES = re.compile(
    rf"\b(?:in|at|for)\s+(?:an?\s+|the\s+)?(?P<a>[\w'’ -]+?)\s+or\s+(?:in|at|for)?\s*(?:an?\s+|the\s+)?"
    rf"(?!{_ASKS})(?P<b>[\w'’ -]+?)\s*(?:[?.!,;]|\b(?:if|in this|in the)\b|$)",
    re.I,
)
"""A choice between two places to work ("work in a nursing home or a hospital"); a clause
after "or" ("... pay ok or are they trash") is no place."""
_CHOOSING = re.compile(r"\b(better|rather|choose|should|prefer)\b", re.I)
"""Words that make "A or B" a choice to weigh, not a question of fact ("do they work in
offices or hospitals?")."""


def compared(question: str, workplace: Callable[[str], bool] = lambda _side: True) -> list[str]:
    """What a comparison asks about each side ("the diff between a clinical manager and a
    health info manager" -> "What is a clinical manager?", "What is a health info
    manager?"; "work for a hospital or for the government?" -> the pay in each). Empty
    when it compares a figure ("compare pay in hospitals and government"): the table's
    rows answer that as one question."""
    asked_terms = set(terms(question))
    m = _COMPARED.search(question)
    if m and not INTENTS & asked_terms:
        sides = [m["a"] or m["c"], m["b"] or m["d"]]
        asked = [f"What is {side.strip()}?" for side in sides if len(side.split()) <= MAX_SIDE_WORDS]
        return asked if len(asked) == 2 else []
    # Choosing between workplaces is answered with what the profile gives for each: pay.
    choosing = _CHOOSING.search(question) or "pay" in asked_terms
    m = _WORKPLACES.search(question) if choosing else None
    sides = [m["a"], m["b"]] if m else []
    # Two things to study ("major in nursing or health administration") are no workplaces:
    # each side must name one (``workplace``: a row of the profile's tables names it).
    if not sides or any(len(side.split()) > MAX_SIDE_WORDS // 2 or not workplace(side) for side in sides):
        return []
    return [f"What is the median annual wage in {side.strip()}?" for side in sides]


def split_parts(question: str) -> list[str]:
    """The questions inside a multi-part message ("What's the pay, and how fast is it
    growing?"), or the message itself when it asks one thing."""
    parts: list[str] = []
    for piece in (p.strip(" ,;") for p in _PARTS.split(question.strip())):
        if parts and piece and not (_ASKING.match(parts[0]) or _ASKED_AFTER.search(parts[0])):
            parts[-1] = f"{parts[-1]}, {piece}"  # context with no question word: one part with what follows
        elif parts and (not piece.endswith("?") and (ABOUT_ME.match(piece) or _REMARK.match(piece))
                        or EXAMPLES.match(piece)):
            # context or a remark after it ("... one? I am a nurse.", "... pull in?? asking
            # for motivation lol"), or examples of what it asks ("what benefits do they
            # get? like health insurance, 401k")
            parts[-1] = f"{parts[-1]} {piece}"
        elif piece:
            parts.append(piece)
    if len(parts) < 2 or any(len(p.split()) < MIN_PART_WORDS for p in parts):
        return [question]
    return parts


def _renumber(number: dict[int, int], marker: re.Match[str]) -> str:
    return "".join(f"[{number.get(int(n), int(n))}]" for n in re.findall(r"\d+", marker.group(0)))


ADVICE_BUDGET = 200
"""Words an advice answer may run to: paragraphs past it are left out (the first stays)."""


def merge(parts: Sequence[Answer], budget: int | None = None) -> Answer:
    """One answer from several answered parts: texts in order, citations renumbered, a
    passage quoted twice cited once, and a part whose every quote lies within another
    part's quotes (a sentence of a paragraph already given) left out. With a ``budget``,
    paragraphs past that many words are left out too, with the citations only they used."""
    parts = [p for i, p in enumerate(parts) if not _within_others(p, [*parts[:i], *parts[i + 1:]])]
    citations: dict[int, Citation] = {}
    paragraphs: list[str] = []
    seen: dict[tuple[str, int, int], int] = {}
    said: set[str] = set()
    for part in parts:
        number: dict[int, int] = {}
        for c in part.citations:
            key = (c.source, c.start, c.end)
            seen.setdefault(key, len(seen) + 1)
            citations.setdefault(seen[key], c)
            number[c.n] = seen[key]
        for p in _unseen(MARKER.sub(partial(_renumber, number), part.text), said):
            # A paragraph without a quote is a list's lead: it stays with what follows.
            glued = paragraphs and not MARKER.search(paragraphs[-1])
            paragraphs[-1:] = [f"{paragraphs[-1]}\n\n{p}"] if glued else [*paragraphs[-1:], p]
    kept = _rows_joined(_within_budget(paragraphs, budget) if budget else paragraphs)
    # Number the citations the kept text uses in the order it first uses them.
    order = {n: i + 1 for i, n in enumerate(dict.fromkeys(
        int(n) for marker in MARKER.findall("\n\n".join(kept)) for n in re.findall(r"\d+", marker)))}
    text = MARKER.sub(partial(_renumber, order), "\n\n".join(kept))
    cited = [replace(citations[n], n=order[n]) for n in order]
    notes = [n for p in parts for n in p.notes]
    return Answer(text=text, citations=cited, notes=notes)


_LEAD = re.compile(r"^[^\n]*?\bas follows: ")
"""The lead a table's rows are quoted after ("... were as follows: ")."""


def _rows_joined(paragraphs: Sequence[str]) -> list[str]:
    """Rows of one table quoted by two parts under the same lead, as one list: "... as
    follows: Hospitals: $119,450 [1]; Government: $117,000 [2]."."""
    out: list[str] = []
    for p in paragraphs:
        lead = _LEAD.match(p)
        if lead and out and out[-1].startswith(lead.group(0)):
            out[-1] = f"{out[-1].rstrip('.')}; {p[lead.end():]}"
        else:
            out.append(p)
    return out


def _within_budget(paragraphs: Sequence[str], budget: int) -> list[str]:
    """The paragraphs, in order, that fit ``budget`` words (the first always)."""
    kept: list[str] = []
    words = 0
    for p in paragraphs:
        n = len(MARKER.sub("", p).split())
        if kept and words + n > budget:
            continue
        kept.append(p)
        words += n
    return kept


_QUOTE = re.compile(rf"\S.*?(?:{MARKER.pattern})+[.!?]?", re.S)
"""One quote of an answer with its citation markers ("... license [1].")."""


def _unseen(text: str, said: set[str]) -> list[str]:
    """The paragraphs of ``text`` without the quotes already given (``said``, updated): two
    composed answers often quote the same passage, and it is said once."""
    paragraphs = []
    for paragraph in filter(None, text.split("\n\n")):
        quotes = _QUOTE.findall(paragraph) or [paragraph]
        fresh = [quote for quote in quotes if quote not in said]
        said.update(fresh)
        if fresh:
            paragraphs.append(" ".join(fresh))
    return paragraphs


def _within_others(part: Answer, others: Sequence[Answer]) -> bool:
    """Every quote of ``part`` lies inside a longer quote of another part (one duty of a
    list already quoted whole); two rows of one table are not inside each other."""
    quotes = [(c.source, c.start, c.end, c.quote) for o in others for c in o.citations]
    return bool(part.citations) and all(
        any(src == c.source and s <= c.start and c.end <= e and (s, e) != (c.start, c.end)
            and c.quote.rstrip(".").split(": ", 1)[-1] in quote for src, s, e, quote in quotes)
        for c in part.citations
    )
