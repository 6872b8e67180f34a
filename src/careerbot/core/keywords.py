"""BM25 keyword search, the corpus vocabulary and spelling correction; rank fusion.

Pure: plain Python and numpy over chunk texts, no index or model. Keyword search pins
exact names and figures ("offices of physicians", "2031") that dense search blurs.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
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
    def build(cls, texts: Sequence[str]) -> KeywordArrays:
        """BM25 (Okapi) weights of every concept-mapped term of ``texts``, in memory."""
        counts, triples = KeywordCounts(), array("i")
        for text in texts:
            counts.add(text, triples)
        block = np.frombuffer(triples, dtype=np.int32).reshape(-1, 3)
        return counts.arrays([block], np.empty(len(block), np.int32), np.empty(len(block), np.float32))


class KeywordCounts:
    """BM25's statistics gathered one chunk at a time, for a corpus too large to hold.

    Memory grows with the vocabulary (terms, their document frequencies, the corpus's
    words) and by one integer per chunk (its length); each chunk's postings go out as
    (chunk, term id, frequency) triples, which the caller may keep on disk and hand back
    in blocks to :meth:`arrays`.
    """

    def __init__(self) -> None:
        self.terms: list[str] = []
        self.df: list[int] = []
        self.lengths = array("q")
        self.postings = 0
        self._ids: dict[str, int] = {}
        self._words: set[str] = set()

    def add(self, text: str, triples: array[int]) -> None:
        """Count the next chunk's terms; append its (chunk, term id, frequency) triples."""
        toks = tokens(text)
        self._words.update(toks)
        counts = Counter(stem(t) for t in toks if t not in STOPWORDS)
        chunk = len(self.lengths)
        self.lengths.append(sum(counts.values()))
        for term, tf in counts.items():
            tid = self._ids.get(term)
            if tid is None:
                tid = self._ids[term] = len(self.terms)
                self.terms.append(term)
                self.df.append(0)
            self.df[tid] += 1
            triples.extend((chunk, tid, tf))
        self.postings += len(counts)

    def arrays(
        self, blocks: Iterable[np.ndarray], ids: np.ndarray, weights: np.ndarray,
        k1: float = 1.2, b: float = 0.75,
    ) -> KeywordArrays:
        """Fill ``ids`` and ``weights`` (``postings`` long, e.g. memory-mapped files) from the
        triples of every chunk, in blocks of rows, chunks in order; return the arrays."""
        n, order = len(self.lengths), sorted(range(len(self.terms)), key=self.terms.__getitem__)
        slot = np.empty(len(order), np.int64)
        slot[order] = np.arange(len(order))
        offsets = np.zeros(len(order) + 1, dtype=np.int64)
        np.cumsum(np.asarray(self.df, np.int64)[order], out=offsets[1:])
        cursor = offsets[:-1].copy()
        length = np.asarray(self.lengths, dtype=np.float32)
        avg = (sum(self.lengths) / n) if n else 1.0
        # float32, as a Python float in float32 arithmetic: the same weights as term by term.
        idfs = np.asarray([idf(n, df) for df in self.df], dtype=np.float32)
        for block in blocks:
            # Stable by term, so each term's chunks stay in order across blocks.
            block = block[np.argsort(slot[block[:, 1]], kind="stable")]
            chunk, term, freq = block[:, 0], block[:, 1], block[:, 2].astype(np.float32)
            where = slot[term]
            at = cursor[where] + np.arange(len(block)) - np.searchsorted(where, where)
            norm = k1 * (1 - b + b * length[chunk] / avg)
            ids[at] = chunk
            weights[at] = idfs[term] * freq * (k1 + 1) / (freq + norm)
            cursor += np.bincount(where, minlength=len(order))
        return KeywordArrays(n, [self.terms[t] for t in order], offsets, ids, weights, sorted(self._words))


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
        # A word of no dictionary whose stem happens to be the profile's ("opennings" cuts
        # to "open"), or a short one that is a stem ("mak" of "make"), is still a slip.
        if word in self.vocabulary or self.knows(stem(word)) and not spelling.no_word(word) \
                and len(word) >= spelling.MIN_LENGTH:
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
