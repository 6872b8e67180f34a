"""The intent examples (``data/intents.txt``) and the examples of questions a profile never
answers (``data/gaps.txt``), embedded once per process by the query encoder."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import numpy as np

from careerbot import resources
from careerbot.core.intent import Intent, nearest, nearest_gap
from careerbot.models.embeddings import LocalEmbeddings

GAP = "gap"
"""The label in ``data/gaps.txt`` of a question a profile of this kind never answers; its
other label marks answerable near misses."""


class IntentModel:
    """Nearest-example intent recognition over the bundled examples."""

    def __init__(self, embeddings: LocalEmbeddings) -> None:
        self.embeddings = embeddings

    def _embedded(self, name: str) -> tuple[list[str], np.ndarray]:
        labels: list[str] = []
        texts: list[str] = []
        for label, utterances in resources.examples(name).items():
            labels += [label] * len(utterances)
            texts += utterances
        return labels, self.embeddings.encode(texts)  # in batches: once per process

    @cached_property
    def _examples(self) -> tuple[list[str], np.ndarray]:
        return self._embedded("intents")

    @cached_property
    def _gaps(self) -> tuple[np.ndarray, np.ndarray]:
        """The gap examples, and every other example (answerable near misses and intents)."""
        labels, vectors = self._embedded("gaps")
        gap = np.array([label == GAP for label in labels])
        return vectors[gap], np.concatenate([vectors[~gap], self._examples[1]])

    def classify(self, vector: np.ndarray) -> Intent:
        """The intent of a message, given its embedding."""
        labels, vectors = self._examples
        gap, margin = nearest_gap(vector, *self._gaps)
        return replace(nearest(vector, labels, vectors), gap=gap, gap_margin=margin)
