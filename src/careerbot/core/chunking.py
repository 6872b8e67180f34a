"""Cut occupation documents into sections, passages and chunks.

Pure text processing: no files, no model, no database (:mod:`careerbot.corpus` reads the
files). Token counting is passed in as a function so the chunker stays testable without
the tokenizer.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from careerbot.core.lexicon import BULLET

CHUNKER_VERSION = "6"
"""Bump when chunk boundaries or embedded text change: an index built otherwise is rebuilt."""

OVERVIEW = "Overview"
"""Section name of the text that comes before a document's first heading."""

_TERMINAL = (".", "?", "!")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to"}
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "dr", "mr", "mrs", "ms", "no", "st", "inc", "jr"}


@dataclass(frozen=True)
class CorpusFile:
    """One corpus file: its name, a title, and its full text."""

    source: str
    title: str
    text: str


@dataclass(frozen=True)
class Block:
    """A run of non-blank lines, with its character span in the document."""

    start: int
    end: int
    text: str

    @property
    def lines(self) -> list[str]:
        """The block's lines, stripped."""
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Chunk:
    """What the index holds: one sentence, list item or table row, inside its passage.

    Indexing at this grain lets search rank the very sentence that answers, while the
    passage (the paragraph, or a list or table with its lead) is kept for citations.
    A chunk never crosses a section and fits the embedding model's window.
    """

    source: str
    title: str
    section: str
    start: int
    end: int
    text: str
    lead: str = ""
    kind: str = "sentence"
    passage_start: int = 0
    passage_end: int = 0
    passage: str = ""
    lede: bool = False

    @property
    def embed_text(self) -> str:
        """What the model sees: section and lead give a short sentence or row its topic."""
        return f"{self.section}: {self.lead} {self.text}" if self.lead else f"{self.section}: {self.text}"

    @property
    def content_hash(self) -> str:
        """Hash of everything that determines the embedding."""
        return hashlib.sha256(f"{CHUNKER_VERSION}\0{self.embed_text}".encode()).hexdigest()

    @property
    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for the vector store."""
        return {
            "source": self.source,
            "title": self.title,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "hash": self.content_hash,
            "lead": self.lead,
            "kind": self.kind,
            "passage_start": self.passage_start,
            "passage_end": self.passage_end,
            "passage": self.passage,
            "lede": int(self.lede),
        }

    @classmethod
    def from_metadata(cls, text: str, meta: dict[str, Any]) -> Chunk:
        """Rebuild a chunk from what the vector store returns."""
        return cls(
            str(meta["source"]), str(meta["title"]), str(meta["section"]), int(meta["start"]),
            int(meta["end"]), text, str(meta["lead"]), str(meta["kind"]),
            int(meta["passage_start"]), int(meta["passage_end"]), str(meta["passage"]),
            bool(meta.get("lede", 0)),
        )


@dataclass(frozen=True)
class Span:
    """Where a sentence, list item or table row lies in a text, before it is a :class:`Chunk`.

    A chunk is a span placed in its section and passage. ``lead`` is the sentence that
    introduces a list or table ("... were as follows:"),
    which a row needs in order to mean anything on its own.
    """

    text: str
    start: int
    end: int
    lead: str = ""
    kind: str = "sentence"


def title_of(name: str, text: str) -> str:
    """A document's title: its leading ``# Heading``, else its file name made readable."""
    return title_from(name, next(blocks(text), None))


def blocks(text: str, offset: int = 0) -> Iterator[Block]:
    """Split text into runs of non-blank lines, keeping exact offsets (plus ``offset``)."""
    for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        raw = m.group(0)
        lead = len(raw) - len(raw.lstrip())
        body = raw.strip()
        yield Block(offset + m.start() + lead, offset + m.start() + lead + len(body), body)


class TextWindow:
    """A document that arrives in pieces: its blocks as they complete, and slices of the
    part not yet released, by absolute offset.

    A block never crosses a blank line, so the text read so far is cut after its last
    blank line and the blocks before that are final. The chunker releases the text of
    each passage it has cut, so the window holds about one piece and one passage, not
    the document.
    """

    def __init__(self, pieces: Iterable[str]) -> None:
        self._pieces = pieces
        self._base = 0
        self._text = ""

    def __getitem__(self, key: slice) -> str:
        return self._text[key.start - self._base : key.stop - self._base]

    def release(self, upto: int) -> None:
        """Forget the text before offset ``upto`` (once that is most of it: copies stay linear)."""
        if 2 * (upto - self._base) > len(self._text):
            self._text = self._text[upto - self._base :]
            self._base = upto

    def blocks(self) -> Iterator[Block]:
        """The document's blocks, in order, each as soon as a blank line (or the end) closes it."""
        done = 0  # blocks before this offset were yielded
        for piece in self._pieces:
            since = max(self._text.rfind("\n"), done - self._base, 0)
            self._text += piece
            cut = max((m.end() for m in _BLANK_LINE.finditer(self._text, since)), default=0)
            if cut > done - self._base:
                start, done = done, self._base + cut
                yield from blocks(self[start:done], start)
        yield from blocks(self[done : self._base + len(self._text)], done)


