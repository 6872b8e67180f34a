"""The intent examples (``data/intents.txt``) and the examples of questions a profile never
answers (``data/gaps.txt``), embedded once per process by the query encoder."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from careerbot import resources
from careerbot.core.intent import Intent, nearest, nearest_gap
from careerbot.core.naming import NO_NAME, Naming, without_name
from careerbot.models.embeddings import LocalEmbeddings

GAP = "gap"
"""The label in ``data/gaps.txt`` of a question a profile of this kind never answers; its
other label marks answerable near misses."""


class IntentModel:
    """Nearest-example intent recognition over the bundled examples.

    Messages and examples are both read without the occupation's name (see
    :mod:`careerbot.core.naming`): what is asked decides, not whom it names.
    """

    def __init__(self, embeddings: LocalEmbeddings) -> None:
        self.embeddings = embeddings
        self._cache: dict[tuple[str, Naming], tuple[list[str], np.ndarray]] = {}

    def _embedded(self, name: str, naming: Naming) -> tuple[list[str], np.ndarray]:
        key = (name, naming)
        if key not in self._cache:
            labels: list[str] = []
            texts: list[str] = []
            for label, utterances in resources.examples(name).items():
                labels += [label] * len(utterances)
                texts += [without_name(u, *naming) for u in utterances]
            self._cache[key] = labels, self.embeddings.encode(texts)  # in batches: once per naming
        return self._cache[key]

    def _gaps(self, naming: Naming) -> tuple[np.ndarray, np.ndarray]:
        """The gap examples, and every other example (answerable near misses and intents)."""
        labels, vectors = self._embedded("gaps", naming)
        gap = np.array([label == GAP for label in labels])
        return vectors[gap], np.concatenate([vectors[~gap], self._embedded("intents", naming)[1]])

    def classify(self, text: str, naming: Naming = NO_NAME, vector: np.ndarray | None = None) -> Intent:
        """The intent of a message, read without the occupation's name (``vector``: the
        message's embedding, when already computed and the message does not name it)."""
        unnamed = without_name(text, *naming)
        if vector is None or unnamed != text:
            vector = self.embeddings.encode_query(unnamed)
        labels, vectors = self._embedded("intents", naming)
        gap, margin = nearest_gap(vector, *self._gaps(naming))
        return replace(nearest(vector, labels, vectors), gap=gap, gap_margin=margin)
