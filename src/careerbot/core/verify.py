"""Verification of generated answers against the passages they cite. Pure functions.

A language model may invent figures, cite passages it was never given, or cite a passage
that does not say what the sentence claims. Before an answer reaches the user:

- every sentence carries ``[n]`` markers that refer to passages actually given (numbered
  from 1); only a plain "I don't know" may go without one;
- every number, money amount, percentage and year in a sentence appears in the passages
  that sentence cites, compared after normalisation (``$101,340`` = ``101340`` =
  ``101,340 dollars``; ``28%`` = ``28 percent``; ``ten percent`` = ``10 percent``);
- a cited passage shares at least one content word with the sentence citing it;
- links and images pointing outside the passages are removed.

Sentences that fail are removed, and :class:`Verified` says what was removed and why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from careerbot.core.lexicon import BULLET, MARKER_RUN, SENTENCE_BREAK, canonical_number, terms

_LOOSE_MARKER = re.compile(r"\[\s*(?:passages?|sources?|p)?\s*(\d+(?:\s*(?:,|;|and)\s*\d+)*)\s*\]", re.I)
_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)[^)]*\)|<img\b[^>]*>", re.I)
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)")
_HTML_LINK = re.compile(r"<a\b[^>]*href=[\"']?([^\"'\s>]+)[^>]*>(.*?)</a>", re.I | re.S)
_URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s)\]>\"']+", re.I)
_NUMBER = re.compile(r"\$?\s?\d[\d,]*(?:\.\d+)?")
_WORD_NUMBERS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_TENS = "thirty forty fifty sixty seventy eighty ninety".split()
_WORD_NUMBERS.update({w: str(10 * i) for i, w in enumerate(_TENS, start=3)})
_UNITS = r"(?:percent|per\s?cent|%|dollars?|years?|months?|weeks?|hours?|days?|thousand|million)"
_WORD_NUMBER = re.compile(
    r"\b(" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")(?:[- ](one|two|three|"
    r"four|five|six|seven|eight|nine))?(?=[- ]" + _UNITS + r"\b)",
    re.I,
)
_DONT_KNOW = re.compile(
    r"\b(?:do(?:es)?\s?n[o']t|can\s?n?[o']?t|cannot|unable to)\s+(?:know|say|answer|find|tell|"
    r"mention|cover|give|provide|contain|include)|\bnot (?:in|mentioned|covered|stated|given)\b",
    re.I,
)


@dataclass
class Verified:
    """The outcome of checking one generated answer.

    Attributes:
        text: The answer with failing sentences and outside links removed; ``[n]``
            markers are normalised but keep the model's numbering.
        notes: One line per removal, saying what was removed and why.
        cited: Passage numbers cited by the kept sentences, in order of first use.
        kept: The kept sentences.
        dropped: The removed sentences.
        dropped_figures: True when a removed sentence held a number.

    """

    text: str
    notes: list[str] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    dropped_figures: bool = False

    @property
    def changed(self) -> bool:
        """True when anything was removed."""
        return bool(self.notes)

    @property
    def grounded(self) -> bool:
        """True when at least one kept sentence cites a passage."""
        return bool(self.cited)


def figures(text: str) -> list[str]:
    """The normalised numbers in a text, including spelled-out ones before a unit."""
    found = [canonical_number(m.group(0)) for m in _NUMBER.finditer(text)]
    for m in _WORD_NUMBER.finditer(text):
        value = int(_WORD_NUMBERS[m.group(1).lower()])
        if m.group(2):
            value += int(_WORD_NUMBERS[m.group(2).lower()])
        found.append(str(value))
    return found


@lru_cache(maxsize=256)
def _passage_facts(passage: str) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(figures(passage)), frozenset(terms(passage))


def markers(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order."""
    out: list[int] = []
    for m in _LOOSE_MARKER.finditer(sentence):
        out += [int(n) for n in re.findall(r"\d+", m.group(1))]
    return list(dict.fromkeys(out))


def normalise_markers(text: str) -> str:
    """'[Passage 1]', '[1, 2]', '[1; 2]' -> '[1]', '[1][2]'."""
    return _LOOSE_MARKER.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)


