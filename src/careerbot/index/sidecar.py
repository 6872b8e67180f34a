"""Files written beside a version's Chroma folder, so opening it rebuilds nothing.

Reading chunks back from Chroma rebuilds 12 metadata fields per record, and BM25 was
rebuilt from every text on each open: 22 s at 100,000 chunks. A version folder therefore
also holds, written with it and never changed::

    chunks.jsonl       one JSON row per chunk, in the positions' order: its id, and its
                       fields in Chunk's order, each string as a line of strings.jsonl
    strings.jsonl      one JSON string per line, each recent distinct string once
    keywords.json      BM25's chunk count, terms and corpus words
    keywords-*.npy     BM25's postings (offsets, chunk positions, weights), memory-mapped

All are written as the chunks come, so an ingest holds neither all chunks nor all
postings: rows go to disk batch by batch, and BM25 is counted in one pass over the
finished rows, its postings kept in a temporary file and placed into memory-mapped arrays.
Opening reads the two JSON-lines files at once, as two JSON arrays.
A missing or unreadable file means a damaged version (``ingest --rebuild`` fixes it).
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from tempfile import TemporaryFile
from typing import IO, Any

import numpy as np

from careerbot.core.chunking import Chunk
from careerbot.core.keywords import KeywordArrays, KeywordCounts, KeywordIndex
from careerbot.index.base import Record, damaged

CHUNKS = "chunks.jsonl"
STRINGS = "strings.jsonl"
KEYWORDS = "keywords.json"
ARRAYS = ("offsets", "ids", "weights")
TEXT = (1, 2, 3, 6, 7, 8, 11)
"""Row fields holding a line number of strings.jsonl (source, title, section, text, lead,
kind, passage); the others are the id, then numbers and a bool, in Chunk's field order."""
LOOKBACK = 16_384
"""A row refers only to the last LOOKBACK strings written (an older one is written again),
so reading rows in order needs no more than those, while opening shares each one."""
RING = LOOKBACK + len(TEXT)
TRIPLES = 3 << 18  # postings buffered between writes to the temporary file (3 MiB)


class RowWriter:
    """Writes chunk rows and the strings they use, each distinct recent string once."""

    def __init__(self, rows: IO[str], strings: IO[str]) -> None:
        self.rows, self.strings = rows, strings
        self.written = 0
        self._index: dict[str, int] = {}

    def write(self, cid: str, c: Chunk) -> None:
        """Append one chunk's row."""
        row: list[Any] = [cid, self._string(c.source), self._string(c.title), self._string(c.section),
                          c.start, c.end, self._string(c.text), self._string(c.lead), self._string(c.kind),
                          c.passage_start, c.passage_end, self._string(c.passage), c.lede]
        self.rows.write(json.dumps(row, ensure_ascii=False) + "\n")

    def close(self) -> None:
        """Close both files."""
        self.rows.close()
        self.strings.close()

    def _string(self, value: str) -> int:
        at = self._index.get(value)
        if at is None or self.written - at > LOOKBACK:
            at = self._index[value] = self.written
            self.strings.write(json.dumps(value, ensure_ascii=False) + "\n")
            self.written += 1
            if len(self._index) > 2 * LOOKBACK:  # forget what may no longer be referred to
                self._index = {k: v for k, v in self._index.items() if self.written - v <= LOOKBACK}
        return at


def row_writer(folder: Path, suffix: str = "") -> RowWriter:
    """A writer of ``folder``'s row and string files (``suffix`` for temporary ones)."""
    return RowWriter(open(folder / (CHUNKS + suffix), "w", encoding="utf-8"),
                     open(folder / (STRINGS + suffix), "w", encoding="utf-8"))


class Builder:
    """The side files of a version being built: follows its writes, writes the files at the end.

    New chunks are written as rows the moment they are stored; metadata updates and
    deletions of ``base``'s chunks are applied when ``base``'s rows are streamed into the
    new files ahead of them (only updated chunks are held until then).
    """

    def __init__(self, folder: Path, base: Path | None) -> None:
        self.folder = folder
        self.base = base
        self._new = row_writer(folder, ".new")
        self._updated: dict[str, Chunk] = {}
        self._deleted: set[str] = set()

    def add(self, records: Sequence[Record]) -> None:
        """New chunks, in the order they are stored."""
        for r in records:
            self._new.write(r.id, r.chunk)

    def update(self, records: Sequence[Record]) -> None:
        """Chunks of ``base`` whose metadata changed."""
        self._updated.update((r.id, r.chunk) for r in records)

    def delete(self, ids: Sequence[str]) -> None:
        """Chunks of ``base`` that are gone."""
        self._deleted.update(ids)

    def finish(self) -> int:
        """Write the rows (``base``'s, then the new ones) and BM25; return the row count."""
        self.close()
        done = ".new"
        if self.base is not None:
            rows, done = row_writer(self.folder, ".tmp"), ".tmp"
            try:
                for cid, chunk in rows_of(self.base):
                    if cid not in self._deleted:
                        rows.write(cid, self._updated.pop(cid, chunk))
                if self._updated:
                    raise damaged(str(self.base), KeyError(next(iter(self._updated))))
                for cid, chunk in rows_of(self.folder, ".new"):
                    rows.write(cid, chunk)
            finally:
                rows.close()
        for name in (CHUNKS, STRINGS):
            os.replace(self.folder / (name + done), self.folder / name)
            (self.folder / (name + ".new")).unlink(missing_ok=True)
        return write_keywords(self.folder, (c.embed_text for _, c in rows_of(self.folder)))

    def close(self) -> None:
        """Close the files being written (after a failed build, its folder is then deleted)."""
        self._new.close()


