"""The intent examples (``data/intents.txt``) and the examples of questions a profile never
answers (``data/gaps.txt``), embedded once per process by the query encoder."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

import numpy as np

from careerbot import resources
from careerbot.core.intent import QUESTION, Intent, nearest, nearest_gap, nearest_question
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
        self._read: dict[Naming, _Examples] = {}

    def _embedded(self, name: str, naming: Naming) -> tuple[list[str], np.ndarray]:
        labels: list[str] = []
        texts: list[str] = []
        for label, utterances in resources.examples(name).items():
            labels += [label] * len(utterances)
            texts += [without_name(u, *naming) for u in utterances]
        return labels, self.embeddings.encode(texts)  # in batches

    def _examples(self, naming: Naming) -> _Examples:
        """The intent examples, the gap examples and every other example (answerable near
        misses and intents), read with ``naming``: embedded once per naming."""
        if naming not in self._read:
            labels, vectors = self._embedded("intents", naming)
            kinds, near = self._embedded("gaps", naming)
            gap = np.array([kind == GAP for kind in kinds])
            asked = np.array([label == QUESTION for label in labels])
            self._read[naming] = _Examples(labels, vectors, near[gap], np.concatenate([near[~gap], vectors]),
                                           np.concatenate([near[~gap], vectors[asked]]))
        return self._read[naming]

    def classify(self, text: str, naming: Naming = NO_NAME) -> Intent:
        """The intent of a message, read without the occupation's name."""
        vector = self.embeddings.encode_query(without_name(text, *naming))
        seen = self._examples(naming)
        gap, margin = nearest_gap(vector, seen.gaps, seen.others)
        return replace(nearest(vector, seen.labels, seen.vectors), gap=gap, gap_margin=margin,
                       question=nearest_question(vector, seen.questions))


class _Examples(NamedTuple):
    labels: list[str]
    vectors: np.ndarray
    gaps: np.ndarray
    others: np.ndarray
    questions: np.ndarray