def strip_links(text: str, passages: Sequence[str]) -> tuple[str, list[str]]:
    """Remove images and links whose address is not in the passages; keep link text."""
    corpus = "\n".join(passages)
    notes: list[str] = []

    def inside(url: str) -> bool:
        return bool(url) and url in corpus

    def image(m: re.Match[str]) -> str:
        url = m.group(2) or ""
        if inside(url):
            return m.group(0)
        notes.append(f"removed an image ({_short(url or m.group(0))})")
        return ""

    def link(m: re.Match[str]) -> str:
        if inside(m.group(2)):
            return m.group(0)
        notes.append(f"removed a link ({_short(m.group(2))})")
        return m.group(1)

    def html_link(m: re.Match[str]) -> str:
        if inside(m.group(1)):
            return m.group(0)
        notes.append(f"removed a link ({_short(m.group(1))})")
        return m.group(2)

    def url(m: re.Match[str]) -> str:
        if inside(m.group(0)):
            return m.group(0)
        notes.append(f"removed a link ({_short(m.group(0))})")
        return ""

    text = _IMAGE.sub(image, text)
    text = _HTML_LINK.sub(html_link, text)
    text = _LINK.sub(link, text)
    text = _URL.sub(url, text)
    return text, notes


def _short(url: str, limit: int = 60) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def sentences(text: str) -> list[str]:
    """Split into sentences and list lines; markers after a full stop stay with their sentence."""
    out: list[str] = []
    pieces: list[str] = []
    for line in text.splitlines():
        bullet = BULLET.match(line)
        head = bullet.group(0) if bullet else ""
        parts = SENTENCE_BREAK.split(line[len(head):])
        pieces += [head + parts[0], *parts[1:]]
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        lead = MARKER_RUN.match(piece)
        if lead and out:
            out[-1] += " " + lead.group(0).strip()
            piece = piece[lead.end():].strip()
            if not piece:
                continue
        out.append(piece)
    return out


def check_sentence(sentence: str, passages: Sequence[str]) -> tuple[list[int], str | None]:
    """The passages a sentence cites, and why it fails (None when it passes)."""
    cited = markers(sentence)
    claim = BULLET.sub("", _LOOSE_MARKER.sub(" ", sentence))
    numbers = figures(claim)
    if not cited:
        if _DONT_KNOW.search(claim) and not numbers:
            return [], None
        return [], "no [n] citation" if not numbers else f"figure {numbers[0]} has no citation"
    unknown = [n for n in cited if not 1 <= n <= len(passages)]
    if unknown:
        given = len(passages)
        return cited, f"cites [{unknown[0]}], which is not one of the {given} passages given"
    facts = [_passage_facts(passages[n - 1]) for n in cited]
    supported = set().union(*(f[0] for f in facts))
    missing = [x for x in dict.fromkeys(numbers) if x not in supported]
    if missing:
        where = ", ".join(f"[{n}]" for n in cited)
        return cited, f"{missing[0]} is not in {where}"
    words = set(terms(claim))
    if words and not words & set().union(*(f[1] for f in facts)):
        return cited, f"shares no words with {', '.join(f'[{n}]' for n in cited)}"
    return cited, None


def verify(text: str, passages: Sequence[str]) -> Verified:
    """Check a generated answer against the numbered passages it was given.

    Args:
        text: The model's answer, with ``[n]`` markers (1-based).
        passages: The passages in the order they were numbered in the prompt.

    Returns:
        The verified text (failing sentences and outside links removed) and what was
        removed. The text is returned unchanged when everything passes.

    """
    clean, notes = strip_links(normalise_markers(text), passages)
    result = Verified(text="", notes=notes)
    paragraphs: list[list[str]] = []
    for paragraph in clean.split("\n\n"):
        kept_here: list[str] = []
        for sentence in sentences(paragraph):
            cited, problem = check_sentence(sentence, passages)
            if problem is None:
                kept_here.append(sentence)
                result.kept.append(sentence)
                result.cited += [n for n in cited if n not in result.cited]
            else:
                result.dropped.append(sentence)
                result.dropped_figures |= bool(figures(_LOOSE_MARKER.sub(" ", sentence)))
                result.notes.append(f"removed “{_short(sentence, 80)}”: {problem}")
        if kept_here:
            paragraphs.append(kept_here)
    if result.changed:
        result.text = "\n\n".join(" ".join(p) for p in paragraphs)
    else:
        result.text = clean.strip()
    return result


__all__ = ["Verified", "check_sentence", "figures", "markers", "sentences", "strip_links", "verify"]
