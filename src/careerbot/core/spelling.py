"""Spelling: misspelt and clipped words mapped to the words the profile and English use.

A user types "helth", "progam", "certs" or "grad"; keyword search and the refusal check
need "health", "program", "certification", "graduate". Candidates come from two
dictionaries: the corpus vocabulary (preferred) and the common English words of
``wordfreq``, so a typo of an ordinary word ("bomers") becomes that word, not a name the
profile "never mentions". ``rapidfuzz`` scores the edit similarity.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import lru_cache

from careerbot.core.lexicon import STOPWORDS, is_common, stem

MIN_LENGTH = 4
"""Shorter words are too ambiguous to correct ("ppl", "u")."""
LONG_WORD = 8
"""Words shorter than this may hold one slip (a letter added, dropped, changed or swapped,
Damerau-Levenshtein), longer ones two."""
EDIT_COST = 10.0
"""Score lost per edit, against the Zipf frequency and corpus bonus that break ties."""
ENGLISH_WORDS = 50_000
"""How many of wordfreq's most frequent English words serve as a second dictionary."""
MORE_FREQUENT = 1.5
"""How much more frequent (Zipf, a log10 scale: 1.5 is about 30 times) a correction must
be than the word as typed."""
CORPUS_BONUS = 5.0
"""A corpus word wins over an English word of about the same similarity."""
FUNCTION_TYPO_ZIPF = 4.0
"""A word rarer than this (Zipf) may be a slip of a function word ("manny", "thier")."""
FUNCTION_MARGIN = 2.0
"""How much more frequent (Zipf; 2.0 is 100 times) that function word must be."""
SHORT_MARGIN = 2.5
"""The same for a word of two or three letters, which a slip is likelier to hit by chance."""


def by_initial(words: Iterable[str]) -> dict[str, list[str]]:
    """Alphabetic words of three letters or more, grouped by their first letter."""
    groups: dict[str, list[str]] = defaultdict(list)
    for word in words:
        if len(word) >= 3 and word.isalpha():
            groups[word[0]].append(word)
    return dict(groups)


@lru_cache(maxsize=1)
def english() -> dict[str, list[str]]:
    """The most frequent English words (per wordfreq), grouped by first letter."""
    from wordfreq import top_n_list

    return by_initial(top_n_list("en", ENGLISH_WORDS))


def expand_clipping(word: str, corpus: dict[str, list[str]], df: Callable[[str], int]) -> str | None:
    """The corpus word a clipped word stands for ("grad" -> "graduate", "certs" ->
    "certification"): the most widespread corpus word it begins, else None."""
    base = word[:-1] if word.endswith("s") else word
    if len(base) < MIN_LENGTH:
        return None
    longer = [w for w in corpus.get(base[0], ()) if w.startswith(base) and len(w) > len(base) + 1]
    if not longer:
        return None
    from wordfreq import zipf_frequency

    # A clipping is rarer than the word it clips ("grad" < "graduate"); a word more frequent
    # than its expansion is a word of its own ("super" is not "supervise").
    full = max(longer, key=lambda w: (df(w), -len(w)))
    return full if zipf_frequency(word, "en") < zipf_frequency(full, "en") else None


_VOWELS = frozenset("aeiou")


def unvowelled(word: str, corpus: dict[str, list[str]], df: Callable[[str], int]) -> str | None:
    """The corpus word a word written without its vowels stands for ("hlth" -> "health",
    "mngrs" -> "managers"): the most widespread one whose consonants, after its first
    letter, are the word's; else None."""
    if len(word) < MIN_LENGTH or _VOWELS & set(word):
        return None
    spelled = [w for w in corpus.get(word[0], ())
               if w[0] + "".join(c for c in w[1:] if c not in _VOWELS) == word]
    return max(spelled, key=df, default=None)


@lru_cache(maxsize=10_000)
def function_word(word: str) -> str | None:
    """The function word a slip turned into a rarer word ("how manny" -> "many", "thier"
    -> "their", "ther" -> "the"), else None. Such slips are often ordinary words
    themselves (a name, "manny"), so the test of a common word does not keep them: the
    function word, one slip away with the same first letter, is far more frequent."""
    if len(word) < 2 or not word.isalpha() or word in STOPWORDS:
        return None
    from rapidfuzz.distance import DamerauLevenshtein
    from wordfreq import zipf_frequency

    own = zipf_frequency(word, "en")
    if own >= FUNCTION_TYPO_ZIPF:
        return None
    if len(word) < MIN_LENGTH:
        # A short word is only a function word with a letter dropped ("hw", "wat", "jus"),
        # and far more frequent than that: "hr" stays hours, "rn" right now.
        return letter_dropped(word, STOPWORDS)
    # A letter added, dropped or swapped ("manny", "wich", "thier"); not one changed: "a
    # group of docs" is no "does".
    near = [w for w in STOPWORDS if w[:1] == word[0] and w.isalpha()
            and (len(w) != len(word) or sorted(w) == sorted(word))
            and DamerauLevenshtein.distance(word, w, score_cutoff=1) <= 1]
    best = max(near, key=lambda w: zipf_frequency(w, "en"), default=None)
    return best if best and zipf_frequency(best, "en") >= own + FUNCTION_MARGIN else None


