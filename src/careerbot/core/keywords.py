"""BM25 keyword search, the corpus vocabulary and spelling correction; rank fusion.

Pure: plain Python and numpy over chunk texts, no index or model. Keyword search pins
exact names and figures ("offices of physicians", "2031") that dense search blurs.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from careerbot.core import spelling
from careerbot.core.lexicon import CONCEPTS, GENERIC, STOPWORDS, is_number, stem, tokens

RRF_K = 60


@dataclass(frozen=True)
class KeywordArrays:
    """What BM25 needs, as flat arrays: what an index version stores beside its chunks.

    Term ``terms[t]`` occurs in chunks ``ids[offsets[t]:offsets[t + 1]]`` with those BM25
    ``weights``; ``words`` are the corpus's own tokens (its vocabulary and figures). Loaded
    back memory-mapped, nothing is rebuilt when a large index opens.
    """

    n: int
    terms: list[str]
    offsets: np.ndarray
    ids: np.ndarray
    weights: np.ndarray
    words: list[str]

    @classmethod
    def build(cls, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> KeywordArrays:
        """BM25 (Okapi) weights of every concept-mapped term of ``texts``."""
        raw: dict[str, list[tuple[int, int]]] = defaultdict(list)
        lengths: list[int] = []
        vocab: set[str] = set()
        for i, text in enumerate(texts):
            toks = tokens(text)
            vocab.update(toks)
            counts = Counter(stem(t) for t in toks if t not in STOPWORDS)
            lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                raw[term].append((i, tf))
        n = len(lengths)
        avg = (sum(lengths) / n) if n else 1.0
        length = np.asarray(lengths, dtype=np.float32)
        terms = sorted(raw)
        ids_parts, weight_parts = [], []
        for term in terms:
            plist = raw[term]
            ids = np.fromiter((i for i, _ in plist), dtype=np.int32, count=len(plist))
            freq = np.fromiter((f for _, f in plist), dtype=np.float32, count=len(plist))
            norm = k1 * (1 - b + b * length[ids] / avg)
            ids_parts.append(ids)
            weight_parts.append(idf(n, len(plist)) * freq * (k1 + 1) / (freq + norm))
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in ids_parts], out=offsets[1:])
        return cls(
            n, terms, offsets,
            np.concatenate(ids_parts) if ids_parts else np.zeros(0, np.int32),
            np.concatenate(weight_parts) if weight_parts else np.zeros(0, np.float32),
            sorted(vocab),
        )


def idf(n: int, df: int) -> float:
    """BM25's inverse document frequency for a term in ``df`` of ``n`` chunks (floored above 0)."""
    return max(math.log((n - df + 0.5) / (df + 0.5) + 1.0), 1e-3)


class KeywordIndex:
    """BM25 (Okapi) over concept-mapped terms.

    Each term's postings are two slices of flat numpy arrays (chunk positions, precomputed
    BM25 weights), so a search is a ``bincount`` over a few slices however large the corpus
    grows. Built from texts, or opened from stored :class:`KeywordArrays`.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self._open(KeywordArrays.build(texts))

    @classmethod
    def from_arrays(cls, arrays: KeywordArrays) -> KeywordIndex:
        """The index over stored arrays (memory-mapped ones stay on disk until searched)."""
        index = cls.__new__(cls)
        index._open(arrays)
        return index

    def _open(self, arrays: KeywordArrays) -> None:
        self.arrays = arrays
        self.n = arrays.n
        self._slots = {term: i for i, term in enumerate(arrays.terms)}
        self.vocabulary = frozenset(
            {*arrays.words} | STOPWORDS | GENERIC | {w for ws in CONCEPTS.values() for w in ws}
        )
        # Every figure in the corpus, normalised ("101340"): a figure in a question that is
        # not here is a false premise.
        self.numbers = frozenset(t for t in arrays.words if is_number(t))

    @cached_property
    def _by_initial(self) -> dict[str, list[str]]:
        """The corpus's words by first letter, for spelling (built on the first misspelling)."""
        return spelling.by_initial(self.arrays.words)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(chunk positions, BM25 weights) of a term, or None when no chunk has it."""
        slot = self._slots.get(term)
        if slot is None:
            return None
        a = self.arrays
        start, end = int(a.offsets[slot]), int(a.offsets[slot + 1])
        return a.ids[start:end], a.weights[start:end]

    def idf_of(self, df: int) -> float:
        """BM25's inverse document frequency for a term in ``df`` chunks (floored above 0)."""
        return idf(self.n, df)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term."""
        return self.idf_of(self.df(term))

    def df(self, term: str) -> int:
        """How many chunks contain the term."""
        slot = self._slots.get(term)
        return 0 if slot is None else int(self.arrays.offsets[slot + 1] - self.arrays.offsets[slot])

    def rare(self, term: str) -> bool:
        """True for a term found in at most two chunks: a specific, answer-defining word."""
        return self.df(term) <= 2

    def knows(self, term: str) -> bool:
        """True when a (stemmed) term occurs in some passage."""
        return term in self._slots

    def correct(self, word: str) -> str:
        """The word a misspelt or clipped one stands for ("medcal" -> "medical", "grad" ->
        "graduate"), else the word; see :mod:`careerbot.core.spelling`."""
        if word in self.vocabulary or self.knows(stem(word)):
            return word
        return spelling.correct(word, self._by_initial, lambda w: self.df(stem(w)))

    def search(self, query_terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """(chunk position, BM25 score) of the ``k`` best chunks."""
        found = [p for p in map(self.postings, set(query_terms)) if p is not None]
        if not found or k <= 0:
            return []
        ids = np.concatenate([f[0] for f in found])
        weights = np.concatenate([f[1] for f in found])
        scores = np.bincount(ids, weights=weights, minlength=self.n)
        hit = np.flatnonzero(scores)
        top = hit[np.argsort(-scores[hit], kind="stable")[:k]]
        return [(int(i), float(scores[i])) for i in top]


def fuse(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the lists a passage appears in."""
    fused: dict[int, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] += 1.0 / (k + rank)
    return dict(fused)


def query_terms(text: str, keywords: KeywordIndex) -> list[str]:
    """Content terms of a question, misspellings corrected against the corpus vocabulary."""
    return [stem(keywords.correct(t)) for t in tokens(text) if t not in STOPWORDS]