_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")


def _heading_candidate(block: Block) -> bool:
    """A one-line, short, title-cased block with no sentence punctuation at its end."""
    text = block.text.lstrip("#").strip()
    if "\n" in block.text or not text or len(text) > 80 or BULLET.match(text):
        return False
    if text.endswith(_TERMINAL + (":", ";", ",")) or not text[0].isupper():
        return False
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    if not words or len(words) > 10:
        return False
    return all(w[0].isupper() or w.lower() in _SMALL_WORDS or len(w) < 4 for w in words)


def _ends_paragraph(block: Block | None) -> bool:
    return block is None or block.text.endswith(_TERMINAL) or block.text.startswith("#")


def is_heading(prev: Block | None, block: Block, nxt: Block | None) -> bool:
    """Headings start sections: after a finished paragraph, or before one.

    A title-cased line inside a list of names (say, organisations under "For More
    Information") is preceded and followed by other non-sentences, so it is not one.
    """
    if block.text.startswith("#"):
        return True
    if not _heading_candidate(block):
        return False
    if _ends_paragraph(prev):
        return True
    return nxt is not None and nxt.text.endswith(_TERMINAL + (":",)) and not _heading_candidate(nxt)


def sections(doc: CorpusFile) -> Iterator[tuple[str, list[Block]]]:
    """Yield (section name, body blocks) in document order; a section never is empty."""
    for _, group in itertools.groupby(_placed(blocks(doc.text), doc.title), key=lambda p: p[0]):
        body = list(group)
        yield body[0][1], [block for _, _, block in body]


def _placed(items: Iterable[Block], title: str) -> Iterator[tuple[int, str, Block]]:
    """Each body block with its section's number and name; headings start sections.

    Looks one block ahead (``is_heading`` needs the next block), so it streams.
    """
    number, name = 0, OVERVIEW
    prev: Block | None = None
    first = True
    for block, nxt in itertools.pairwise(itertools.chain(items, [None])):
        assert block is not None  # only the sentinel after the last block is None
        if is_heading(prev, block, nxt):
            number, name = number + 1, block.text.lstrip("#").strip()
        elif not (first and block.text.strip() == title):
            yield number, name, block
        prev, first = block, False


def title_from(name: str, first: Block | None) -> str:
    """A document's title: its first block when that is a ``# Heading``, else its file name made readable."""
    if first is not None and first.text.lstrip().startswith("#"):
        return first.text.lstrip("# ").strip()
    name = re.sub(r"[-_]+", " ", name).strip()
    return name[:1].upper() + name[1:]


def chunk_document(
    doc: CorpusFile, count_tokens: Callable[[str], int], max_tokens: int = 256
) -> list[Chunk]:
    """Every chunk of a document held whole (see :func:`chunk_stream`)."""
    window = TextWindow([doc.text])
    return list(_chunks(doc.source, doc.title, window, window.blocks(), count_tokens, max_tokens))


def chunk_stream(
    source: str, name: str, pieces: Iterable[str], count_tokens: Callable[[str], int], max_tokens: int = 256
) -> Iterator[Chunk]:
    """Cut a document that arrives in pieces into chunks, as they come.

    The title is the document's leading ``# Heading``, else ``name`` made readable (as
    :func:`title_of`). Memory holds one piece and one passage at a time.
    """
    window = TextWindow(pieces)
    items = window.blocks()
    first = next(items, None)
    title = title_from(name, first)
    head = [] if first is None else [first]
    yield from _chunks(source, title, window, itertools.chain(head, items), count_tokens, max_tokens)


def _chunks(
    source: str, title: str, text: TextWindow, items: Iterable[Block],
    count_tokens: Callable[[str], int], max_tokens: int,
) -> Iterator[Chunk]:
    """Cut blocks into passages (a paragraph, or a list or table glued to its lead), then
    each passage into chunks (its sentences, items and rows); the first chunk of each
    section is its lede.

    A unit too long for the model's window is cut at word boundaries, so nothing is
    silently truncated by the model.
    """
    for _, placed in itertools.groupby(_placed(items, title), key=lambda p: p[0]):
        _, section, block = next(placed)
        lede = True
        for group in _glue_leads(itertools.chain([block], (b for _, _, b in placed))):
            start, end = group[0].start, group[-1].end
            for ps, pe in _fit(text, start, end, section, count_tokens, max_tokens):
                passage = text[ps:pe]
                for u in split_units(passage):
                    head = f"{section}: {u.lead} " if u.lead else f"{section}: "

                    def fits(s: int, e: int, head: str = head) -> bool:
                        return count_tokens(head + text[s:e]) <= max_tokens

                    pieces = [(ps + u.start, ps + u.end)]
                    if not fits(*pieces[0]):
                        pieces = list(_split_words(text, ps + u.start, ps + u.end, fits))
                    for s, e in pieces:
                        piece = u.text if (s, e) == (ps + u.start, ps + u.end) else text[s:e]
                        yield Chunk(source, title, section, s, e, piece, u.lead, u.kind,
                                    ps, pe, passage, lede=lede)
                        lede = False
            text.release(end)