def slip(word: str) -> str | None:
    """The word a slip turned into a rarer one, common as that may be: a function word's
    ("how manny", "hw"), or a word of four letters with one dropped ("nursing hme", "how
    much do they mak"); else None."""
    if len(word) == MIN_LENGTH - 1 and word.isalpha() and word not in STOPWORDS:
        return function_word(word) or letter_dropped(word, english().get(word[0], ()))
    return function_word(word)


def letter_dropped(word: str, words: Iterable[str]) -> str | None:
    """The word of ``words`` that a short word is with one letter after the first dropped,
    the most frequent such, if far more frequent than the word as typed; else None."""
    from wordfreq import zipf_frequency

    dropped = [w for w in words if len(w) == len(word) + 1 and w[0] == word[0]
               and any(w[:i] + w[i + 1:] == word for i in range(1, len(w)))]
    best = max(dropped, key=lambda w: zipf_frequency(w, "en"), default=None)
    return best if best and zipf_frequency(best, "en") >= zipf_frequency(word, "en") + SHORT_MARGIN else None


def correct(word: str, corpus: dict[str, list[str]], df: Callable[[str], int]) -> str:
    """The word a user meant, for a word the corpus does not use; else the word itself.

    A slip of a function word or a short word is that word; words written without vowels and clippings
    expand next; an ordinary English word stays as typed ("form" is not "for").
    Otherwise the most similar dictionary word wins (fewest slips, then corpus words, then
    frequent words), when it is far more frequent than the word as typed ("goverment");
    else a corpus word whose stem is one slip from the word's ("acredits": "accreditation").
    """
    slipped = slip(word)
    if slipped:
        return slipped
    if len(word) < MIN_LENGTH or not word.isalpha():
        return word
    clipped = unvowelled(word, corpus, df) or expand_clipping(word, corpus, df)
    if clipped or is_common(word):
        return clipped or word
    from rapidfuzz.distance import DamerauLevenshtein
    from wordfreq import zipf_frequency

    slips = 1 if len(word) < LONG_WORD else 2
    best, best_score, best_zipf = word, -math.inf, 0.0
    for pool, bonus in ((corpus, CORPUS_BONUS), (english(), 0.0)):
        for candidate in pool.get(word[0], ()):
            if candidate == word or abs(len(candidate) - len(word)) > 2:
                continue
            edits = DamerauLevenshtein.distance(word, candidate, score_cutoff=slips)
            if edits > slips:
                continue
            zipf = zipf_frequency(candidate, "en")
            score = bonus + zipf - EDIT_COST * edits
            if score > best_score:
                best, best_score, best_zipf = candidate, score, zipf
    if best_zipf >= zipf_frequency(word, "en") + MORE_FREQUENT:
        return best
    return family_slip(word, corpus, df) or word


FAMILY_MIN = 7
"""Shortest word whose stem may be matched, slip for slip, with a corpus word's stem."""
NO_WORD_ZIPF = 1.0
"""A word rarer than this (Zipf: once in ten million words of English or less) is taken for
a slip, not for a name or a place, which are as a rule more frequent ("texas", "kaiser")."""


def no_word(word: str) -> bool:
    """Whether a word is too rare in English to be one (see :data:`NO_WORD_ZIPF`)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en") < NO_WORD_ZIPF


def family_slip(word: str, corpus: dict[str, list[str]], df: Callable[[str], int]) -> str | None:
    """The corpus word of the family a misspelt form of a word the corpus never uses belongs
    to ("acredits": the corpus says "accreditation"): one slip between their stems, the
    corpus word's stem no shorter (a longer form of the family, not a shorter word that
    happens to be near); the most widespread such word, else None."""
    if len(word) < FAMILY_MIN or not no_word(word):
        return None
    from rapidfuzz.distance import DamerauLevenshtein

    own = stem(word)
    kin = [w for w in corpus.get(word[0], ())
           if DamerauLevenshtein.distance(own, stem(w), score_cutoff=1) <= 1 and len(stem(w)) >= len(own)]
    return max(kin, key=df, default=None)
