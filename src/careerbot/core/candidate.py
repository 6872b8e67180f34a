"""A candidate for quoting: one retrieved chunk (sentence, list item or table row), scored.

The retriever hands the answerer LangChain ``Document`` objects; a :class:`Candidate`
wraps one with its score for the question and the question terms it covers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.documents import Document


@dataclass
class Candidate:
    """A scored chunk (sentence, item or row) that could go into the answer."""

    doc: Document
    score: float
    covered: set[str]
    coverage: float = 0.0

    @property
    def text(self) -> str:
        """The chunk's own words."""
        return self.doc.page_content

    @property
    def lead(self) -> str:
        """The sentence introducing the list or table this chunk belongs to, if any."""
        return str(self.doc.metadata.get("lead", ""))

    @property
    def kind(self) -> str:
        """sentence, item or row."""
        return str(self.doc.metadata.get("kind", "sentence"))

    @property
    def dense(self) -> float:
        """Cosine similarity to the question (the dense search's, or its floor)."""
        return float(self.doc.metadata.get("dense") or 0.0)

    @property
    def start(self) -> int:
        """Offset in the source file."""
        return int(self.doc.metadata["start"])

    @property
    def passage_key(self) -> tuple[str, int]:
        """Identifies the passage (paragraph, list or table) the chunk belongs to."""
        return (str(self.doc.metadata["source"]), int(self.doc.metadata["passage_start"]))


def candidate_for(doc: Document, picks: list[Candidate]) -> Candidate:
    """The scored candidate of a chunk, or an unscored one when search did not score it (a
    neighbour quoted for context)."""
    for p in picks:
        if p.doc.metadata["id"] == doc.metadata["id"]:
            return p
    return Candidate(doc, 0.0, set())


Neighbours = Callable[[Document], list[Document]]
"""Every chunk of a document's section, in reading order (the retriever provides it)."""