def _glue_leads(body: Iterable[Block]) -> Iterator[list[Block]]:
    """Group an unfinished one-line block (a lead ending with ':', a question, a "visit"
    line) with what follows it, and a run of "Label. Description." paragraphs with the lead
    that introduces them, so a list, table or answer keeps its introduction."""
    group: list[Block] = []
    for block in body:
        last = group[-1] if group else None
        unfinished = last is not None and "\n" not in last.text and not last.text.endswith((".", "!"))
        in_list = last is not None and _is_definition(block) and (
            _is_definition(last) or group[0].text.endswith(":")
        )
        if unfinished or in_list:
            group.append(block)
        else:
            if group:
                yield group
            group = [block]
    if group:
        yield group


def _is_definition(block: Block) -> bool:
    """A paragraph that opens with a short label sentence: "Analytical skills. Managers must..."."""
    if "\n" in block.text:
        return False
    first = next(_sentence_spans(block.text), None)
    return first is not None and first[1] < len(block.text) and len(block.text[: first[1]].split()) <= 4


def _fit(
    text: TextWindow, start: int, end: int, section: str, count: Callable[[str], int], limit: int
) -> Iterator[tuple[int, int]]:
    def fits(s: int, e: int) -> bool:
        return count(f"{section}: {text[s:e]}") <= limit

    if fits(start, end):
        yield start, end
        return
    pieces = [(start + u.start, start + u.end) for u in split_units(text[start:end])]
    cur: tuple[int, int] | None = None
    for s, e in pieces:
        if cur and fits(cur[0], e):
            cur = (cur[0], e)
            continue
        if cur:
            yield cur
        if fits(s, e):
            cur = (s, e)
        else:
            yield from _split_words(text, s, e, fits)
            cur = None
    if cur:
        yield cur


def _split_words(
    text: TextWindow, start: int, end: int, fits: Callable[[int, int], bool]
) -> Iterator[tuple[int, int]]:
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
    cur_start = words[0][0]
    last_end = words[0][1]
    for s, e in words[1:]:
        if not fits(cur_start, e):
            yield cur_start, last_end
            cur_start = s
        last_end = e
    yield cur_start, last_end


def split_units(text: str) -> list[Span]:
    """Split a chunk into sentences, list items and table rows, with their lead sentence.

    Offsets are relative to ``text``. A block of several lines, or a bulleted line, is a
    list or table: one unit per line. The label of a "Label. Description." paragraph
    after a lead is an item of that lead's list.
    """
    units: list[Span] = []
    lead = ""
    for block in blocks(text):
        lines = block.lines
        if len(lines) > 1 or BULLET.match(lines[0]):
            pos = block.start
            for line in lines:
                s = text.index(line, pos)
                pos = s + len(line)
                body = BULLET.sub("", line)
                kind = "item" if BULLET.match(line) else "row"
                units.append(Span(body, pos - len(body), pos, lead, kind))
            continue
        spans = list(_sentence_spans(block.text))
        # After a lead, a "Label. Description." paragraph or a bare name ("American College
        # of Healthcare Executives" under "For information ..., visit") is an item of it.
        definition = bool(lead) and (_is_definition(block) or _heading_candidate(block))
        for j, (s, e) in enumerate(spans):
            item = definition and j == 0
            units.append(
                Span(block.text[s:e], block.start + s, block.start + e, lead if item else "",
                     "item" if item else "sentence")
            )
        if not definition:
            last = units[-1].text if units else ""
            lead = last if last.endswith(":") or last and not last.endswith(_TERMINAL) else ""
    return units


def _sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in re.finditer(r"[.!?][\"'”’)]*\s+(?=[\"“(]?[A-Z0-9$])", text):
        before = text[start : m.start()].split()
        word = before[-1].lower().strip("(\"“") if before else ""
        if word in _ABBREVIATIONS or "." in word or len(word) == 1:
            continue
        yield start, m.start() + len(m.group(0).rstrip())
        start = m.end()
    if text[start:].strip():
        yield start, len(text.rstrip())
