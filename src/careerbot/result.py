"""What every answer is: text with ``[n]`` markers, and the passages those markers cite."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """One numbered source: the passage an answer relied on and the words it quoted.

    Attributes:
        n: The marker number, as in ``[n]`` in the answer text.
        source: Corpus file the passage comes from.
        title: That document's title.
        section: Section heading of the passage ("Pay", "Job Outlook", ...).
        quote: The sentence(s), list items or table rows the answer used, verbatim.
        start: Character offset of the quote's start in the source file.
        end: Character offset of the quote's end in the source file.
        passage: The whole retrieved passage, for context.
        score: Retrieval score of the passage (higher is better).
    """

    n: int
    source: str
    title: str
    section: str
    quote: str
    start: int
    end: int
    passage: str
    score: float


ANSWER_KINDS = ("answer", "refusal", "smalltalk", "decline")
"""What an :class:`Answer` can be."""


@dataclass
class Answer:
    """A reply to one question.

    Attributes:
        text: The answer, with ``[n]`` markers that refer to ``citations``.
        citations: The numbered sources, in marker order.
        refused: True when the corpus does not answer the question (``kind`` is
            ``refusal``) or the message is off-topic (``decline``).
        verified: True when the text reached the user as produced (no sentence removed).
        notes: What was changed or why it refused, for logs and reports.
        kind: ``answer`` (quoted and cited), ``refusal`` (the profile lacks it),
            ``smalltalk`` (a greeting, thanks, who-are-you...) or ``decline`` (off-topic).
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    verified: bool = True
    notes: list[str] = field(default_factory=list)
    kind: str = "answer"  # one of ANSWER_KINDS

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def sources_text(self) -> str:
        """The numbered source list, one per line, as shown under an answer."""
        return "\n".join(f"[{c.n}] {c.section}: {c.quote}" for c in self.citations)
