"""What kind of turn a message is: small talk, off-topic, advice, or a question.

Decided by the nearest example utterance (``data/intents.txt``) in the embedding space the
index uses, so new phrasings are recognised by meaning, not by a word list. Pure: the
vectors are computed by :mod:`careerbot.models.intents`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SMALLTALK = frozenset({"greeting", "thanks", "goodbye", "identity", "capabilities"})
OFFTOPIC = "offtopic"
ADVICE = frozenset({"become", "worth", "fit", "next", "advance", "everything"})
QUESTION = "question"
"""The label of plain factual questions: answered as questions, not as advice."""
ADVICE_OVER_QUESTION = 0.01
"""How much nearer an advice example must be than every plain question example."""
OVERVIEW = "everything"
"""The advice intent answered with the key facts of one section, not with fixed questions."""
OVERVIEW_MIN = 0.65
"""Cosine needed for an overview: a bare topic ("the pay?") is near an overview example
too, and a factual question must stay short."""

SMALLTALK_MIN = 0.62
"""Cosine to the nearest small-talk example that makes a message small talk outright."""
SMALLTALK_LOOSE = 0.42
"""A weaker match to a small-talk example, enough when no passage comes near: short
messages ("thanks!", "yo") sit far from every example the model knows."""
SMALLTALK_MARGIN = 0.15
"""How much nearer to the small-talk example than to any passage a weaker match must be."""
UNRELATED = 0.22
"""Cosine to the closest passage below which a question is about something else entirely
("what's the capital of Australia?"): declined, not refused as a gap in the profile."""
ADVICE_MIN = 0.55
"""Cosine to the nearest advice example needed to compose advice."""
ADVICE_BEHIND = 0.10
"""How far behind the closest passage an advice example may be: "what do clinical managers
do?" is near "what does it take to become one?", but much nearer to the passage that
answers it."""
ADVICE_LOOSE = 0.45
"""A weaker match to an advice example, enough when it beats every passage."""
ASKED_ALREADY = 0.7
"""Cosine to a passage at which the profile itself asks the question (an FAQ entry): its
answer leads the advice, whatever words the question uses."""
GAP_MIN = 0.5
"""Cosine to the nearest gap example needed to refuse a question as one the profile never answers."""
GAP_MARGIN = 0.06
"""How much nearer a gap example must be than any example of another label."""
GAP_SURE = 0.8
"""Cosine to a gap example at which a question is one the profile never answers though
every word it uses is the profile's ("what's the best college for a master's in health
administration?", "what percentage of them work part time?")."""
GAP_SURE_MARGIN = 0.1
"""How much nearer than any other example that gap example must then be."""
OFFTOPIC_STRONG = 0.6
"""Cosine to the nearest off-topic example above which a message is declined anyway."""
ASKS_PROFILE = 0.55
"""Cosine to the nearest answerable question example (a plain question, or an answerable
near miss of ``data/gaps.txt``) at which a message asks about the profile though it uses
none of its words ("is this a big field? like how many people actually do this")."""
ASKS_LOOSE = 0.35
"""A weaker match, enough when the nearest example of all is a question or advice ("is this
gig still gonna be around in like 10 yrs?")."""


@dataclass(frozen=True)
class Intent:
    """The nearest example's label and its cosine similarity to the message."""

    label: str
    score: float
    closest: float = 0.0
    """Cosine of the passage closest to the message (0 before the search)."""
    gap: float = 0.0
    """Cosine to the nearest example of a question a profile of this kind never answers
    (``data/gaps.txt``: benefits, remote work, schools and rankings, admission...)."""
    gap_margin: float = 0.0
    """How much nearer that example is than any other example (an answerable near miss, or
    any intent's)."""
    question: float = 0.0
    """Cosine to the nearest example of a question the profile answers."""

    @property
    def smalltalk(self) -> bool:
        """A greeting, thanks, goodbye, who-are-you or what-can-you-do."""
        return self.label in SMALLTALK and self.score >= SMALLTALK_MIN

    def chat(self, own_words: bool) -> bool:
        """Small talk rather than a question, given whether the message uses words of the
        profile ("thanks, very useful" does)."""
        if self.label not in SMALLTALK:
            return False
        if self.smalltalk and (not own_words or self.score > self.closest):
            return True
        return self.score >= SMALLTALK_LOOSE and self.score >= self.closest + SMALLTALK_MARGIN

    @property
    def advice(self) -> bool:
        """Asks for advice composed from several sections: close to an advice example, or
        nearer to it than to any passage ("is it worth it to switch from nursing?")."""
        return self.label in ADVICE and (
            self.score >= ADVICE_MIN and self.score >= self.closest - ADVICE_BEHIND
            or self.score >= ADVICE_LOOSE and self.score > self.closest
        )

    @property
    def overview(self) -> bool:
        """Asks for everything about one topic ("tell me everything about pay")."""
        return self.label == OVERVIEW and self.score >= OVERVIEW_MIN

    @property
    def composed(self) -> bool:
        """Advice answered from the fixed questions of ``data/advice.txt``."""
        return self.advice and self.label != OVERVIEW

    @property
    def never_answered(self) -> bool:
        """Asks what a profile of this kind never says ("do they get bonuses?"), clearly
        nearer such an example than a question the profile answers."""
        return self.gap >= GAP_MIN and self.gap_margin >= GAP_MARGIN

    @property
    def surely_never_answered(self) -> bool:
        """So close to a question the profile never answers, and so much closer than to
        any it does, that no word it lacks is needed to tell."""
        return self.gap >= GAP_SURE and self.gap_margin >= GAP_SURE_MARGIN

    @property
    def asks_profile(self) -> bool:
        """Reads as a question the profile answers, by meaning alone: near such an example
        and nearer it than to any off-topic one."""
        return self.question >= ASKS_PROFILE and not (
            self.label == OFFTOPIC and self.score >= self.question
        ) or self.score >= ASKS_LOOSE and (self.label == QUESTION or self.label in ADVICE)

    @property
    def clearly_offtopic(self) -> bool:
        """So close to an off-topic example that words of the profile do not make it a
        question about it ("Write a poem about hospitals")."""
        return self.label == OFFTOPIC and self.score >= OFFTOPIC_STRONG


def nearest(vector: np.ndarray, labels: Sequence[str], examples: np.ndarray) -> Intent:
    """The label of the example nearest to ``vector`` (all vectors unit length)."""
    if not len(labels):
        return Intent("question", 0.0)
    scores = examples @ vector
    best = int(np.argmax(scores))
    if labels[best] in ADVICE - {OVERVIEW}:
        # Advice examples name topics too ("do nursing home administrators ever move up
        # ...?"): a message about as near a plain question on that topic is that question.
        plain = max((float(s) for s, label in zip(scores, labels, strict=True) if label == QUESTION),
                    default=-1.0)
        if plain >= scores[best] - ADVICE_OVER_QUESTION:
            return Intent(QUESTION, plain)
    return Intent(labels[best], float(scores[best]))


def nearest_question(vector: np.ndarray, questions: np.ndarray) -> float:
    """Cosine to the nearest example of a question the profile answers."""
    return float(np.max(questions @ vector, initial=0.0))


def nearest_gap(vector: np.ndarray, gaps: np.ndarray, others: np.ndarray) -> tuple[float, float]:
    """Cosine to the nearest gap example, and how much nearer it is than every other example."""
    if not len(gaps):
        return 0.0, 0.0
    gap = float(np.max(gaps @ vector))
    return gap, gap - float(np.max(others @ vector, initial=-1.0))
