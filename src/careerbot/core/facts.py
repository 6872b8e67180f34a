"""Quick facts and pay by industry, extracted from the indexed corpus text.

Pure functions over :class:`~careerbot.corpus.Chunk` lists: no model, no database. Each
fact keeps the sentence it came from (section, verbatim text, file offsets), so the web
page can cite it; a corpus that words things differently simply yields fewer facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from careerbot.core.chunking import Chunk

_NUMBER = r"\$?\d[\d,]*(?:\.\d+)?"


@dataclass(frozen=True)
class Fact:
    """One quick fact and the sentence that states it.

    Attributes:
        key: Stable name ("median_pay", "jobs", "growth", "openings", "education", "licensure").
        label: Heading shown to the user ("Median pay").
        value: The short value ("$101,340 per year (May 2021)").
        section: Section heading of the cited sentence.
        sentence: The cited sentence, verbatim.
        source: Corpus file of the sentence.
        start: Character offset of the sentence in ``source``.
        end: Character offset of the sentence's end in ``source``.

    """

    key: str
    label: str
    value: str
    section: str
    sentence: str
    source: str
    start: int
    end: int


@dataclass(frozen=True)
class IndustryPay:
    """One row of a "median annual wages ... in the top industries" table."""

    industry: str
    wage: int


@dataclass
class OccupationFacts:
    """Everything the side panel shows for one corpus document."""

    source: str
    title: str
    facts: list[Fact] = field(default_factory=list)
    pay_by_industry: list[IndustryPay] = field(default_factory=list)
    pay_citation: Fact | None = None

    @property
    def empty(self) -> bool:
        """True when nothing could be extracted."""
        return not self.facts and not self.pay_by_industry


def _median_pay(m: re.Match[str]) -> str:
    when = f" ({m['when']})" if m["when"] else ""
    return f"{m['wage']} per year{when}"


def _growth(m: re.Match[str]) -> str:
    span = f", {m['y1']}–{m['y2']}" if m["y1"] else ""
    sign = "-" if m["dir"].lower() == "decline" else "+"
    return f"{sign}{m['pct']}%{span}"


def _licensure(m: re.Match[str]) -> str:
    return m.group(0).rstrip(".")


# (key, label, pattern, value formatter); the first matching sentence wins.
_RULES: list[tuple[str, str, re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        "median_pay",
        "Median pay",
        re.compile(
            rf"median annual wage for .+? was (?P<wage>\${_NUMBER})(?: in (?P<when>\w+ \d{{4}}))?",
            re.I,
        ),
        _median_pay,
    ),
    (
        "jobs",
        "Number of jobs",
        re.compile(rf"held about (?P<n>{_NUMBER}) jobs(?: in (?P<year>\d{{4}}))?", re.I),
        lambda m: m["n"] + (f" ({m['year']})" if m["year"] else ""),
    ),
    (
        "growth",
        "Projected growth",
        re.compile(
            r"projected to (?P<dir>grow|decline) (?P<pct>\d+(?:\.\d+)?) percent"
            r"(?: from (?P<y1>\d{4}) to (?P<y2>\d{4}))?",
            re.I,
        ),
        _growth,
    ),
    (
        "openings",
        "Openings per year",
        re.compile(rf"\babout (?P<n>{_NUMBER}) openings\b.*\beach year", re.I),
        lambda m: f"about {m['n']}",
    ),
    (
        "education",
        "Typical entry education",
        re.compile(
            r"typically need (?:at least )?(?:an? )?"
            r"(?P<what>[^.;]+?(?:degree|diploma|certificate))",
            re.I,
        ),
        lambda m: m["what"][:1].upper() + m["what"][1:],
    ),
    (
        "licensure",
        "Licensure",
        re.compile(r"^.*\b(?:require|requires|required)\b.*\blicens\w*.*$", re.I),
        _licensure,
    ),
]

_PAY_LEAD = re.compile(r"median (?:annual|hourly) wages\b.*\bwere as follows:?\s*$", re.I)
_PAY_ROW = re.compile(r"^(?P<industry>.*?\S)\s+\$?(?P<wage>\d{1,3}(?:,\d{3})+|\d+)\s*$")


def extract(chunks: Sequence[Chunk]) -> list[OccupationFacts]:
    """Quick facts and the pay-by-industry table of each document, in source order."""
    by_source: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_source.setdefault(c.source, []).append(c)
    return [_extract_one(src, group) for src, group in sorted(by_source.items())]


def _extract_one(source: str, chunks: list[Chunk]) -> OccupationFacts:
    units = sorted(chunks, key=lambda c: c.start)  # chunks are the sentences and rows
    result = OccupationFacts(source=source, title=chunks[0].title)
    for key, label, pattern, fmt in _RULES:
        # A sentence in the section named after the fact ("Licenses, ...") beats an aside.
        ranked = sorted(units, key=lambda u: key[:6] not in u.section.lower())
        for u in ranked:
            if u.kind != "sentence":
                continue
            m = pattern.search(u.text)
            if m:
                result.facts.append(
                    Fact(key, label, _squash(fmt(m)), u.section, u.text, u.source, u.start, u.end)
                )
                break
    for u in units:
        if u.kind != "row" or not _PAY_LEAD.search(u.lead):
            continue
        m = _PAY_ROW.match(u.text)
        if not m:
            continue
        if result.pay_citation is None:
            lead = next((s for s in units if s.text == u.lead and s.source == u.source), None)
            if lead is not None:
                result.pay_citation = Fact(
                    "pay_by_industry", "Median pay by industry", "", lead.section, lead.text,
                    lead.source, lead.start, lead.end,
                )
        elif result.pay_citation.sentence != u.lead:
            break  # only the first such table
        wage = int(m["wage"].replace(",", ""))
        result.pay_by_industry.append(IndustryPay(_squash(m["industry"]), wage))
    return result


def _squash(text: str) -> str:
    """One plain space between words (the corpus has no-break spaces in places)."""
    return " ".join(text.split())


def fact(facts: OccupationFacts, key: str) -> Fact | None:
    """The fact called ``key``, if it was found."""
    return next((f for f in facts.facts if f.key == key), None)
