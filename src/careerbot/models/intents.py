"""The intent examples (``data/intents.txt``), embedded once per process by the query encoder."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from careerbot import resources
from careerbot.core.intent import Intent, nearest
from careerbot.models.embeddings import LocalEmbeddings


class IntentModel:
    """Nearest-example intent recognition over the bundled examples."""

    def __init__(self, embeddings: LocalEmbeddings) -> None:
        self.embeddings = embeddings

    @cached_property
    def _examples(self) -> tuple[list[str], np.ndarray]:
        labels: list[str] = []
        texts: list[str] = []
        for label, utterances in resources.examples("intents").items():
            labels += [label] * len(utterances)
            texts += utterances
        vectors = np.stack([self.embeddings.encode_query(t) for t in texts])
        return labels, vectors

    def classify(self, vector: np.ndarray) -> Intent:
        """The intent of a message, given its embedding."""
        labels, vectors = self._examples
        return nearest(vector, labels, vectors)
