"""The live index version and everything derived from it: retriever, title, sections and
the subject's own words, built once per version and replaced when an ingest swaps it.

Kept apart from :mod:`careerbot.bot` so the API module holds the conversation only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from careerbot.core.chunking import Chunk
from careerbot.core.facts import OccupationFacts
from careerbot.core.lexicon import STOPWORDS, acronyms, terms, tokens
from careerbot.core.naming import Naming, heads_of
from careerbot.index.base import IndexedChunks
from careerbot.models.embeddings import LocalEmbeddings
from careerbot.retrieve import HybridRetriever

SAME_MEANING = 0.7
"""Cosine between two words' vectors above which they mean nearly the same."""
_ALIASES = re.compile(r"\balso\s+(?:called|known\s+as)\s+([^.;,]+)", re.I)


@dataclass
class Live:
    """Everything derived from one index version; replaced when the version changes.

    ``readers`` counts the questions searching it; a replaced (``retired``) version is
    closed when the last of them finishes, so its files are released.
    """

    index: IndexedChunks
    retriever: HybridRetriever
    title: str
    sections: list[str]
    subject: set[str]
    naming: Naming
    """How a message names the occupation, to read what it asks without the name (see
    :mod:`careerbot.core.naming`); no head nouns for a profile of several occupations,
    whose names pick the document."""
    facts: list[OccupationFacts] | None = None
    suggestions: list[tuple[str, str]] | None = None
    readers: int = 0
    retired: bool = False
    words: tuple[list[str], np.ndarray] | None = None
    """The profile's content words and their vectors, embedded on first need."""
    _acronyms: dict[str, str] | None = None
    _rows: set[str] | None = None

    @property
    def occupation(self) -> str:
        """The occupation's name when the profile is about one ("" for several)."""
        return "" if " / " in self.title else self.title

    def acronyms(self) -> dict[str, str]:
        """The acronyms of the names the profile spells out, found on first need."""
        if self._acronyms is None:
            self._acronyms = acronyms(c.text for c in self.index.chunks)
        return self._acronyms

    def names_a_row(self, words: str) -> bool:
        """Whether a word of ``words`` (the profile's name aside) is one of a table's
        rows ("nursing homes": "Nursing and residential care facilities"): a workplace the
        profile gives figures for, not a field of study ("health administration")."""
        if self._rows is None:
            self._rows = set(terms(" ".join(c.text for c in self.index.chunks if c.kind == "row")))
        return any(t in self._rows for t in terms(words) if t not in self.subject)

    def uses_a_word_like(self, word: str, embeddings: LocalEmbeddings) -> bool:
        """Whether the profile uses a word meaning nearly the same ("big" -> "large"):
        then a "how big is it?" question is answered, not refused as a property the
        profile does not rate ("how stressful is it?")."""
        if self.words is None:
            found = sorted({w for c in self.index.chunks for w in tokens(c.text)
                            if w.isalpha() and len(w) > 2 and w not in STOPWORDS})
            self.words = found, np.asarray(embeddings.embed_documents(found), dtype=np.float32)
        vector = np.asarray(embeddings.encode_query(word), dtype=np.float32)
        return bool(len(self.words[0])) and float(np.max(self.words[1] @ vector)) >= SAME_MEANING



def load(index: IndexedChunks, embeddings: LocalEmbeddings, top_k: int) -> Live:
    """Derive the state of a freshly opened version (the BM25 index is read or built here)."""
    retriever = HybridRetriever.build(index, embeddings, top_k)
    titles = list(dict.fromkeys(c.title for c in index.chunks))
    reading = sorted(index.chunks, key=lambda c: (c.source, c.start))
    sections = list(dict.fromkeys(c.section for c in reading))
    title = " / ".join(titles[:3]) + (f" and {len(titles) - 3} more" if len(titles) > 3 else "")
    names = names_of(index.chunks)
    subject = subject_terms(names)
    heads = heads_of(next(iter(names.values()))) if len(names) == 1 else frozenset()
    return Live(index, retriever, title, sections, subject, (frozenset(subject), heads))


def names_of(chunks: Sequence[Chunk]) -> dict[str, list[str]]:
    """Each document's names for its occupation: its title, then the aliases its overview
    gives ("also called healthcare executives or healthcare administrators")."""
    names: dict[str, list[str]] = {}
    for c in chunks:
        found = names.setdefault(c.source, [c.title])
        if c.section == "Overview":
            found += _ALIASES.findall(c.text)
    return names


def subject_terms(names: dict[str, list[str]]) -> set[str]:
    """Terms naming what every document is about: its title words and aliases (``names``,
    from :func:`names_of`).

    A question using them is about the subject, and they say nothing about which passage
    answers, so the answerer sets them aside. With several documents only the terms all
    of them share count: "dovakelu" in "Dovakelu specialists" is what picks that document.
    """
    found = [set(terms(" ".join(n))) for n in names.values()]
    return set.intersection(*found) if found else set()