def write_keywords(folder: Path, texts: Iterator[str]) -> int:
    """BM25 over ``texts`` in one pass: postings kept in a temporary file, then placed in
    memory-mapped arrays; returns the number of texts."""
    counts, triples = KeywordCounts(), array("i")
    with TemporaryFile(dir=folder) as tmp:
        for text in texts:
            counts.add(text, triples)
            if len(triples) >= TRIPLES:
                triples.tofile(tmp)
                del triples[:]
        triples.tofile(tmp)
        del triples[:]
        tmp.flush()
        tmp.seek(0)
        ids, weights = (np.lib.format.open_memmap(folder / f"keywords-{name}.npy", mode="w+", dtype=dtype,
                                                  shape=(counts.postings,))
                        for name, dtype in (("ids", np.int32), ("weights", np.float32)))

        def blocks() -> Iterator[np.ndarray]:
            while (block := np.fromfile(tmp, dtype=np.int32, count=TRIPLES)).size:
                yield block.reshape(-1, 3)

        arrays = counts.arrays(blocks(), ids, weights)
    ids.flush()
    weights.flush()
    np.save(folder / "keywords-offsets.npy", arrays.offsets)
    (folder / KEYWORDS).write_text(json.dumps({"n": arrays.n, "terms": arrays.terms, "words": arrays.words},
                                              ensure_ascii=False))
    return arrays.n



def read_chunks(folder: Path) -> tuple[list[str], list[Chunk]]:
    """Ids and chunks of a version, read at once; repeated strings share one copy."""
    try:
        s, rows = (_lines(folder / name) for name in (STRINGS, CHUNKS))
        # Positional, in Chunk's field order.
        chunks = [Chunk(s[r[1]], s[r[2]], s[r[3]], r[4], r[5], s[r[6]], s[r[7]], s[r[8]], r[9], r[10],
                        s[r[11]], r[12]) for r in rows]
        return [str(r[0]) for r in rows], chunks
    except (OSError, KeyError, IndexError, TypeError, ValueError) as e:
        raise damaged(str(folder), e) from e


def _lines(path: Path) -> list[Any]:
    """A JSON-lines file as one list, parsed at once (JSON escapes every newline in a value)."""
    return list(json.loads("[" + path.read_text(encoding="utf-8").rstrip("\n").replace("\n", ",") + "]"))


def rows_of(folder: Path, suffix: str = "") -> Iterator[tuple[str, Chunk]]:
    """Each (id, chunk) of a version in order, holding only the strings rows may still use."""
    ring: list[str] = [""] * RING
    read = 0
    try:
        with open(folder / (CHUNKS + suffix), encoding="utf-8") as rows, \
                open(folder / (STRINGS + suffix), encoding="utf-8") as strings:
            for line in rows:
                r = json.loads(line)
                if len(r) != 13 or any(type(r[field]) is not int for field in TEXT):
                    raise ValueError("a row of the wrong shape")
                for field in TEXT:
                    while r[field] >= read:
                        ring[read % RING] = json.loads(strings.readline())
                        read += 1
                    if r[field] < max(read - RING, 0):
                        raise ValueError(f"string {r[field]} is not among the last {RING} read")
                    r[field] = ring[r[field] % RING]
                yield str(r[0]), Chunk(*r[1:])
    except (OSError, KeyError, IndexError, TypeError, ValueError) as e:
        raise damaged(str(folder), e) from e


def read_keywords(folder: Path) -> KeywordIndex:
    """The version's BM25 index, its postings memory-mapped."""
    try:
        data = json.loads((folder / KEYWORDS).read_text())
        arrays = {name: np.load(folder / f"keywords-{name}.npy", mmap_mode="r") for name in ARRAYS}
        stored = KeywordArrays(int(data["n"]), list(data["terms"]), words=list(data["words"]), **arrays)
    except (OSError, KeyError, TypeError, ValueError) as e:
        raise damaged(str(folder), e) from e
    if len(stored.offsets) != len(stored.terms) + 1 or len(stored.ids) != len(stored.weights):
        raise damaged(str(folder), ValueError("keyword arrays differ in length"))
    return KeywordIndex.from_arrays(stored)
