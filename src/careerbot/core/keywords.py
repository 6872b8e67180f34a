"""BM25 keyword search, the corpus vocabulary and spelling correction; rank fusion.

Pure: plain Python and numpy over chunk texts, no index or model. Keyword search pins
exact names and figures ("offices of physicians", "2031") that dense search blurs.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from careerbot.core import spelling
from careerbot.core.lexicon import CONCEPTS, GENERIC, STOPWORDS, is_number, stem, tokens

RRF_K = 60


class KeywordIndex:
    """BM25 (Okapi) over concept-mapped terms.

    Each term's postings are two numpy arrays (chunk positions, precomputed BM25 weights),
    so a search is a ``bincount`` over a few arrays however large the corpus grows.
    """

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
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
        self.n = len(lengths)
        avg = (sum(lengths) / self.n) if self.n else 1.0
        length = np.asarray(lengths, dtype=np.float32)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, plist in raw.items():
            ids = np.fromiter((i for i, _ in plist), dtype=np.int32, count=len(plist))
            freq = np.fromiter((f for _, f in plist), dtype=np.float32, count=len(plist))
            norm = k1 * (1 - b + b * length[ids] / avg)
            self.postings[term] = (ids, self.idf_of(len(plist)) * freq * (k1 + 1) / (freq + norm))
        self.vocabulary = frozenset(
            vocab | STOPWORDS | GENERIC | {w for ws in CONCEPTS.values() for w in ws}
        )
        # Every figure in the corpus, normalised ("101340"): a figure in a question that is
        # not here is a false premise.
        self.numbers = frozenset(t for t in vocab if is_number(t))
        self._by_initial = spelling.by_initial(vocab)

    def idf_of(self, df: int) -> float:
        """BM25's inverse document frequency for a term in ``df`` chunks (floored above 0)."""
        return max(math.log((self.n - df + 0.5) / (df + 0.5) + 1.0), 1e-3)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term."""
        return self.idf_of(self.df(term))

    def df(self, term: str) -> int:
        """How many chunks contain the term."""
        found = self.postings.get(term)
        return 0 if found is None else len(found[0])

    def rare(self, term: str) -> bool:
        """True for a term found in at most two chunks: a specific, answer-defining word."""
        return self.df(term) <= 2

    def knows(self, term: str) -> bool:
        """True when a (stemmed) term occurs in some passage."""
        return term in self.postings

    def correct(self, word: str) -> str:
        """The word a misspelt or clipped one stands for ("medcal" -> "medical", "grad" ->
        "graduate"), else the word; see :mod:`careerbot.core.spelling`."""
        if word in self.vocabulary or self.knows(stem(word)):
            return word
        return spelling.correct(word, self._by_initial, lambda w: self.df(stem(w)))

    def search(self, query_terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """(chunk position, BM25 score) of the ``k`` best chunks."""
        found = [self.postings[t] for t in set(query_terms) if t in self.postings]
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
