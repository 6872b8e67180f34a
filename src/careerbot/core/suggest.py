"""Suggested questions: ones the profile can answer, derived from its section names and facts.

Pure: :class:`~careerbot.CareerBot` checks each suggestion against itself before offering
it, so a corpus that words things otherwise offers fewer suggestions, never a dead end.
"""

from __future__ import annotations

from collections.abc import Sequence

from careerbot.core.facts import OccupationFacts

TOPICS = [
    ("pay", "How much do {t} earn?"),
    ("duties", "What are the typical duties of {t}?"),
    ("education", "What education do {t} need?"),
    ("outlook", "What is the job outlook for {t}?"),
    ("licens", "Do {t} need a license?"),
    ("environment", "Where do {t} work?"),
    ("schedule", "Do {t} work full time?"),
    ("experience", "What work experience do {t} need?"),
    ("advancement", "How do {t} advance?"),
    ("personality", "What qualities do {t} need?"),
]
"""Follow-up topics: (words in a section name, question template)."""


def subject(title: str) -> str:
    """A document title as it reads inside a question ("medical and health services managers")."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def suggestions(title: str, sections: Sequence[str], facts: OccupationFacts | None = None,
                ) -> list[tuple[str, str]]:
    """(question, section) pairs the corpus can answer, from its section names and facts."""
    t = subject(title)
    out: list[tuple[str, str]] = []
    for words, template in TOPICS:
        section = next((s for s in sections if words in s.lower()), None)
        if section and all(q != template.format(t=t) for q, _ in out):
            out.append((template.format(t=t), section))
        if words == "pay" and facts is not None and facts.pay_citation is not None:
            out.append((f"Which industries pay {t} the most?", facts.pay_citation.section))
    return out


def follow_ups(pool: Sequence[tuple[str, str]], asked: Sequence[str], cited: set[str], k: int = 3,
               ) -> list[str]:
    """Up to ``k`` questions not asked yet, about sections the last answer did not cite."""
    seen = {q.strip().lower() for q in asked}
    fresh = [(q, s) for q, s in pool if q.lower() not in seen]
    preferred = [q for q, s in fresh if s.strip() not in cited]
    rest = [q for q, _s in fresh if q not in preferred]
    return (preferred + rest)[:k]
