"""Scoring one answer against its question: facts, citations, refusal, section rank.

Plain functions over plain data; :mod:`careerbot.evaluation.metrics` sums the results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from careerbot.core.citations import rows_with_units
from careerbot.core.lexicon import DANGLING, MARKER_RUN
from careerbot.evaluation.questions import EvalQuestion
from careerbot.result import Answer

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'",
                         "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201f": '"'})


@dataclass(frozen=True)
class QuestionResult:
    """How the bot did on one question; :meth:`record` is its JSON form."""

    question: EvalQuestion
    got: str
    refused: bool
    cited_sections: tuple[str, ...]
    facts_ok: bool | None
    support_ok: bool | None
    section_rank: int | None
    forbidden_hits: tuple[str, ...]
    latency_ms: float
    error: str | None = None
    missing_facts: tuple[str, ...] = ()
    unsupported_facts: tuple[str, ...] = ()
    verified: bool | None = None
    kind: str | None = None

    @property
    def answered(self) -> bool:
        """True when the bot returned an answer that is not a refusal."""
        return self.error is None and not self.refused

    @property
    def refusal_ok(self) -> bool | None:
        """Whether the answer-or-refuse decision was right (None: either was acceptable)."""
        if self.question.answerable is None:
            return None
        return self.error is None and self.refused == (not self.question.answerable)

    @property
    def kind_ok(self) -> bool | None:
        """Whether the reply was of the expected kind (None: no ``expected_kind``)."""
        if self.question.expected_kind is None:
            return None
        return self.error is None and self.kind == self.question.expected_kind

    @property
    def dangling(self) -> bool:
        """True for an answer that opens on a connective leaning on a missing sentence."""
        return self.answered and self.kind == "answer" and bool(DANGLING.match(self.got))

    def problems(self) -> list[str]:
        """Why this question fails, one phrase per failed check; empty when it passes."""
        out = [f"error: {self.error}"] if self.error else []
        if self.error is None and self.refusal_ok is False:
            out.append("refused" if self.refused else "answered (should refuse)")
        if self.answered and self.facts_ok is False:
            out.append("missing: " + ", ".join(self.missing_facts))
        if self.answered and self.support_ok is False:
            out.append("not in cited passages: " + ", ".join(self.unsupported_facts))
        if self.forbidden_hits:
            out.append("forbidden: " + ", ".join(self.forbidden_hits))
        if self.kind_ok is False:
            out.append(f"kind {self.kind}, expected {self.question.expected_kind}")
        return out

    def record(self) -> dict[str, Any]:
        """Return the per-question record of ``--json`` and ``per_question.jsonl``."""
        q = self.question
        return {
            "id": q.id, "question": q.question, "answerable": q.answerable,
            "expected_facts": [f[0] if len(f) == 1 else list(f) for f in q.expected_facts],
            "got": self.got, "refused": self.refused, "cited_sections": list(self.cited_sections),
            "facts_ok": self.facts_ok, "support_ok": self.support_ok,
            "section_rank": self.section_rank, "forbidden_hits": list(self.forbidden_hits),
            "latency_ms": self.latency_ms, "error": self.error, "kind": self.kind,
        }


def normalise(text: str) -> str:
    """Text for matching: case-folded, curly quotes made straight, whitespace folded.

    A colon before a space is dropped: a table row is quoted with its header's colon
    ("Government: 8%") and a fact copied from the corpus's row ("Government 8") must match it.
    """
    return " ".join(text.translate(_QUOTES).replace(": ", " ").casefold().split())


def strip_markers(text: str) -> str:
    """Remove the ``[n]`` citation markers from answer text."""
    return MARKER_RUN.sub("", text)


def count_words(text: str) -> int:
    """Words of an answer, not counting ``[n]`` markers."""
    return len(strip_markers(text).split())


def contains_fact(normalised_text: str, alternatives: Sequence[str]) -> bool:
    """Tell whether already-normalised text contains any one of a fact's alternatives."""
    return any(normalise(a) in normalised_text for a in alternatives)


def fact_label(alternatives: Sequence[str]) -> str:
    """Show a fact as in reports: its alternatives joined by " / "."""
    return " / ".join(alternatives)


def score(
    question: EvalQuestion, answer: Answer | None, latency_ms: float, error: str | None = None
) -> QuestionResult:
    """Score one answer (or the error raised instead of one).

    Facts are matched in the answer text without markers; support is matched in each cited
    passage (also with its table rows as answers show them) and quote. Facts and support
    are None for unanswerable questions, and for either-way questions that were refused;
    for answerable questions a refusal or an error counts as failing both.
    ``section_rank`` is the 1-based position of the first citation from
    ``expected_section`` (0: none), or None when not scored (no expected section, or not
    answered).

    Args:
        question: The question asked.
        answer: What the bot returned, or None when it raised.
        latency_ms: Time the ``ask()`` call took.
        error: The exception message when ``answer`` is None.

    Returns:
        The per-question result.

    """
    text = answer.text if answer is not None else ""
    refused = answer is not None and answer.refused
    answered = answer is not None and not refused
    citations = answer.citations if answer is not None else []
    body = normalise(strip_markers(text))
    cited = [normalise(t) for c in citations for t in (c.passage, rows_with_units(c.passage), c.quote)]
    facts = question.expected_facts
    missing = tuple(fact_label(f) for f in facts if not contains_fact(body, f))
    unsupported = tuple(
        fact_label(f) for f in facts if not any(contains_fact(t, f) for t in cited)
    )

    facts_ok: bool | None
    support_ok: bool | None
    if question.answerable is False:
        facts_ok = support_ok = None
    elif answered:
        facts_ok, support_ok = not missing, not unsupported
    else:
        facts_ok = support_ok = False if question.answerable else None

    rank: int | None = None
    if question.expected_section and answered:
        want = normalise(question.expected_section)
        sections = [normalise(c.section) for c in citations]
        rank = sections.index(want) + 1 if want in sections else 0

    return QuestionResult(
        question=question, got=text, refused=refused,
        cited_sections=tuple(c.section for c in citations),
        facts_ok=facts_ok, support_ok=support_ok, section_rank=rank,
        forbidden_hits=tuple(s for s in question.forbidden if normalise(s) in body),
        latency_ms=round(latency_ms, 1), error=error,
        missing_facts=missing, unsupported_facts=unsupported,
        verified=answer.verified if answer is not None else None,
        kind=answer.kind if answer is not None else None,
    )
