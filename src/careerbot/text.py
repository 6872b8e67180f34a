"""Words, numbers and concepts: the lexical layer shared by keyword search and the answerer.

Career questions and occupation profiles use different words for the same thing
("salary" vs "median annual wage", "doctors" vs "physicians"); mapping both sides to a
shared concept token lets exact matching do the work of a thesaurus.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"\$?\d[\d,]*(?:\.\d+)?%?|[a-z]+(?:['’][a-z]+)?")

# Words that carry no topic in a question or a passage.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves s t don't i'm i'd i've
    it's what's that's there's let's can't won't isn't aren't doesn't didn't ok okay hi hello please
    thanks thank tell know want like really actually just also get gets getting got go going so
    much many may might must shall""".split()
)

# Question fillers: ordinary words a user adds that say nothing about which fact is wanted.
# A question word outside the corpus vocabulary and outside this list names something the
# profile does not cover (a place, another occupation, a figure it lacks).
GENERIC = frozenset(
    """kind kinds sort sorts thing things stuff part parts side lot lots way ways basic
    definition exactly specifically roughly approximately generally currently right someone
    something anyone anybody anything everything nothing everyone everybody people person someday
    day-to-day daily everyday whole always ever often sometimes maybe perhaps probably good great
    better worse bad big small large little new old next last first second enough extra besides
    instead else still already yet even though although however since given one ones sure true
    correct real fine nice certain particular specific various different similar usual common
    general main find look looking mean means meaning matter matters important worth worry wonder
    wondering curious question questions answer answers info details explain describe
    list give show helps range figure figures number numbers amount rate rates level levels
    physically comfortable hard easy possible likely expect think thought say says said able reach
    fit compare compared comparison contact become becoming becomes handle handles doing done take
    takes taken charge care every each field career careers occupation occupations profession line
    role roles us u.s united america american nationwide overall national country report
    page site affect affects avoid commit consider choose decide prefer try trying seem seems hope
    wish guess mind feel sound move moving go went come comes came put set let lets getting kid
    kids life family friend friends someone's today tomorrow soon now actually honestly literally
    typical normal normally usually typically generally mostly mainly like really just specific
    typical, key day days long date dates often per""".replace(",", " ").split()
)

# Concept classes: every listed word is replaced by the class name (which also matches).
CONCEPTS: dict[str, tuple[str, ...]] = {
    "pay": ("pay", "pays", "paid", "paying", "salary", "salaries", "wage", "wages", "earn", "earns",
            "earned", "earning", "earnings", "earners", "earner", "income", "compensation", "money",
            "make", "makes", "making"),
    "employ": ("employ", "employs", "employed", "employer", "employers", "employment", "jobs", "job",
               "hold", "held", "work", "works", "working"),
    "grow": ("grow", "grows", "growing", "growth", "outlook", "projected", "projection",
             "projections", "future", "demand", "shrink", "shrinking", "decline", "declining",
             "increase", "increasing", "expand", "expanding", "prospects", "fast", "faster"),
    "opening": ("opening", "openings", "vacancies", "vacancy"),
    "license": ("license", "licenses", "licensed", "licensing", "licensure", "licence", "licences",
                "lisence"),
    "certify": ("certification", "certifications", "certified", "certificate", "certificates",
                "credential", "credentials", "certify"),
    "require": ("require", "requires", "required", "requirement", "requirements", "need", "needs",
                "needed", "mandatory", "necessary", "must"),
    "degree": ("degree", "degrees", "diploma"),
    "educate": ("education", "educational", "study", "studies", "college", "university",
                "school", "schooling", "academic"),
    "physician": ("physician", "physicians", "doctor", "doctors", "doctor's", "doctors'"),
    "hospital": ("hospital", "hospitals"),
    "hour": ("hour", "hours", "schedule", "schedules", "overtime", "shift", "shifts", "night",
             "nights"),
    "experience": ("experience", "experienced", "background", "backgrounds"),
    "duty": ("duty", "duties", "tasks", "task", "do", "does"),
    "advance": ("advance", "advances", "advancement", "promotion", "promoted", "promote"),
    "quality": ("quality", "qualities", "skills", "skill", "traits", "trait", "strengths"),
    "high": ("high", "higher", "highest", "top", "largest", "biggest", "best-paid",
             "highest-paid", "best"),
    "low": ("low", "lower", "lowest", "bottom", "least", "lowest-paid"),
    "percent": ("percent", "percentage", "percentages", "share", "shares", "proportion", "%"),
    "recruit": ("recruit", "hire", "hires", "hiring", "hired"),
    "year": ("year", "years", "yearly", "annual", "annually", "decade"),
    "interest": ("interest", "interests"),
    "manager": ("manager", "managers", "management", "administrator", "administrators",
                "administration", "admin", "executive", "executives", "director", "directors"),
    "begin": ("begin", "start", "starts", "started", "starting"),
    "nurse": ("nurse", "nurses"),
    "per_hour": ("hourly",),
    "name": ("name", "names", "called", "title", "titles", "aka"),
}
_CONCEPT_OF = {w: c for c, words in CONCEPTS.items() for w in words}
# Other occupations: a question about their pay or duties is not about this profile's.
OCCUPATIONS = frozenset(
    """nurse nurses engineer engineers surgeon surgeons teacher teachers lawyer lawyers accountant
    accountants developer developers programmer programmers pharmacist pharmacists therapist
    therapists technician technicians clerk clerks dentist dentists electrician electricians
    plumber plumbers pilot pilots chef chefs cook cooks scientist scientists analyst analysts
    designer designers writer writers officer officers firefighter firefighters receptionist
    receptionists paramedic paramedics cashier cashiers driver drivers mechanic mechanics
    architect architects economist economists professor professors doctor doctors physician
    physicians dietitian dietitians pharmacy assistant assistants aide aides worker workers
    veterinarian veterinarians psychologist psychologists consultant consultants""".split()
)
INTENTS = frozenset(
    {"pay", "employ", "grow", "opening", "license", "certify", "degree", "educate", "hour", "duty",
     "advance", "quality", "interest", "require"}
)

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


def terms(text: str) -> list[str]:
    """Content terms of a text: stemmed, concept-mapped, stop words removed."""
    return [stem(t) for t in tokens(text) if t not in STOPWORDS]


def is_number(term: str) -> bool:
    """True for a normalised number token."""
    return term[:1].isdigit()


def is_year(term: str) -> bool:
    """True for a plausible calendar year."""
    return term.isdigit() and len(term) == 4 and 1900 <= int(term) <= 2100


def is_injection(sentence: str) -> bool:
    """True when a sentence tries to give the bot instructions instead of asking."""
    return _INJECTION.search(sentence) is not None


GENERIC_STEMS = frozenset(stem(w) for w in GENERIC if w not in _CONCEPT_OF) - set(CONCEPTS)
