"""Refusing: why the chosen passages do not answer a question, and the brief reply that
says so, naming what is missing and either the closest sections or, for a quality the
profile does not rate, the nearest facts it does give.

Kept apart from :mod:`careerbot.core.extractive`, which chooses what to quote.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from careerbot.core.candidate import Candidate
from careerbot.core.citations import compose
from careerbot.core.figures import chosen_among
from careerbot.core.forms import FORM_OF, form_fit, form_words, is_figure
from careerbot.core.keywords import KeywordIndex
from careerbot.core.lexicon import (
    DETERMINERS,
    EXTREMES,
    GENERIC_STEMS,
    INTENTS,
    NAMED_BY_DIGITS,
    SENTENCE_BREAK,
    STOPWORDS,
    WH_WORD,
    dictionary_noun,
    is_number,
    is_year,
    name_runs,
    stem,
    stem_pairs,
    tokens,
    years_spanned,
)
from careerbot.core.question import Query, asking_clause, asking_sentence
from careerbot.result import Answer

NO_MATCH = "no passage matches the question"
NOT_CLOSE = "no passage answers it closely enough"
_NOTHING_NAMED = frozenset({f"refused: {r}" for r in (NO_MATCH, NOT_CLOSE)})
"""Refusals that name nothing the profile lacks: no passage came near the wording."""


def names_a_gap(answer: Answer) -> bool:
    """Whether a refusal names something the profile lacks (a place, a figure, a word it
    never uses), not merely that no passage came close to how the question is put: advice
    composed from fixed questions still answers the latter ("is it too much dealing with
    people for someone shy?")."""
    return answer.refused and not _NOTHING_NAMED & set(answer.notes)


def refusal_reason(q: Query, chosen: list[Candidate], keywords: KeywordIndex) -> str | None:
    """Why the chosen units do not answer the question, or None when they do."""
    if q.unrated and chosen:
        return f"it does not say how {q.unrated} it is"
    if not q.terms and not q.carried and not q.about_subject:
        return "it has no question about the occupation" if q.injection else "it asks nothing specific"
    if q.unknown:
        return f"it never mentions {quote_list(_as_typed(q, q.unknown))}"
    # Only a year the asking sentence names is asked about ("My son graduates around 2030.
    # Is this field growing?" asks nothing of 2030).
    asked = [n for n in tokens(asking_sentence(q.text)) if is_year(n) and n in q.numbers]
    known = sorted(int(n) for n in keywords.numbers if is_year(n))
    years = [n for n in asked if n not in keywords.numbers and not (known and known[0] < int(n) < known[-1])]
    if years:
        return f"it has no figures for {quote_list(years)}"
    if not chosen:
        return NO_MATCH
    # A year the profile has, but not in the passage that answers ("the median salary in
    # 2031": 2031 only comes with the projections). A year inside a span the passage gives
    # figures for ("from 2021 to 2031") is held: "growing by 2030?".
    held = years_spanned(str(chosen[0].doc.metadata["passage"]))
    years = [n for n in asked if n not in held]
    if years:
        return f"it gives no such figure for {quote_list(years)}"
    # The clause that asks is the one that counts: "I'm a nurse. What would I need?" asks
    # nothing about nurses.
    # People the subject is likened to ("are they like doctors?") are no subject asked of,
    # unless a figure is asked: "are they paid like nurses?" needs the nurses' pay.
    asking = asking_clause(q.text)
    likened = set() if is_figure(q) else {stem(m.group(1)) for m in _LIKENED.finditer(q.text)}
    # Nor is the user's own occupation ("I'm a physical therapist and wondering if ...").
    persons = [t for t in q.persons if t not in chosen[0].covered and t in asking and t not in likened
               and t not in q.mine]
    if persons:
        return f"it does not give this for {quote_list(_as_written(q, persons))}"
    best = chosen[0]
    if form_fit(q, best) < 0:
        return f"it does not give {FORM_OF[q.answer_type].lacks}"
    if is_figure(q):
        covered = set().union(*(p.covered for p in chosen))
        # A rare profile word left uncovered names a gap; so does a word the profile never
        # uses in the clause that asks for the figure ("the average age"), but not one in
        # the context a user gives first ("I love organizing, so how much ..."). Only a word
        # that can name a thing is a figure; fillers and verbs ("anyway", "talking") are not.
        # A kind of the subject ("clinical managers") is one however often the profile
        # uses the word: the figure must be given for that kind.
        # A kind of manager named by two words, the first of which the answer gives ("nursing
        # home managers": "Nursing and residential care facilities"), is no other thing.
        covered |= {b for a, b in stem_pairs(q.text) if b in q.kinds and a in covered}
        covered |= form_words(q.text) | _facets_of(q, covered) | chosen_among(q.text)
        missing = [t for t in q.terms if t not in covered and t not in GENERIC_STEMS and t in q.things
                   and not is_number(t) and (keywords.rare(t) or t in q.kinds) and t in asking]
        if missing:
            return f"it gives no figure about {quote_list(_as_written(q, missing))}"
    if best.score < 0.35:
        return NOT_CLOSE
    return None


def unsaid(q: Query, keywords: KeywordIndex) -> list[str]:
    """Words of the sentences that ask, as written, that the profile never uses (fillers,
    function words and short words aside, but not acronyms: "AI", "GPA"); neighbours are
    one phrase ("stock options")."""
    # Every sentence that asks ("Are most of them women or men? like what percentage?"),
    # not what the user tells first.
    asks = [s for s in SENTENCE_BREAK.split(q.text) if s.rstrip().endswith("?")] or [asking_sentence(q.text)]
    said = re.findall(r"[A-Za-z][A-Za-z'-]+", " ".join(asks))
    lacking = [(w.isupper() and len(w) > 1 or len(w) > 3) and w.lower() not in STOPWORDS
               and stem(w.lower()) not in GENERIC_STEMS
               and not keywords.knows(stem(keywords.correct(w.lower()))) for w in said]
    runs = itertools.groupby(zip(said, lacking, strict=True), key=lambda pair: pair[1])
    names = name_runs(" ".join(asks))  # "New York City" in full, though "New" is short
    found = [" ".join(w for w, _ in run) for lacks, run in runs if lacks]
    return list(dict.fromkeys(names.get(p.split()[0].lower(), p) for p in found))


def gap_reason(words: Sequence[str]) -> str:
    """Why a question of a kind the profile never answers ("do they get bonuses or stock
    options?") is refused: the words it uses that the profile never does."""
    return f"it never mentions {quote_list(words)}"


def not_said(q: Query) -> str:
    """Why a question the profile never answers, though it uses only words the profile
    uses, is refused: what it asks, reported ("it does not say what percentage of them work
    part time"), or quoted when it asks with no question word."""
    asked = asking_sentence(q.text).strip().rstrip("?!. ")
    wh = WH_WORD.search(asked)
    if wh is None:
        return f"it does not answer “{asked}?”"
    return f"it does not say {asked[wh.start()].lower()}{asked[wh.start() + 1:]}"


_LIKENED = re.compile(r"\b(?:like|unlike)\s+(?:the\s+|a\s+|an\s+)?(\w+)", re.I)
"""A word after "like": what the subject is likened to. Not after "than" or "versus": those
compare ("earn more than nurses?", "pay versus nurses") and need the other's facts."""
_COORDINATED = re.compile(r"\b([a-z]+)\s*(?:,\s*|\s+(?:and|or|&|and/or)\s+)(?:the\s+|their\s+)?([a-z]+)\b",
                          re.I)


def beside_known(q: Query, keywords: KeywordIndex) -> list[str]:
    """The missing words of a question that names each beside a thing the profile has
    ("mostly dictations and budgets?"): the user asks about both, so the profile's part
    is answered and the rest said to be missing. Empty when any missing word stands alone
    or qualifies another ("the pay in Chicago": the figure asked is Chicago's)."""
    if not q.unknown:
        return []
    asking = asking_sentence(q.text).lower()
    pairs = [(a, b) for m in _COORDINATED.finditer(asking) for a, b in (m.groups(), m.groups()[::-1])]

    def known(word: str) -> bool:  # a thing of the profile's, beside a missing thing
        t = stem(word)
        return keywords.knows(t) and t not in GENERIC_STEMS and dictionary_noun(word)

    lacking = [w for w in q.unknown if any(a == w.lower() and known(b) for a, b in pairs)]
    return lacking if len(lacking) == len(q.unknown) else []




def unnamed_thing(q: Query, keywords: KeywordIndex) -> str | None:
    """Why a question about a thing named with digits ("Do they get a 401k?") that the
    profile never names is not answered: it is a thing, not a figure to check."""
    said = NAMED_BY_DIGITS.findall(asking_sentence(q.text))
    named = [w for w in said if w.lower() not in keywords.vocabulary]
    return f"it never mentions {quote_list(named)}" if named else None


_MEASURES = INTENTS | EXTREMES


def _facets_of(q: Query, covered: set[str]) -> set[str]:
    """Words right next to a kind of fact the answer gives ("the pay scale", "the pay
    threshold", "the high end"): a way of naming that fact, not another thing. Only after
    a noun: a verb's object is a thing of its own ("do they earn bonuses?"). So is the
    scale an end is "of" ("the bottom of the barrel", "the top of the ladder")."""
    from lemminflect import getAllLemmas

    said = tokens(q.text)
    stems = [stem(t) for t in said]
    scales = {stems[i + 2 + (said[i + 2] in DETERMINERS)] for i in range(len(said) - 3)
              if stems[i] in EXTREMES & covered and said[i + 1] == "of"}
    return scales | {b for i, (a, b) in enumerate(stem_pairs(q.text)) if a in _MEASURES & covered
                     and ("VERB" not in getAllLemmas(said[i]) or i and said[i - 1] in DETERMINERS)}


RELATED_MIN = 0.33
"""Cosine between the question and the closest passage needed to offer that passage."""


def related(q: Query, picks: Sequence[Candidate]) -> list[Candidate]:
    """What to offer beside a refusal: for a quality the profile does not rate ("how
    stressful"), the passage nearest the question by meaning (whatever words it shares), if
    near enough. Nothing beside a missing figure ("the average age"): another figure would
    be read as the answer."""
    nearest = max(picks, key=lambda c: c.dense, default=None)
    if nearest is None or not q.unrated or nearest.dense < RELATED_MIN:
        return []
    return [nearest]


def _as_written(q: Query, terms: Sequence[str]) -> list[str]:
    """Terms as the question wrote them ("unemploy" -> "unemployment")."""
    written = {stem(w): w for w in reversed(tokens(q.text))}
    return [written.get(t, t) for t in terms]


def _as_typed(q: Query, phrases: Sequence[str]) -> list[str]:
    """Phrases as the question wrote them ("new york city" -> "New York City")."""
    found = (re.search(rf"\b{re.escape(p)}\b", q.text, re.I) for p in phrases)
    return [m.group() if m else p for m, p in zip(found, phrases, strict=True)]


def quote_list(items: Sequence[str]) -> str:
    """Items in curly quotes, each once: “Chicago”, “bonuses”."""
    return ", ".join(f"“{i}”" for i in dict.fromkeys(items))


CLOSEST_SECTIONS = 3


def refusal(
    reason: str, title: str, sections: Sequence[str], related: Sequence[Candidate] = ()
) -> Answer:
    """A brief "not in the profile" answer naming what is missing, then either the related
    facts the profile does give (quoted and cited) or the closest sections (``sections``:
    nearest first; the sections retrieval found, else the profile's)."""
    head = f"I can't answer that from the {title} profile: {reason}."
    if related:
        said = compose(list(related), False)
        text = f"{head} What it does say, in {related[0].doc.metadata['section']}: {said.text}"
        return Answer(text=text, citations=said.citations, refused=True,
                      notes=[f"refused: {reason}", "offered related facts"], kind="refusal")
    near = [s for s in dict.fromkeys(sections) if s.lower() not in {"overview", "faq"}]
    text = f"{head} The closest sections are: {'; '.join(near[:CLOSEST_SECTIONS])}."
    return Answer(text=text, refused=True, notes=[f"refused: {reason}"], kind="refusal")


__all__ = ["NOT_CLOSE", "NO_MATCH", "RELATED_MIN", "beside_known", "gap_reason", "names_a_gap", "not_said",
           "quote_list", "refusal", "refusal_reason", "related", "unnamed_thing", "unsaid"]
