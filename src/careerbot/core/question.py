"""Reading a question: what it asks for, about what, and what it leans on from history.

Plain functions over text and the keyword index's vocabulary; no model, no database.
The form of fact a question asks for is an :class:`~careerbot.core.forms.AnswerType`,
recognised by :mod:`careerbot.core.forms`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from careerbot.core.forms import AnswerType, answer_type, quantities, superlatives, thousands_spelt
from careerbot.core.keywords import KeywordIndex
from careerbot.core.lexicon import (
    ABOUT_ME,
    CONCEPT_WORDS,
    CONCEPTS,
    EXAMPLES,
    EXTREMES,
    GENERIC,
    GENERIC_STEMS,
    INTENTS,
    NAMED_BY_DIGITS,
    OCCUPATIONS,
    SENTENCE_BREAK,
    STOPWORDS,
    WH_WORD,
    WH_WORDS,
    asked_property,
    dictionary_noun,
    inflected,
    is_common,
    is_injection,
    is_number,
    name_runs,
    named_places,
    names_a_thing,
    spell_out,
    stem,
    term_set,
    terms,
    tokens,
    used_as_nouns,
    words_of,
    written_as_names,
)
from careerbot.core.reference import resolved
from careerbot.core.spelling import slip
from careerbot.core.wording import judged, modifier_parts, naming_the_job, told_to

MIN_CLASSIFIED = 3
"""Fewest words left for a message without its chatter to be classified instead."""
LONG_QUESTION = 200
_PRONOUN = re.compile(r"\b(they|them|their|those|these|that|it|there|he|she|one|each|both)\b", re.I)
_ASKED_OF_THEM = re.compile(r"\W*(?:\w+\W+)?(can|could|do|does|did|will|would|should)\s+(they|he|she)\b",
                            re.I)
_CHOICE = re.compile(r"\bwhich (?:one |ones )?of (?:those|these|them|the two|both)\b|\b(?:that|this) one\b",
                     re.I)
_THEM = re.compile(r"\b(they|them|their|these)\b", re.I)
_THEY = re.compile(r"\b(they|them)\b", re.I)
_DESCRIBED = re.compile(r"\b(?:ones?|those|people|managers)\s+(?:(?:who|that)\s+(\w+)|(\w+ing))\b", re.I)
"""A verb that says which people are meant ("the ones working for the government", "those
who work in hospitals"): it names a group, not the kind of fact asked about them."""
_DISTRIBUTIVE = re.compile(r"\b(each|both)\b\s*[?.!]?\s*$", re.I)
_OWN_ASK = re.compile(r"\b(what|which|how|where|when|who|why)\b(?!\s+(about|of|else)\b)|"
                      r"^\W*(can|could|do|does|did|is|are|will|would|should)\s+(they|it|i|you|he|she)\b",
                      re.I)
"""A question word that asks on its own ("and what would I major in?"), or a yes-no
question ("can they move up from there?"), unlike the elliptical "what about in
hospitals?", which asks for the same form of fact as before."""
_OPENER = 2
"""Words a reply may open with before an elliptical follow-up ("ok so and ...")."""
_ELLIPTIC = re.compile(r"^\s*(and|or|but|also|what about|how about|what of|same|in|for|at)\b", re.I)
_WHICH_VERB = re.compile(r"\W*(?:(?:and|or|but)\s+)?which\s+(\w+)", re.I)
_PER_HOUR = re.compile(r"\b(?:per|an|a|by the|each)\s+hour\b", re.I)
_CAUSATIVE = re.compile(
    r"\b(?:make|makes|made|making)\s+(?=(?:him|her|me|you|them|us|someone|people)\b)", re.I
)
"""Causative "make" ("would this job make him work weekends?"): a requirement, not pay."""
_NEGATED = re.compile(r"\b(?:not|except|other than)\s+(?:a|an|the|in|at|for)\s+(\w+)(?:\s+(\w+))?", re.I)


@dataclass
class Query:
    """What a question asks, reduced to terms the passages can be matched on."""

    text: str
    terms: list[str]
    carried: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    persons: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    quantities: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    """Terms naming a kind of the subject ("clinical" in "clinical managers")."""
    about_subject: bool = False
    subject: frozenset[str] = frozenset()
    """The terms of the occupation's name: "clinical managers" names a kind of it."""
    phrase: set[str] = field(default_factory=set)
    things: set[str] = field(default_factory=set)
    answer_type: AnswerType = field(default_factory=lambda: AnswerType.TEXT)
    injection: bool = False
    unrated: str | None = None
    """The adjective of a "how stressful is it?" question when the profile never uses it."""
    mine: set[str] = field(default_factory=set)
    """Terms of the clauses where users speak of themselves ("I'm a physical therapist")."""
    context: set[str] = field(default_factory=set)
    """Terms said only before the sentence that asks ("Retired Army, 20 years. Which
    qualities ...?"): what the user tells, not what they ask."""

    @property
    def retrieval_text(self) -> str:
        """The question plus carried-over topic words, for search."""
        return f"{' '.join(self.carried)} {self.text}".strip()

    @property
    def intents(self) -> set[str]:
        """Which kind of fact is asked for (pay, license, growth, ...)."""
        return {t for t in self.terms + self.carried if t in INTENTS}


def focus(question: str) -> tuple[str, bool]:
    """The part of a question that asks, minus any embedded instructions to the bot.

    Long questions tell a life story before asking; the asking sentence is what must be
    answered. Returns (focus text, whether instructions were removed).
    """
    sentences = [s for s in SENTENCE_BREAK.split(re.sub(r"[()]", ". ", question.strip())) if s.strip()]
    kept = [s for s in sentences if not is_injection(s)]
    injection = len(kept) < len(sentences)
    if len(question) > LONG_QUESTION:
        asking = [s for s in kept if s.rstrip().endswith("?")] or kept[-1:]
        kept = asking[-2:] if len(" ".join(asking[-1:]).split()) < 8 else asking[-1:]
    return " ".join(kept).strip(" ."), injection


def asking_sentence(text: str) -> str:
    """The last sentence of a message that asks: after any context the user gives first
    ("I'm a registered nurse. How could I become one?"), before any aside after it ("how
    many openings a year? just want a ballpark") except examples of what it asks. The last
    sentence when none has a "?"."""
    sentences = [s for s in SENTENCE_BREAK.split(text.strip()) if s.strip()]
    if not sentences:
        return text
    asks = [i for i, s in enumerate(sentences) if s.rstrip().endswith("?")]
    last = asks[-1] if asks else len(sentences) - 1
    # Examples after it ("what benefits do they get? like health insurance, 401k") are part of it.
    examples = itertools.takewhile(lambda s: bool(EXAMPLES.match(s)), sentences[last + 1:])
    return " ".join([sentences[last], *examples])


_QUOTED = re.compile(r"(?<![\w’'])['\"‘“]([^'\"‘’“”]{1,60})['\"’”](?![\w’'])")
"""A quoted phrase: ``'good morning'``, ``“hello”`` (not the apostrophe of "don't")."""


def unquoted(text: str, knows: Callable[[str], bool]) -> str:
    """The message with each quoted phrase the profile knows none of the words of replaced
    by "this": a phrase that is mentioned, not used ("translate 'good morning' into
    French" asks for a translation, not a greeting). Quoted profile terms stay ("what does
    'informatics' mean?")."""
    def keep(m: re.Match[str]) -> str:
        return m.group(0) if any(knows(t) for t in terms(m.group(1))) else "this"

    return _QUOTED.sub(keep, text)


def without_topic(text: str, knows: Callable[[str], bool]) -> str:
    """The message with each word the profile uses (fillers aside) replaced by "something":
    what it asks the bot to do, whatever it is about ("can you write me a poem about
    something" is a request for a poem, though hospitals are in the profile)."""
    def mask(m: re.Match[str]) -> str:
        term = stem(m.group(0).lower())
        topical = len(m.group(0)) > 3 and knows(term) and term not in GENERIC_STEMS
        return "something" if topical else m.group(0)

    return re.sub(r"[A-Za-z']+", mask, text)


def without_chatter(text: str, keywords: KeywordIndex) -> str:
    """The message without chat words no dictionary holds ("lol", "gotta", "tbh", "ngl"):
    they pull its embedding away from what it asks ("do i gotta be a people person for
    this lol"). Words the profile uses, or clips or misspells ("docs"), names
    (capitalised), figures and a message of such words alone ("thx!") stay."""
    from lemminflect import getAllLemmas

    def chatter(word: str) -> bool:
        return word.islower() and word.isalpha() and word not in STOPWORDS \
            and not getAllLemmas(word) and not keywords.knows(stem(keywords.correct(word)))

    words = text.split()
    kept = [w for w in words if not chatter(w.strip(".,!?;:").lower() if w.islower() else w)]
    return " ".join(kept) if len(kept) >= MIN_CLASSIFIED else text


_CLAUSE_BREAK = re.compile(r"[,;:.!?]\s|\s[-–—]+\s")
"""Where a clause ends: punctuation, or a dash between words ("I'm a single parent -
how many hours ...")."""


_ASKS = re.compile(rf"\b({WH_WORDS}|do|does|did|is|are|can|could|would|will|should)\b", re.I)
"""A question word or an auxiliary that opens a question: the clause that has one asks."""


def claimed(text: str) -> set[str]:
    """Terms of the asking sentence outside the clauses about the user: a figure there is a
    claim about the occupation ("Since the median pay is $50,000, is it worth it?"); one
    the user gives about themselves is context ("I'm a RN with 5 yrs experience, could
    I ...?", "I make about 45k. What could I earn?")."""
    clauses = _CLAUSE_BREAK.split(NAMED_BY_DIGITS.sub(" ", asking_sentence(text)))  # "a 401k" is no figure
    return set(term_set(" ".join(c for c in clauses if not ABOUT_ME.match(c))))


def _about_me(text: str) -> set[str]:
    """Terms of the clauses, in any sentence, that speak of the user ("I'm a nurse")."""
    clauses = [c for s in SENTENCE_BREAK.split(text) for c in _CLAUSE_BREAK.split(s)]
    return set(term_set(" ".join(c for c in clauses if ABOUT_ME.match(c))))


def asking_clause(text: str) -> set[str]:
    """Terms of the last clause of a message that asks ("I love organizing, so how much do
    they earn?" -> pay terms; "how much do clinical managers make, not managers overall?"
    -> clinical and pay terms); the last clause when none has a question word."""
    clauses = _CLAUSE_BREAK.split(asking_sentence(text).strip(" ?.!"))
    clause = ([c for c in clauses if _ASKS.search(c)] or clauses)[-1]
    # A question reported inside a clause asks from its question word on: "a senior
    # asked me what they earn" asks nothing of seniors.
    wh = None if _ASKS.match(clause.strip()) else WH_WORD.search(clause)
    return set(term_set(clause[wh.start():] if wh else clause))


def analyse(
    question: str,
    history: Sequence[tuple[str, str]],
    keywords: KeywordIndex,
    subject: set[str],
    acronyms: Mapping[str, str] | None = None,
    occupation: str = "",
) -> Query:
    """Turn a question (and, for a follow-up, the previous question) into a :class:`Query`;
    ``acronyms`` are the corpus's (see :func:`careerbot.core.lexicon.acronyms`), and
    ``occupation`` its name, which "they" stands for when nothing was said before."""
    spelled, spelled_names = spell_out(question, acronyms or {})
    text, injection = focus(spelled)
    text = resolved(text, history[-1][1]) if history else text  # "the first one": its item
    def earlier() -> Query:  # the previous question, read only when needed
        return analyse(history[-1][0], history[:-1], keywords, subject, acronyms, occupation)

    previous: Query | None = None
    if occupation and _THEY.search(text) and not subject & set(terms(text)):
        # "where do most of them work?" is searched as the question about the occupation,
        # unless an earlier question named other people ("what do clinical managers do?").
        previous = earlier() if history else None
        if previous is None or not (previous.kinds or previous.persons):
            text = _THEY.sub(occupation, text)
    names = written_as_names(text)
    text = _CAUSATIVE.sub("require ", _PER_HOUR.sub("hourly", thousands_spelt(text)))
    text = respell(text, keywords, names)
    words = words_of(text)
    fixed = {t: _corrected(t, keywords, names) for t in {*words, *tokens(text)}}  # looked up once
    described = {(m.group(1) or m.group(2)).lower() for m in _DESCRIBED.finditer(text)}
    # A lone letter is chat shorthand ("do u need"), never a term: "u" is no "U.S.".
    raw = [p for w in (fixed[t] for t in words if t not in STOPWORDS and t not in described)
           if w not in STOPWORDS and not (len(w) == 1 and w.isalpha()) for p in _compound(w, keywords)]
    q = Query(text=text, terms=[], injection=injection, subject=frozenset(subject))
    nouns = used_as_nouns(text) - modifier_parts(text)
    q.phrase = {stem(w) for w in raw} - GENERIC_STEMS - INTENTS
    # A word right before the subject names a kind of it ("clinical managers"): a thing a
    # figure can be asked for, which the profile may not break down.
    said = [fixed[t] for t in tokens(text)]
    kinds = {w for w, after in zip(said, said[1:], strict=False)
             if stem(after) in subject and stem(w) not in subject and w not in STOPWORDS}
    # A name the profile spells out is one thing it has; its words are no kinds or things.
    named_whole = term_set(" ".join(spelled_names))
    q.kinds = {stem(w) for w in kinds} - named_whole
    for word in raw:
        term = stem(word)
        if term in subject:
            q.about_subject = True
            continue
        q.terms.append(term)
        # A thing: a word used as a noun here, written as a name, or a rare dictionary
        # noun; a rare word used otherwise ("lowkey wanna know", "pretty introverted") is
        # wording, however unusual.
        rare = not is_common(word)
        thing = word in names or word in kinds or word in nouns and names_a_thing(word) \
            or rare and dictionary_noun(word)
        if thing or term in CONCEPTS:
            q.things.add(term)
        if word in OCCUPATIONS:
            q.persons.append(term)
        if is_number(term):
            q.numbers.append(term)
        elif not keywords.knows(term) and word not in GENERIC and term not in GENERIC_STEMS:
            # An ordinary English word the profile lacks is just wording; a rare thing (a
            # name: "the AHIMA exam"), or a listed concept the profile lacks ("hourly"),
            # names a gap.
            named = term in CONCEPTS or rare and thing
            if named and term not in INTENTS and word.isalpha() and len(word) > 3:
                q.unknown.append(word)
    q.things -= named_whole | {stem(w) for w in told_to(text)}
    asking = set(words_of(asking_sentence(text)))
    q.context = {stem(w) for t in words if t not in asking for w in _compound(fixed[t], keywords)}
    q.context -= {stem(w) for t in asking for w in _compound(fixed.get(t, t), keywords)}
    q.context |= {stem(w) for word in naming_the_job(text) for w in _compound(word, keywords)}
    # What the user says of themselves ("I'm kind of an introvert but I love spreadsheets")
    # is context for the question, not a thing it asks the profile about.
    mine = _about_me(text) - claimed(text)
    wording = judged(text)  # "is that a dealbreaker?", "actual tasks not buzzwords": no gap
    q.unknown = [w for w in q.unknown if stem(w) not in mine and w.lower() not in wording]
    q.mine = mine
    runs = name_runs(text)
    q.unknown = list(dict.fromkeys(runs.get(w, w) for w in q.unknown))
    q.unknown += [p for p in named_places(text) if not all(keywords.knows(stem(w)) for w in p.split())
                  and p not in q.unknown]
    # With nothing said before, "they" can only be the people of the profile ("what do
    # they actually do all day?").
    q.about_subject |= not history and bool(_THEM.search(text))
    q.excluded = {stem(w) for m in _NEGATED.finditer(text) for w in m.groups() if w} - STOPWORDS
    q.terms = [t for t in q.terms if t not in q.excluded]
    q.terms += superlatives(text)
    q.answer_type = answer_type(asking_sentence(text), q.terms)
    q.quantities = quantities(text)
    asked = asked_property(text)
    # "How long / how big ..." asks for a figure (see FORMS); only a quality can go unrated.
    if asked and q.answer_type == "text" and not keywords.knows(stem(keywords.correct(asked))):
        q.unrated = asked
    if history and (is_follow_up(text, q, keywords) or not on_topic(q, keywords)):
        previous = previous or earlier()
        own_entities = [t for t in q.terms if t not in INTENTS | EXTREMES and t not in GENERIC_STEMS]
        own_intents = q.intents  # before any is carried
        # A verb asked of them ("can they move up?", "how can they move up?") asks its own
        # kind of fact of what was named; an elliptical question ("and in hospitals?")
        # asks the last one's.
        if not own_intents and not _ASKED_OF_THEM.match(text):
            # What the question before asked, if it carried that too ("what's the pay?" "is
            # it more in hospitals?" "how about in nursing homes?").
            q.carried += [t for t in dict.fromkeys([*previous.terms, *previous.carried]) if t in INTENTS]
            if q.answer_type == "text" and not _OWN_ASK.search(text):
                q.answer_type = previous.answer_type
        # "each" / "both" stand for the things just named, whatever else is asked.
        if not own_entities or _leans_back(text, q) and not own_intents or _DISTRIBUTIVE.search(text):
            q.carried += [t for t in previous.terms if t not in INTENTS and not is_number(t)]
        # "which of those ..." picks among what the last answer listed (its industries);
        # "that one" is what it named.
        if _CHOICE.search(text):
            q.carried += [t for t in dict.fromkeys(terms(history[-1][1])) if t not in INTENTS
                          and t not in GENERIC_STEMS and t not in subject and not is_number(t)
                          and t not in q.carried]
    return q


def _leans_back(text: str, q: Query) -> bool:
    """Whether a pronoun of a follow-up stands for what was said before: not one after the
    kind of manager or the person the message itself names ("ok and the health information
    managers, what are they in charge of?")."""
    named = q.kinds | set(q.persons)
    return any(not named & term_set(text[:m.start()]) for m in _PRONOUN.finditer(text))


def _compound(word: str, keywords: KeywordIndex) -> list[str]:
    """A word the profile lacks that joins a concept's word to another English word reads
    as both ("paycheck" -> "pay", "check"; "workload" -> "work", "load")."""
    if keywords.knows(stem(word)):
        return [word]
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if head in CONCEPT_WORDS and is_common(tail):
            return [head, tail]
    return [word]


def _corrected(word: str, keywords: KeywordIndex, names: set[str]) -> str:
    """The word a misspelt one stands for; a name stays as written unless it is a misspelt
    word of the profile ("at Kaiser Permanente" is not "permanent", "an Administrater" is
    "administrator")."""
    right = keywords.correct(word)
    return word if word in names and not keywords.knows(stem(right)) else right


def respell(text: str, keywords: KeywordIndex, names: set[str]) -> str:
    """The text with misspelt words corrected ("do they work wekends" -> "... weekends"), so
    that the embedding model, which has no spelling correction, reads what was meant.
    Common words stay, but for slips of a function or short word ("how manny", "mak"): the model knows
    clippings ("tech", "grad") better than a guess at which longer word they stand for; so
    do names (``names``, lower-cased)."""
    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        right = low if is_common(low) and not slip(low) else _corrected(low, keywords, names)
        return word if right == low else right

    return re.sub(r"[A-Za-z]+", fix, text)


def on_topic(q: Query, keywords: KeywordIndex) -> bool:
    """Whether a question is about the profile at all: it names the subject, leans on an
    earlier question, or uses a word the profile uses (figures and fillers aside)."""
    return q.about_subject or bool(q.carried) or any(
        keywords.knows(t) and t not in GENERIC_STEMS and not is_number(t) for t in q.terms
    )


def is_follow_up(text: str, q: Query, keywords: KeywordIndex) -> bool:
    """Elliptical or pronoun-led questions lean on the previous one; so does an elliptical
    one after a word or two the profile never uses ("ok and what about in hospitals?")."""
    content = [t for t in q.terms if t not in GENERIC_STEMS]
    words = text.split()
    opener = len(list(itertools.takewhile(
        lambda w: w.strip(",.!").isalpha() and not keywords.knows(stem(w.strip(",.!").lower())),
        words[:_OPENER])))
    elliptic = any(_ELLIPTIC.match(" ".join(words[i:])) for i in range(opener + 1))
    # "which pays the least?": "which" before a verb asks which of the things named before.
    which = _WHICH_VERB.match(text)
    elliptic = elliptic or bool(which and inflected(which.group(1).lower(), "VERB"))
    return elliptic or len(content) <= 3 and bool(_PRONOUN.search(text))
