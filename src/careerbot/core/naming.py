"""The occupation's own name in a message, set aside when reading what the message asks.

Every passage of a profile is about its occupation, so its name says nothing of what a
question asks, yet in the embedding space a long name ("medical and health services
managers") outweighs the few words that do ("the highest 10 percent ... earn"): the
question lands near any example that spells the name out. Read with the name as a pronoun,
"What did the highest 10 percent of them earn?" is near the examples that ask the same
thing, whoever they name. Pure: text in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from careerbot.core.lexicon import DETERMINERS, PREPOSITIONS, STOPWORDS, stem

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_JOINS = frozenset({"and", "&"})
Naming = tuple[frozenset[str], frozenset[str]]
"""An occupation's name as :func:`without_name` reads it: its name's terms and head nouns."""
NO_NAME: Naming = (frozenset(), frozenset())
_POINTING = frozenset({"a", "an", "the", "this", "that", "these", "those", "every", "each", "any", "all"})
"""Words that point at them all ("these managers", "every manager"): they go with the name.
Others say which of them ("most managers", "no managers") and stay."""
_OBJECT = PREPOSITIONS | {"of", "to", "than", "as"}
"""Words after which the name is an object: "them"."""


def without_name(text: str, subject: frozenset[str], heads: frozenset[str]) -> str:
    """``text`` with each naming of the occupation (a run of its name's words ending on a
    head noun of its names, ``heads``: "health services managers", "healthcare
    administrator's") as "they", or "them" after a preposition. Other uses of the name's
    words stay ("health insurance", "a master's in health administration"): they name
    other things."""
    if not heads:
        return text
    words = list(_WORD.finditer(text))
    out, at, i = [], 0, 0
    while i < len(words):
        j = i
        while j < len(words) and (_stem(words[j]) in subject or words[j].group().lower() in _JOINS and j > i):
            j += 1
        ends = [k for k in range(i, j) if _lemma(words[k]) in heads]
        if not ends:
            i = max(j, i + 1)
            continue
        end = ends[-1]
        start = i - 1 if i and words[i - 1].group().lower() in _POINTING else i
        before = words[start - 1].group().lower() if start else ""
        between = text[words[start - 1].end():words[start].start()] if start else ""
        if before and before not in STOPWORDS | DETERMINERS and between.isspace():
            i = end + 1  # a kind of the occupation ("clinical managers", "hospital administrators")
            continue
        out += [text[at:words[start].start()], "them" if before in _OBJECT else "they"]
        at, i = words[end].end(), end + 1
    return "".join([*out, text[at:]])


def _bare(match: re.Match[str]) -> str:
    return match.group().lower().replace("’", "'").removesuffix("'s").removesuffix("'")


def _stem(match: re.Match[str]) -> str:
    return stem(_bare(match))


def _lemma(match: re.Match[str]) -> str:
    from lemminflect import getLemma

    return getLemma(_bare(match), upos="NOUN")[0]


_ALTERNATIVES = re.compile(r"\s*(?:,|\bor\b)\s*")


def heads_of(names: Iterable[str]) -> frozenset[str]:
    """The head nouns of an occupation's names, as lemmas: the last word of each
    ("Medical and health services managers", "healthcare executives or healthcare
    administrators" -> manager, executive, administrator)."""
    found = set()
    for name in names:
        for part in _ALTERNATIVES.split(name):
            words = list(_WORD.finditer(part))
            if words:
                found.add(_lemma(words[-1]))
    return frozenset(found)


__all__ = ["NO_NAME", "Naming", "heads_of", "without_name"]
